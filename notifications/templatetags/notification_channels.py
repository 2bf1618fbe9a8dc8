"""``{% channel_bindings %}``: the account page's push and WeChat section (two small queries)."""

from django import template
from django.conf import settings

from notifications.models import PushSubscription, WechatBinding
from notifications.services import channels_active

register = template.Library()


@register.inclusion_tag("notifications/_channel_bindings.html", takes_context=True)
def channel_bindings(context) -> dict:
    request = context["request"]
    active = channels_active()
    push = "push" in active and bool(settings.WEBPUSH_VAPID_PUBLIC_KEY)
    wechat = "wechat" in active and bool(settings.WECHAT_APP_ID)
    return {
        "request": request,
        "push_available": push,
        "vapid_public_key": settings.WEBPUSH_VAPID_PUBLIC_KEY,
        "push_count": PushSubscription.objects.filter(user=request.user).count() if push else 0,
        "wechat_available": wechat,
        "wechat_bound": wechat and WechatBinding.objects.filter(user=request.user).exists(),
    }
