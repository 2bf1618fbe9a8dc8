"""Delivery channels behind one interface (DESIGN §9).

A channel's ``send(notification)`` returns when the notice left the platform and raises when it did
not: ``DeliveryError`` (worth retrying) or ``PermanentDeliveryError`` (retrying cannot help, e.g. the
user has no e-mail address). Recording attempts, errors and retries is the delivery engine's job
(``delivery.services``, reached through ``notifications.services.delivery_send``), not the
channel's.

A new channel is a subclass registered in :data:`CHANNELS` (and a ``ChannelCode``); which channels a
user gets is ``notifications.services.channels_for``.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from notifications.models import ChannelCode

if TYPE_CHECKING:
    from notifications.models import Notification

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    """The channel could not deliver now; a later attempt may succeed."""


class PermanentDeliveryError(DeliveryError):
    """The channel can never deliver this notice (no address, refused by the provider)."""


class Channel:
    code: str = ""

    def send(self, notification: Notification) -> None:
        raise NotImplementedError


class InAppChannel(Channel):
    """The inbox: the notification row is the delivery, so there is nothing left to send."""

    code = ChannelCode.IN_APP

    def send(self, notification: Notification) -> None:
        return None


def _with_link(notification: Notification) -> str:
    """The body, plus the order's address when the platform knows its own URL (``PLATFORM_URL``)."""
    base = getattr(settings, "PLATFORM_URL", "").rstrip("/")
    if base and notification.order_id and notification.order is not None:
        return f"{notification.body}\n\n{base}/orders/{notification.order.number}/"
    return notification.body


class EmailChannel(Channel):
    """Django's e-mail backend (``EMAIL_BACKEND``): console by default, SMTP in production."""

    code = ChannelCode.EMAIL

    def send(self, notification: Notification) -> None:
        address = notification.user.email
        if not address:
            raise PermanentDeliveryError("the user has no e-mail address")
        try:
            send_mail(
                subject=notification.title,
                message=_with_link(notification),
                from_email=None,  # DEFAULT_FROM_EMAIL
                recipient_list=[address],
                fail_silently=False,
            )
        except Exception as error:  # SMTP, socket and backend errors alike
            raise DeliveryError(f"{type(error).__name__}: {error}") from error


class SmsBackend:
    def send(self, *, phone: str, text: str) -> None:
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """The default: writes the message to the log, like Django's console e-mail backend."""

    def send(self, *, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)


class HttpSmsBackend(SmsBackend):
    """A provider reached by a JSON POST: ``NOTIFICATIONS_SMS_URL`` (and optional bearer
    ``NOTIFICATIONS_SMS_TOKEN``). Not used unless ``NOTIFICATIONS_SMS_BACKEND`` names it."""

    timeout = 10

    def __init__(self, url: str | None = None, token: str | None = None):
        self.url = url or getattr(settings, "NOTIFICATIONS_SMS_URL", "")
        self.token = token if token is not None else getattr(settings, "NOTIFICATIONS_SMS_TOKEN", "")

    def send(self, *, phone: str, text: str) -> None:
        if not self.url.startswith(("https://", "http://")):
            raise PermanentDeliveryError("NOTIFICATIONS_SMS_URL is not set")
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = json.dumps({"to": phone, "text": text}).encode()
        request = urllib.request.Request(self.url, data=data, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status = response.status
        except OSError as error:  # URLError, HTTPError and timeouts are all OSErrors
            raise DeliveryError(f"{type(error).__name__}: {error}") from error
        if not 200 <= status < 300:
            raise DeliveryError(f"SMS provider answered {status}")


class SmsChannel(Channel):
    code = ChannelCode.SMS

    def backend(self) -> SmsBackend:
        path = getattr(settings, "NOTIFICATIONS_SMS_BACKEND", "notifications.channels.ConsoleSmsBackend")
        return import_string(path)()

    def send(self, notification: Notification) -> None:
        phone = notification.user.phone
        if not phone:
            raise PermanentDeliveryError("the user has no mobile number")
        self.backend().send(phone=phone, text=f"{notification.title}\n{notification.body}")


CHANNELS: dict[str, Channel] = {
    ChannelCode.IN_APP: InAppChannel(),
    ChannelCode.EMAIL: EmailChannel(),
    ChannelCode.SMS: SmsChannel(),
}


def get_channel(code: str) -> Channel:
    return CHANNELS[code]
