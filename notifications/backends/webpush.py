"""Web Push (RFC 8030/8291/8292) through ``pywebpush``: the message is encrypted for the browser's
keys and signed with the platform's VAPID key (``WEBPUSH_VAPID_*`` settings)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from django.conf import settings
from pywebpush import WebPushException, webpush

from notifications.errors import DeliveryError, PermanentDeliveryError

TTL = 24 * 3600  # a push service keeps an undelivered message a day


class SubscriptionGone(PermanentDeliveryError):
    """The push service says the subscription no longer exists (404/410): forget it."""


def push_send(*, endpoint: str, p256dh: str, auth: str, payload: Mapping[str, str]) -> None:
    """Send one encrypted message to one subscription."""
    if not settings.WEBPUSH_VAPID_PRIVATE_KEY:
        raise PermanentDeliveryError("WEBPUSH_VAPID_PRIVATE_KEY is not set")
    try:
        webpush(
            subscription_info={"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}},
            data=json.dumps(payload, ensure_ascii=False),
            vapid_private_key=settings.WEBPUSH_VAPID_PRIVATE_KEY,
            vapid_claims={"sub": settings.WEBPUSH_VAPID_SUBJECT},
            ttl=TTL,
            timeout=10,
        )
    except WebPushException as error:
        status = getattr(error.response, "status_code", None)
        if status in (404, 410):
            raise SubscriptionGone(f"push subscription gone ({status})") from error
        if status is None or status == 429 or status >= 500:
            raise DeliveryError(f"push service: {error.message}") from error
        raise PermanentDeliveryError(f"push service refused it: {status}") from error
    except OSError as error:  # requests' connection errors are OSErrors too
        raise DeliveryError(f"{type(error).__name__}: {error}") from error
