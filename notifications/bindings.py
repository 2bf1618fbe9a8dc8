"""Where the push and WeChat channels reach a user: the browsers they subscribed and the openid
they bound, both from the account page (services; the views only call these)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from notifications.backends import wechat
from notifications.errors import DeliveryError
from notifications.models import PushSubscription, WechatBinding


def push_subscription_save(*, user, data: Mapping[str, Any], user_agent: str = "") -> PushSubscription:
    """Store the browser's subscription (``PushSubscription.toJSON()``): an https endpoint and its
    two keys. The same endpoint moves to whoever subscribed it last."""
    endpoint = data.get("endpoint") if isinstance(data, Mapping) else None
    keys = data.get("keys") if isinstance(data, Mapping) else None
    if (
        not isinstance(endpoint, str)
        or urlsplit(endpoint).scheme not in ("https", "http")
        or len(endpoint) > 1000
    ):
        raise ValidationError(
            {"endpoint": _("This browser's push subscription is not valid.")}, code="invalid"
        )
    if not isinstance(keys, Mapping) or not all(
        isinstance(keys.get(name), str) and 0 < len(keys[name]) <= limit
        for name, limit in (("p256dh", 200), ("auth", 100))
    ):
        raise ValidationError({"keys": _("This browser's push subscription is not valid.")}, code="invalid")
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={
            "user": user,
            "p256dh": keys["p256dh"],
            "auth": keys["auth"],
            "user_agent": user_agent[:300],
        },
    )
    return subscription


def push_subscription_delete(*, user, endpoint: str) -> int:
    """Forget one of the user's browsers (another user's endpoint is left alone)."""
    return PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()[0]


@transaction.atomic
def wechat_bind(*, user, code: str) -> WechatBinding:
    """Bind the openid WeChat's OAuth page returned ``code`` for; an openid bound to another
    account moves to this one (the WeChat user proved it is theirs)."""
    try:
        openid = wechat.oauth_openid(code=code)
    except DeliveryError as error:
        raise ValidationError(
            _("WeChat could not confirm your account. Please try again."), code="wechat"
        ) from error
    WechatBinding.objects.filter(openid=openid).exclude(user=user).delete()
    binding, _created = WechatBinding.objects.update_or_create(user=user, defaults={"openid": openid})
    return binding


def wechat_unbind(*, user) -> int:
    return WechatBinding.objects.filter(user=user).delete()[0]


def notice_addresses_export(*, user) -> dict:
    """The data export (DESIGN §6, one of ``ACCOUNT_DATA_EXPORTERS``): the browsers subscribed to
    push notices and the bound WeChat openid."""
    binding = WechatBinding.objects.filter(user=user).first()
    return {
        "push_subscriptions": [
            {"endpoint": s.endpoint, "browser": s.user_agent, "created_at": s.created_at.isoformat()}
            for s in PushSubscription.objects.filter(user=user)
        ],
        "wechat_openid": binding.openid if binding else None,
    }
