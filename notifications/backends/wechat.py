"""WeChat official-account template messages (模板消息): the access token is fetched with the app
id and secret and cached until shortly before it expires; a token WeChat says is invalid or expired
is dropped and fetched again once. ``WECHAT_API_BASE`` is the API's address (a local server in
tests)."""

from __future__ import annotations

from collections.abc import Mapping

import requests
from django.conf import settings
from django.core.cache import cache

from notifications.errors import DeliveryError, PermanentDeliveryError

TOKEN_CACHE_KEY = "notifications:wechat:access_token"
TOKEN_MARGIN_SECONDS = 300  # refreshed five minutes before WeChat says it expires
TIMEOUT = 10
# errcodes that mean "this access token is no good": fetch a new one and try again.
TOKEN_ERRORS = {40001, 40014, 42001}
# errcodes that retrying cannot help: the user unfollowed, a wrong openid or template.
FINAL_ERRORS = {40003, 40036, 40037, 43004, 43101}


def _api(path: str) -> str:
    return settings.WECHAT_API_BASE.rstrip("/") + path


def _call(method: str, path: str, **kwargs) -> dict:
    try:
        response = requests.request(method, _api(path), timeout=TIMEOUT, **kwargs)
    except requests.RequestException as error:
        raise DeliveryError(f"WeChat API unreachable: {type(error).__name__}") from error
    if response.status_code >= 500 or response.status_code == 429:
        raise DeliveryError(f"WeChat API answered {response.status_code}")
    try:
        answer = response.json()
    except ValueError as error:
        raise DeliveryError(f"WeChat API answered {response.status_code} without JSON") from error
    return answer if isinstance(answer, dict) else {}


def access_token(*, refresh: bool = False) -> str:
    """The cached access token, fetched when there is none (or ``refresh``)."""
    if not refresh and (token := cache.get(TOKEN_CACHE_KEY)):
        return token
    if not (settings.WECHAT_APP_ID and settings.WECHAT_APP_SECRET):
        raise PermanentDeliveryError("WECHAT_APP_ID and WECHAT_APP_SECRET are not set")
    answer = _call(
        "GET",
        "/cgi-bin/token",
        params={
            "grant_type": "client_credential",
            "appid": settings.WECHAT_APP_ID,
            "secret": settings.WECHAT_APP_SECRET,
        },
    )
    token = answer.get("access_token")
    if not token:
        raise DeliveryError(
            f"WeChat token refused: {answer.get('errcode')} {answer.get('errmsg', '')}".strip()
        )
    ttl = max(int(answer.get("expires_in", 7200)) - TOKEN_MARGIN_SECONDS, 60)
    cache.set(TOKEN_CACHE_KEY, token, ttl)
    return token


def template_send(*, openid: str, template_id: str, data: Mapping[str, str], url: str = "") -> None:
    """Send one template message; the values of ``data`` fill the template's fields."""
    body = {
        "touser": openid,
        "template_id": template_id,
        "data": {name: {"value": value} for name, value in data.items()},
    }
    if url:
        body["url"] = url
    for attempt in range(2):
        token = access_token(refresh=attempt > 0)
        answer = _call("POST", "/cgi-bin/message/template/send", params={"access_token": token}, json=body)
        code = int(answer.get("errcode", 0))
        if code == 0:
            return
        if code in TOKEN_ERRORS and attempt == 0:
            cache.delete(TOKEN_CACHE_KEY)
            continue
        message = f"WeChat refused it: {code} {answer.get('errmsg', '')}".strip()
        if code in FINAL_ERRORS:
            raise PermanentDeliveryError(message)
        raise DeliveryError(message)


def oauth_openid(*, code: str) -> str:
    """The openid of the user who came back from WeChat's OAuth page with ``code`` (snsapi_base)."""
    answer = _call(
        "GET",
        "/sns/oauth2/access_token",
        params={
            "appid": settings.WECHAT_APP_ID,
            "secret": settings.WECHAT_APP_SECRET,
            "code": code,
            "grant_type": "authorization_code",
        },
    )
    openid = answer.get("openid")
    if not openid:
        raise PermanentDeliveryError(f"WeChat refused the code: {answer.get('errcode')}")
    return str(openid)
