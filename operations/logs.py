"""Logging: a request id on every line, and no full phone number or pickup code in any line.

``RequestIdMiddleware`` takes the proxy's ``X-Request-ID`` (when it looks like one) or makes one,
answers it in the response and keeps it in a context variable for the request; Celery tasks use
their task id. ``RequestIdFilter`` puts it on every record, ``MaskingFilter`` rewrites the message
(and a traceback) so that phone numbers keep only their first three and last four digits and a
pickup code is starred. Both are attached to the handlers in ``LOGGING``, so every logger's lines
pass through them.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

from django.http import HttpRequest, HttpResponse

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
HEADER = "X-Request-ID"
_META_KEY = "HTTP_X_REQUEST_ID"  # where WSGI puts it


def current_request_id() -> str:
    return _request_id.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.META.get(_META_KEY, "")  # request.headers would convert every name
        request_id = given if _VALID_ID.match(given) else uuid.uuid4().hex
        request.request_id = request_id
        # Not reset on the way out: Django logs a 4xx/5xx answer after the middleware returned.
        # ``request_finished`` clears it once the response is closed.
        _request_id.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        return True


# Mainland mobiles (optionally +86 / 86), Hong Kong numbers written with +852, landlines with an
# area code: the first three and last four digits stay, the rest become stars.
_PHONES = re.compile(
    r"(?<![\d])(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?![\d])"
    r"|\+852[ -]?[2-9]\d{3}[ -]?\d{4}(?![\d])"
    r"|(?<![\d])0\d{2,3}-\d{7,8}(?![\d])"
)
_PICKUP_CODE = re.compile(r"""(pickup[_ ]?code["']?\s*[:=]\s*["']?)\d{4,8}""", re.IGNORECASE)


def _mask_phone(match: re.Match) -> str:
    text = match.group(0)
    digits = re.sub(r"\D", "", text)
    prefix = ""
    if text.startswith("+852"):
        prefix, digits = "+852 ", digits[3:]
    elif len(digits) == 13 and digits.startswith("86"):
        prefix, digits = "+86 ", digits[2:]
    return prefix + digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask(text: str) -> str:
    text = _PICKUP_CODE.sub(lambda m: m.group(1) + "******", text)
    return _PHONES.sub(_mask_phone, text)


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001  (a broken format string: leave it to the handler)
            return True
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        return True


def _task_started(task_id=None, **kwargs) -> None:
    _request_id.set(task_id or "-")


def _task_finished(**kwargs) -> None:
    _request_id.set("-")


def _request_finished(**kwargs) -> None:
    _request_id.set("-")


def connect_task_signals() -> None:
    from celery.signals import task_postrun, task_prerun
    from django.core.signals import request_finished

    request_finished.connect(_request_finished, dispatch_uid="operations.request_id.finished")
    task_prerun.connect(_task_started, weak=False, dispatch_uid="operations.request_id.start")
    task_postrun.connect(_task_finished, weak=False, dispatch_uid="operations.request_id.end")


def sentry_before_send(event: dict, hint: dict) -> dict:
    """Mask phones and pickup codes in what goes to Sentry: messages and exception values."""
    for exception in (event.get("exception") or {}).get("values", []):
        if isinstance(exception.get("value"), str):
            exception["value"] = mask(exception["value"])
    logentry = event.get("logentry") or {}
    for key in ("message", "formatted"):
        if isinstance(logentry.get(key), str):
            logentry[key] = mask(logentry[key])
    return event
