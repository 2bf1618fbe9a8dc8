"""SMS backends. Chinese providers send only pre-registered templates: a message is a template id,
its variables and the registered sign name (签名), never free text. So every SMS the platform sends
names a template (a notice kind such as ``pickup_exception``, or ``reset_code``) and its variables;
the HTTP backend maps the name to the provider's template id (``NOTIFICATIONS_SMS_TEMPLATES``), and
the console backend, the default, writes the rendered text to the log.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import urllib.error
import urllib.request
from collections.abc import Mapping

import phonenumbers
from django.conf import settings
from django.utils.module_loading import import_string

from notifications.errors import DeliveryError, PermanentDeliveryError

logger = logging.getLogger("notifications.channels")

SMS_REGIONS = ("CN", "HK")


def is_sms_mobile(phone: str | None) -> bool:
    """True for a mainland China or Hong Kong mobile number (what the SMS provider reaches)."""
    if not phone:
        return False
    return _is_sms_mobile(phone)


# The answer depends on the text alone (and the library's metadata): a batch job asks it for every
# owner of a thousand orders, and parsing costs about 0.1 ms. Accounts keep their numbers in E.164
# (accounts.identifiers), so a +86 / +852 number is read without the parser: its country code
# names one region each, and the type comes from the same metadata patterns.
_MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
_E164_CN_HK = re.compile(r"\+(86|852)([1-9][0-9]{4,13})")


@functools.lru_cache(maxsize=65536)
def _is_sms_mobile(phone: str) -> bool:
    if match := _E164_CN_HK.fullmatch(phone):
        number = phonenumbers.PhoneNumber(country_code=int(match[1]), national_number=int(match[2]))
        return phonenumbers.number_type(number) in _MOBILE_TYPES
    try:
        number = phonenumbers.parse(phone, "CN")
    except phonenumbers.NumberParseException:
        return False
    # A number of one of these types is a valid one (the type is read from the same patterns that
    # is_valid_number checks), so the type alone decides.
    return (
        phonenumbers.region_code_for_number(number) in SMS_REGIONS
        and phonenumbers.number_type(number) in _MOBILE_TYPES
    )


class SmsBackend:
    def send(self, *, phone: str, template: str, params: Mapping[str, str], text: str, language: str) -> None:
        """Send template ``template`` with ``params`` to ``phone``; ``text`` is the same message
        rendered in ``language``, for backends that send (or log) plain text."""
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """The default: writes the message to the log, like Django's console e-mail backend (the log
    masks phone numbers)."""

    def send(self, *, phone: str, template: str, params: Mapping[str, str], text: str, language: str) -> None:
        logger.info("SMS to %s: %s", phone, text)


class HttpSmsBackend(SmsBackend):
    """A provider reached by a JSON POST to ``NOTIFICATIONS_SMS_URL`` with the API key
    (``NOTIFICATIONS_SMS_KEY``) as a bearer token::

        {"phone": "+8613800138000", "sign_name": "上门快递", "template_id": "SMS_1001",
         "params": {"number": "C20261123…", "deadline": "2026-11-24 00:00"}}

    The template id is ``NOTIFICATIONS_SMS_TEMPLATES[f"{template}.{language}"]``, else
    ``[template]`` (providers register one template per language, or one for all). A 2xx answer
    whose JSON ``code`` is absent or ``"OK"`` is delivered; 429, 5xx and network errors are worth
    another attempt; any other answer (a refused number or template) is final.
    """

    timeout = 10

    def __init__(
        self,
        url: str | None = None,
        key: str | None = None,
        sign_name: str | None = None,
        templates: Mapping[str, str] | None = None,
    ):
        self.url = url if url is not None else settings.NOTIFICATIONS_SMS_URL
        self.key = key if key is not None else settings.NOTIFICATIONS_SMS_KEY
        self.sign_name = sign_name if sign_name is not None else settings.NOTIFICATIONS_SMS_SIGN_NAME
        self.templates = dict(templates if templates is not None else settings.NOTIFICATIONS_SMS_TEMPLATES)

    def template_id(self, template: str, language: str) -> str:
        template_id = self.templates.get(f"{template}.{language}") or self.templates.get(template)
        if not template_id:
            raise PermanentDeliveryError(f"no SMS template is configured for {template!r}")
        return template_id

    def send(self, *, phone: str, template: str, params: Mapping[str, str], text: str, language: str) -> None:
        if not self.url.startswith(("https://", "http://")):
            raise PermanentDeliveryError("NOTIFICATIONS_SMS_URL is not set")
        payload = {
            "phone": phone,
            "sign_name": self.sign_name,
            "template_id": self.template_id(template, language),
            "params": {name: str(value) for name, value in params.items()},
        }
        headers = {"Content-Type": "application/json"}
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        request = urllib.request.Request(  # noqa: S310  (the URL is the operator's setting)
            self.url, data=json.dumps(payload, ensure_ascii=False).encode(), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status, body = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        except OSError as error:  # URLError and timeouts: the provider may answer next time
            raise DeliveryError(f"{type(error).__name__}: {error}") from error
        answer = _json(body)
        if status == 429 or status >= 500:
            raise DeliveryError(f"SMS provider answered {status}")
        if not 200 <= status < 300:
            raise PermanentDeliveryError(
                f"SMS provider refused it: {status} {answer.get('message', '')}".strip()
            )
        code = str(answer.get("code", "OK"))
        if code != "OK":
            raise PermanentDeliveryError(
                f"SMS provider refused it: {code} {answer.get('message', '')}".strip()
            )


def _json(body: bytes) -> dict:
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def sms_backend() -> SmsBackend:
    """The configured backend (``NOTIFICATIONS_SMS_BACKEND``)."""
    return import_string(settings.NOTIFICATIONS_SMS_BACKEND)()
