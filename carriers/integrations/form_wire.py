"""What the Chinese carriers' protocols share on the wire (DESIGN §7.5): form-encoded POSTs both
ways, answers in JSON, local times without an offset.

Used by :mod:`.kuaidi100` and :mod:`.sf`; nothing here knows either protocol.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from http.client import HTTPException
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

from ..formats import masked_phone
from ..json_body import InvalidBody, strict_json_loads
from ..models import Carrier
from ..services.references import UNANSWERED, carrier_exchange_record
from ..services.signing_cache import carrier_signing_get
from .base import SendResult

# DESIGN §7.5: outbound calls time out after 10 s.
TIMEOUT_SECONDS = 10.0
USER_AGENT = "courier-platform-carriers/1"
# Both carriers write local times in Beijing time without an offset.
CARRIER_TIME_ZONE = ZoneInfo("Asia/Shanghai")
CARRIER_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class Unreachable(Exception):
    """The carrier could not be reached, or did not answer in time: worth retrying."""


@dataclass(frozen=True)
class WireAnswer:
    status: int
    text: str

    def json(self) -> Any:
        """The answer as JSON, or ``None`` when it is not JSON."""
        try:
            return json.loads(self.text)
        except ValueError:
            return None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect from a POST would be followed with a GET and its 200 taken as the answer.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def form_post(url: str, fields: dict[str, str], *, timeout: float = TIMEOUT_SECONDS) -> WireAnswer:
    """POST ``fields`` form-encoded (UTF-8); the HTTP status and text of the answer, whatever the
    status. ``Unreachable`` when no answer came (refused, timed out, not http(s))."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise Unreachable("no http(s) URL configured")
    request = urllib.request.Request(  # noqa: S310  (scheme checked above)
        url,
        data=urlencode(fields).encode("utf-8"),
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8",
            "User-Agent": USER_AGENT,
        },
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            return WireAnswer(response.status, response.read().decode("utf-8", errors="replace"))
    except urllib.error.HTTPError as error:
        with error:
            return WireAnswer(error.code, error.read().decode("utf-8", errors="replace"))
    except (OSError, HTTPException, ValueError) as error:
        # The URL is left out: it is shown in the admin and may carry credentials.
        cause = getattr(error, "reason", None)
        kind = type(cause if isinstance(cause, BaseException) else error)
        # A timeout is recorded as UNANSWERED: the call may have been acted on.
        raise Unreachable(UNANSWERED[1:-1] if issubclass(kind, TimeoutError) else kind.__name__) from None


def form_fields(body: bytes, *, required: tuple[str, ...]) -> dict[str, str]:
    """The fields of a form-encoded body (each once); ``InvalidBody`` when it is not UTF-8, not a
    form, or lacks a required field."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidBody(_("The body is not UTF-8 text.")) from None
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True, max_num_fields=50)
    except ValueError:
        raise InvalidBody(_("The body is not a form (application/x-www-form-urlencoded).")) from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name in fields:
            raise InvalidBody(_("The form field “%(name)s” is given twice.") % {"name": name})
        if "\x00" in value:
            raise InvalidBody(_("Text may not contain the NUL character (\\u0000)."))
        fields[name] = value
    missing = [name for name in required if not fields.get(name)]
    if missing:
        raise InvalidBody(_("The form lacks %(fields)s.") % {"fields": ", ".join(missing)})
    return fields


def signed_with_setting(carrier: Carrier, setting: str, signed: Callable[[str], bool]) -> bool:
    """Whether ``signed(value)`` holds for the carrier's ``setting`` (a salt, a check word) as this
    process cached it, or else as the database has it now: another process's admin may have
    changed it within the cache's lifetime (as a new webhook secret is, ``signing_cache``)."""
    value = (carrier.integration_settings or {}).get(setting) or ""
    if value and signed(value):
        return True
    fresh = carrier_signing_get(carrier.code, fresh=True)
    if fresh is None:
        return False
    current = (fresh.carrier.integration_settings or {}).get(setting) or ""
    return bool(current) and current != value and signed(current)


def json_field(value: str) -> Any:
    """A form field that holds JSON, read as strictly as a JSON body (``InvalidBody``)."""
    return strict_json_loads(value.encode("utf-8"))


def carrier_time(value: Any) -> datetime | None:
    """A carrier's local time (``2026-11-22 09:50:00``, Beijing) or an ISO 8601 time with offset."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.strptime(value, CARRIER_TIME_FORMAT)  # noqa: DTZ007  (zone set below)
    except ValueError:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CARRIER_TIME_ZONE)
    return moment


def local_text(moment: datetime, fmt: str = CARRIER_TIME_FORMAT) -> str:
    return moment.astimezone(CARRIER_TIME_ZONE).strftime(fmt)


def masked(value: Any) -> Any:
    """A copy of a request for the log: every value under a key that names a phone is masked."""
    if isinstance(value, dict):
        return {
            key: masked_phone(str(item)) if _phone_key(key) and isinstance(item, str) else masked(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [masked(item) for item in value]
    return value


_PHONE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def masked_text(text: str) -> str:
    """Text for a screen: every mainland mobile number in it masked (138****8000)."""
    return _PHONE_IN_TEXT.sub(r"\1****\2", text or "")


def _phone_key(key: str) -> bool:
    lowered = key.lower()
    return "mobile" in lowered or "phone" in lowered or lowered == "tel"


def national_phone(value: Any) -> str:
    """A phone as the carriers' forms take it: a mainland number without +86 (13800138000, a
    landline 0755-88886666); others as stored."""
    text = str(value or "").strip()
    if text.startswith("+86"):
        text = text[3:].lstrip(" -")
        if text[:1] != "1" and text[:1] != "0":  # a landline's area code lost its trunk 0
            text = "0" + text
    return text


def form_exchange(
    *,
    record: dict[str, Any],
    protocol: str,
    configured: bool,
    missing: str,
    url: str,
    fields: dict[str, str],
    read: Callable[[WireAnswer], SendResult],
    timeout: float = TIMEOUT_SECONDS,
) -> SendResult:
    """One outbound call of a form protocol, recorded whatever its outcome: not configured and
    unreachable are retried (the delivery engine backs off); otherwise ``read`` judges the answer."""
    carrier = record["carrier"]
    if not configured:
        reason = f"carrier {carrier.code}: {protocol} {missing} are not all set"
        carrier_exchange_record(**record, outcome="retry", error=reason)
        return SendResult.retry(reason)
    try:
        answer = form_post(url, fields, timeout=timeout)
    except Unreachable as error:
        reason = f"carrier {carrier.code}: {protocol} could not be reached ({error})"
        carrier_exchange_record(**record, outcome="retry", error=reason)
        return SendResult.retry(reason)
    result = read(answer)
    carrier_exchange_record(
        **record,
        http_status=answer.status,
        response=answer.text,
        outcome=str(result.status),
        error=result.reason,
    )
    return result
