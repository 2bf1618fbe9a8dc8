"""``standard_webhooks``: the platform's own protocol (DESIGN §7.1–7.2), unchanged on the wire.

Outbound: a signed JSON POST to ``carrier.endpoint_url`` (Standard Webhooks, the newest secret),
body ``{"type", "timestamp", "data"}``; ``webhook-id`` is the message id the carrier de-duplicates
on. Inbound: one event per request, ``{"order", "type", "occurred_at", "data"}``, signed over the
raw body with one of the carrier's ``whsec_`` secrets; the ``webhook-id`` is the event's id. The
carrier may also pull its orders with requests signed the same way.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from http.client import HTTPException
from urllib.parse import urlsplit

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..json_body import InvalidBody, printable, strict_json_loads
from ..models import Carrier, CarrierEventResult
from ..services.credentials import carrier_active_secrets
from ..webhooks import (
    ID_HEADER,
    WebhookVerificationError,
    carrier_signature_check,
    sign_payload,
    signed_content,
)
from .base import (
    EventAnswer,
    InboundOutcome,
    InboundRequest,
    Integration,
    InvalidRequest,
    OutboundMessage,
    PlatformEvent,
    RequestRefused,
    SendResult,
    answer_json,
)

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 5.0  # seconds, per connect and per read
USER_AGENT = "courier-platform-webhooks/1"
# The column that keeps an event's id in the order's timeline (OrderEvent.source_event_id).
MAX_EVENT_ID_LENGTH = 100
AUTHENTICATE_HEADER = 'Webhook-Signature realm="carrier-api"'


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # urllib would follow a 302 from a POST with a GET and report the 200 of wherever it landed
    # (a login page, say) as delivered. A redirect is the carrier's misconfiguration: fail.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class StandardWebhooks(Integration):
    name = "standard_webhooks"
    label = gettext_lazy("Standard Webhooks (HTTP push and signed callbacks)")
    pulls = True

    def __init__(self, *, timeout: float = DEFAULT_TIMEOUT):
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirects)

    # --- outbound ------------------------------------------------------------------------------

    def send(self, message: OutboundMessage) -> SendResult:
        carrier = message.carrier
        url = carrier.endpoint_url
        if urlsplit(url).scheme not in ("http", "https"):
            return SendResult.retry(f"carrier {carrier.code} has no http(s) endpoint URL")
        secrets = carrier_active_secrets(carrier)
        if not secrets:
            # Never push unsigned: the carrier could not tell us from anyone else.
            return SendResult.retry(f"carrier {carrier.code} has no webhook secret")

        now = timezone.now()
        body = json.dumps(
            {"type": message.type, "timestamp": now.isoformat(), "data": message.payload},
            cls=DjangoJSONEncoder,
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")
        headers = sign_payload(secret=secrets[0], msg_id=message.id, timestamp=now, body=body)
        request = urllib.request.Request(  # noqa: S310  (scheme checked above)
            url,
            data=body,
            method="POST",
            headers={**headers, "Content-Type": "application/json", "User-Agent": USER_AGENT},
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            exc.close()
            return SendResult.retry(f"carrier {carrier.code} answered HTTP {exc.code}")
        except (OSError, HTTPException, ValueError) as exc:
            # OSError covers URLError, refused connections and timeouts. The URL is left out of the
            # message: it is stored and shown in the admin, and may carry credentials.
            cause = getattr(exc, "reason", None)
            kind = type(cause if isinstance(cause, BaseException) else exc).__name__
            return SendResult.retry(f"carrier {carrier.code} could not be reached ({kind})")
        if not 200 <= status < 300:
            return SendResult.retry(f"carrier {carrier.code} answered HTTP {status}")
        logger.info("carrier %s: %s %s delivered", carrier.code, message.type, message.id)
        return SendResult.delivered()

    # --- inbound -------------------------------------------------------------------------------

    def verify(self, request: InboundRequest, *, carrier: Carrier) -> None:
        """Raise ``RequestRefused`` unless the request is signed with one of the carrier's secrets
        (over the raw body, or the request line of a request without one)."""
        content = signed_content(method=request.method, full_path=request.full_path, body=request.body)
        try:
            carrier_signature_check(code=carrier.code, headers=request.headers, content=content)
        except LookupError:
            raise RequestRefused(_("No such carrier.")) from None
        except WebhookVerificationError as exc:
            raise RequestRefused(_("Bad or stale signature (%(reason)s).") % {"reason": exc}) from None

    def parse(self, request: InboundRequest, *, carrier: Carrier) -> list[PlatformEvent]:
        self.verify(request, carrier=carrier)
        webhook_id = request.headers[ID_HEADER]
        if len(webhook_id) > MAX_EVENT_ID_LENGTH:
            message = _("The webhook-id is longer than %(max)d characters.") % {"max": MAX_EVENT_ID_LENGTH}
            raise InvalidRequest(
                {"webhook-id": [message]},
                message=message,
                payload={"raw": printable(request.body)},
                event_id=webhook_id,
                check_duplicate=False,
            )
        try:
            body = strict_json_loads(request.body)
        except InvalidBody as invalid:
            raise InvalidRequest(
                {"non_field_errors": [str(invalid.message)]},
                message=invalid.message,
                payload={"raw": printable(request.body)},
                event_id=webhook_id,
            ) from None
        return [PlatformEvent(id=webhook_id, envelope=body, payload=body)]

    def acknowledge(self, outcome: InboundOutcome) -> HttpResponse:
        if outcome.refused is not None:
            response = answer_json(
                {"error": "authentication_failed", "detail": str(outcome.refused.reason)}, status=401
            )
            response["WWW-Authenticate"] = AUTHENTICATE_HEADER
            return response
        # One event per request in this protocol.
        answer = outcome.answers[0] if outcome.answers else EventAnswer(result=CarrierEventResult.RECORDED)
        if answer.result == CarrierEventResult.INVALID:
            return answer_json({"error": "invalid_payload", "detail": answer.detail}, status=400)
        if answer.result == CarrierEventResult.NOT_FOUND:
            return answer_json({"error": answer.error, "detail": answer.detail}, status=404)
        if answer.result == CarrierEventResult.ILLEGAL:
            return answer_json(
                {"error": answer.error, "detail": answer.detail, "status": answer.status}, status=409
            )
        return answer_json({"result": answer.result})
