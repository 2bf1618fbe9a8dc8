"""The account page's push and WeChat bindings (DESIGN §9): subscribe / unsubscribe this browser
(JSON, from ``static/notifications/push.js``), bind WeChat through its OAuth page, unbind."""

from __future__ import annotations

import json
import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from notifications import bindings

STATE_SESSION_KEY = "wechat_oauth_state"


def _json_body(request) -> dict | None:
    try:
        data = json.loads(request.body or b"")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _bad(message: str, detail=None) -> JsonResponse:
    return JsonResponse({"error": "invalid", "detail": detail or {"non_field_errors": [message]}}, status=400)


@login_required
@require_POST
def push_subscribe(request):
    data = _json_body(request)
    if data is None:
        return _bad(_("Send the subscription as a JSON object."))
    try:
        bindings.push_subscription_save(
            user=request.user, data=data, user_agent=request.headers.get("User-Agent", "")
        )
    except ValidationError as error:
        return _bad("", detail=error.message_dict)
    return JsonResponse({"subscribed": True}, status=201)


@login_required
@require_POST
def push_unsubscribe(request):
    data = _json_body(request)
    if data is None or not isinstance(data.get("endpoint"), str):
        return _bad(_("Send the subscription as a JSON object."))
    bindings.push_subscription_delete(user=request.user, endpoint=data["endpoint"])
    return HttpResponse(status=204)


def _account_page() -> str:
    return reverse("accounts:profile")


@login_required
@require_POST
def wechat_bind(request):
    """Off to WeChat's OAuth page (snsapi_base: the openid only, no profile data)."""
    if not settings.WECHAT_APP_ID:
        messages.error(request, _("WeChat notices are not available."))
        return redirect(_account_page())
    state = secrets.token_urlsafe(16)
    request.session[STATE_SESSION_KEY] = state
    query = urlencode(
        {
            "appid": settings.WECHAT_APP_ID,
            "redirect_uri": request.build_absolute_uri(reverse("notifications:wechat_callback")),
            "response_type": "code",
            "scope": "snsapi_base",
            "state": state,
        }
    )
    return redirect(f"{settings.WECHAT_OAUTH_URL}?{query}#wechat_redirect")


@login_required
@require_GET
def wechat_callback(request):
    state = request.session.pop(STATE_SESSION_KEY, None)
    code = request.GET.get("code", "")
    if not state or not secrets.compare_digest(state, request.GET.get("state", "")) or not code:
        messages.error(request, _("WeChat could not confirm your account. Please try again."))
        return redirect(_account_page())
    try:
        bindings.wechat_bind(user=request.user, code=code)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("WeChat is bound: notices you choose to get by WeChat go there."))
    return redirect(_account_page())


@login_required
@require_POST
def wechat_unbind(request):
    bindings.wechat_unbind(user=request.user)
    messages.success(request, _("WeChat is unbound."))
    return redirect(_account_page())
