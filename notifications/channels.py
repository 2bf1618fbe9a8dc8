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

import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation

from notifications.backends import wechat
from notifications.backends.sms import SmsBackend, is_sms_mobile, sms_backend
from notifications.backends.webpush import SubscriptionGone, push_send
from notifications.errors import DeliveryError, PermanentDeliveryError
from notifications.language import user_language
from notifications.models import ChannelCode, PushSubscription, WechatBinding
from notifications.texts import sms_variables

if TYPE_CHECKING:
    from notifications.models import Notification

logger = logging.getLogger(__name__)


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


class SmsChannel(Channel):
    """The SMS provider (``NOTIFICATIONS_SMS_BACKEND``): the kind's template with its variables, in
    the user's language, to their mainland or Hong Kong mobile."""

    code = ChannelCode.SMS

    def backend(self) -> SmsBackend:
        return sms_backend()

    def send(self, notification: Notification) -> None:
        phone = notification.user.phone
        if not is_sms_mobile(phone):
            raise PermanentDeliveryError("the user has no mainland or Hong Kong mobile number")
        language = user_language(notification.user)
        with translation.override(language):
            variables = sms_variables(
                kind=notification.kind, order=notification.order, context=notification.data
            )
        self.backend().send(
            phone=phone,
            template=notification.kind,
            params=variables,
            text=f"{notification.title}\n{notification.body}",
            language=language,
        )


def _link(notification: Notification) -> str:
    """Where the notice leads on the site: its order's page, else the inbox."""
    base = getattr(settings, "PLATFORM_URL", "").rstrip("/")
    if notification.order_id and notification.order is not None:
        return f"{base}/orders/{notification.order.number}/"
    return f"{base}/notifications/"


class PushChannel(Channel):
    """Web Push to every browser the user subscribed on the account page; delivered when one of
    them took it. A subscription the push service says is gone is forgotten."""

    code = ChannelCode.PUSH

    def send(self, notification: Notification) -> None:
        subscriptions = list(PushSubscription.objects.filter(user_id=notification.user_id))
        if not subscriptions:
            raise PermanentDeliveryError("the user has no push subscription")
        payload = {
            "title": notification.title,
            "body": notification.body,
            "url": _link(notification),
            "tag": f"notification-{notification.pk}",
        }
        delivered, retry = 0, None
        for subscription in subscriptions:
            try:
                push_send(
                    endpoint=subscription.endpoint,
                    p256dh=subscription.p256dh,
                    auth=subscription.auth,
                    payload=payload,
                )
            except SubscriptionGone:
                subscription.delete()
            except PermanentDeliveryError:
                continue
            except DeliveryError as error:
                retry = retry or error
            else:
                delivered += 1
        if delivered:
            return
        if retry is not None:
            raise retry
        raise PermanentDeliveryError("no push subscription took it")


class WechatChannel(Channel):
    """A template message from the official account to the openid bound on the account page: the
    title (``first``), the kind's variables (the same as the SMS's), the body (``remark``)."""

    code = ChannelCode.WECHAT

    def send(self, notification: Notification) -> None:
        binding = WechatBinding.objects.filter(user_id=notification.user_id).first()
        if binding is None:
            raise PermanentDeliveryError("the user has not bound WeChat")
        templates = settings.WECHAT_TEMPLATES
        template_id = templates.get(notification.kind) or templates.get("default")
        if not template_id:
            raise PermanentDeliveryError(f"no WeChat template is configured for {notification.kind!r}")
        with translation.override(user_language(notification.user)):
            variables = sms_variables(
                kind=notification.kind, order=notification.order, context=notification.data
            )
        wechat.template_send(
            openid=binding.openid,
            template_id=template_id,
            data={"first": notification.title, **variables, "remark": notification.body},
            url=_link(notification),
        )


CHANNELS: dict[str, Channel] = {
    ChannelCode.IN_APP: InAppChannel(),
    ChannelCode.EMAIL: EmailChannel(),
    ChannelCode.SMS: SmsChannel(),
    ChannelCode.PUSH: PushChannel(),
    ChannelCode.WECHAT: WechatChannel(),
}


def get_channel(code: str) -> Channel:
    return CHANNELS[code]
