"""Web Push and WeChat template messages (DESIGN §9), each against a real local server playing the
push service or the WeChat API: what is sent, tokens, retries, bindings on the account page."""

import base64
import json
import os
from datetime import timedelta

import http_ece
import pytest
import time_machine
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from py_vapid import Vapid02

from delivery.tasks import messages_sweep
from notifications.backends import wechat
from notifications.models import ChannelCode, Delivery, DeliveryStatus, Kind, PushSubscription, WechatBinding
from notifications.services import notify
from notifications.tests.servers import Answer, LocalServer
from orders.tests.factories import OrderFactory
from tests.factories import UserFactory


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Browser:
    """What a browser's PushManager holds: its own key pair and auth secret."""

    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.keys = {"p256dh": b64(public), "auth": b64(self.auth)}

    def read(self, body: bytes) -> dict:
        return json.loads(
            http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth, version="aes128gcm")
        )


@pytest.fixture
def push_service(db, settings):
    vapid = Vapid02()
    vapid.generate_keys()
    settings.NOTIFICATIONS_CHANNELS = ["email", "sms", "push"]
    settings.WEBPUSH_VAPID_PRIVATE_KEY = b64(
        vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    )
    settings.WEBPUSH_VAPID_PUBLIC_KEY = b64(
        vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )
    settings.WEBPUSH_VAPID_SUBJECT = "mailto:ops@example.com"
    settings.PLATFORM_URL = "https://courier.example.com"
    with LocalServer() as server:
        server.answers = []
        server.answer = lambda request: server.answers.pop(0) if server.answers else Answer(201)
        yield server


@pytest.fixture
def push_user(db):
    return UserFactory(language="en", notification_channels={"push": True, "email": False})


def _subscribe(user, server, browser, name="a") -> PushSubscription:
    return PushSubscription.objects.create(user=user, endpoint=f"{server.url}/push/{name}", **browser.keys)


def _delivery(channel) -> Delivery:
    return Delivery.objects.get(channel=channel)


def test_a_notice_is_pushed_encrypted_and_signed_to_each_browser(
    push_service, push_user, django_capture_on_commit_callbacks
):
    phone, laptop = Browser(), Browser()
    _subscribe(push_user, push_service, phone, "phone")
    _subscribe(push_user, push_service, laptop, "laptop")
    order = OrderFactory(user=push_user, waybill_no="SF1234567890")

    with django_capture_on_commit_callbacks(execute=True):
        notice = notify(user=push_user, kind=Kind.PICKED_UP, order=order)

    assert sorted(r.path for r in push_service.received) == ["/push/laptop", "/push/phone"]
    for request, browser in (
        (r, phone if r.path.endswith("phone") else laptop) for r in push_service.received
    ):
        assert request.method == "POST"
        assert request.headers["content-encoding"] == "aes128gcm"
        assert request.headers["ttl"] == "86400"
        assert request.headers["authorization"].startswith("vapid t=")
        assert browser.read(request.body) == {
            "title": f"Order {order.number} picked up",
            "body": notice.body,
            "url": f"https://courier.example.com/orders/{order.number}/",
            "tag": f"notification-{notice.pk}",
        }
    assert (_delivery(ChannelCode.PUSH).status, _delivery(ChannelCode.PUSH).attempts) == (
        DeliveryStatus.SENT,
        1,
    )


def test_a_gone_subscription_is_forgotten_and_a_busy_service_retried(
    push_service, push_user, django_capture_on_commit_callbacks
):
    _subscribe(push_user, push_service, Browser(), "old")
    push_service.answers = [Answer(410)]
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=push_user, kind=Kind.SIGNED, order=OrderFactory(user=push_user))
    assert PushSubscription.objects.count() == 0
    assert (_delivery(ChannelCode.PUSH).status, _delivery(ChannelCode.PUSH).last_error) == (
        DeliveryStatus.FAILED,
        "no push subscription took it",
    )

    Delivery.objects.all().delete()
    _subscribe(push_user, push_service, Browser(), "new")
    push_service.answers = [Answer(503)]
    with time_machine.travel(timezone.now(), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            notify(user=push_user, kind=Kind.REJECTED, order=OrderFactory(user=push_user))
        assert _delivery(ChannelCode.PUSH).status == DeliveryStatus.PENDING
        clock.shift(timedelta(seconds=30))
        with django_capture_on_commit_callbacks(execute=True):
            assert messages_sweep() == 1
    assert (_delivery(ChannelCode.PUSH).status, _delivery(ChannelCode.PUSH).attempts) == (
        DeliveryStatus.SENT,
        2,
    )


def test_push_only_when_chosen_subscribed_and_active(push_service, push_user, settings):
    not_chosen = UserFactory(notification_channels={"push": False})
    for user in (push_user, not_chosen):
        _subscribe(user, push_service, Browser(), str(user.pk))
    unsubscribed = UserFactory(notification_channels={"push": True})

    def channels(user):
        notice = notify(user=user, kind=Kind.SIGNED, order=OrderFactory(user=user))
        return sorted(Delivery.objects.of(notice).values_list("channel", flat=True))

    assert channels(push_user) == ["in_app", "push"]
    assert channels(not_chosen) == ["in_app"]
    assert channels(unsubscribed) == ["in_app"]
    settings.NOTIFICATIONS_CHANNELS = ["email", "sms"]
    assert channels(push_user) == ["in_app"]


def test_the_account_page_subscribes_and_unsubscribes_this_browser(push_service, push_user, settings):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(push_user)
    page = browser.get("/accounts/profile/")
    html = page.content.decode()
    assert f'data-vapid-key="{settings.WEBPUSH_VAPID_PUBLIC_KEY}"' in html
    assert 'data-worker-url="/static/notifications/push-sw.js"' in html
    csrf = page.cookies["csrftoken"].value
    subscription = {"endpoint": f"{push_service.url}/push/x", "keys": Browser().keys}

    def post(url, body):
        return browser.post(
            url, json.dumps(body), content_type="application/json", headers={"X-CSRFToken": csrf}
        )

    assert post("/notifications/push/subscribe/", subscription).status_code == 201
    assert post("/notifications/push/subscribe/", subscription).status_code == 201  # the same browser again
    assert list(PushSubscription.objects.values_list("user_id", "endpoint")) == [
        (push_user.pk, subscription["endpoint"])
    ]
    bad = post("/notifications/push/subscribe/", {"endpoint": "javascript:alert(1)", "keys": {}})
    assert bad.status_code == 400
    assert bad.json()["detail"]["endpoint"] == ["此浏览器的推送订阅无效。"]
    assert PushSubscription.objects.count() == 1
    assert (
        browser.post("/notifications/push/subscribe/", "{}", content_type="application/json").status_code
        == 403
    )

    assert post("/notifications/push/unsubscribe/", {"endpoint": subscription["endpoint"]}).status_code == 204
    assert PushSubscription.objects.count() == 0


# --- WeChat -------------------------------------------------------------------------------------


@pytest.fixture
def wechat_api(db, settings):
    cache.delete(wechat.TOKEN_CACHE_KEY)
    settings.NOTIFICATIONS_CHANNELS = ["email", "sms", "wechat"]
    settings.WECHAT_APP_ID = "wx-app"
    settings.WECHAT_APP_SECRET = "wx-secret"
    settings.WECHAT_TEMPLATES = {"accepted": "tmpl-accepted", "default": "tmpl-any"}
    settings.PLATFORM_URL = "https://courier.example.com"
    with LocalServer() as server:
        settings.WECHAT_API_BASE = server.url
        settings.WECHAT_OAUTH_URL = f"{server.url}/connect/oauth2/authorize"
        api = {"tokens": 0, "valid": set()}

        def answer(request):
            if request.path == "/cgi-bin/token":
                assert request.query == {
                    "grant_type": ["client_credential"],
                    "appid": ["wx-app"],
                    "secret": ["wx-secret"],
                }
                api["tokens"] += 1
                token = f"token-{api['tokens']}"
                api["valid"] = {token}
                return Answer(200, {"access_token": token, "expires_in": 7200})
            if request.path == "/cgi-bin/message/template/send":
                if request.query["access_token"][0] not in api["valid"]:
                    return Answer(200, {"errcode": 42001, "errmsg": "access_token expired"})
                return (
                    server.answers.pop(0) if server.answers else Answer(200, {"errcode": 0, "errmsg": "ok"})
                )
            if request.path == "/sns/oauth2/access_token":
                if request.query.get("code") == ["good-code"]:
                    return Answer(200, {"access_token": "x", "openid": "o-wang-123", "scope": "snsapi_base"})
                return Answer(200, {"errcode": 40029, "errmsg": "invalid code"})
            return Answer(404)

        server.answer = answer
        server.api = api
        yield server


@pytest.fixture
def wechat_user(db):
    user = UserFactory(language="zh-hant", notification_channels={"wechat": True, "email": False})
    WechatBinding.objects.create(user=user, openid="o-wang-123")
    return user


def _sends(server):
    return [r for r in server.received if r.path == "/cgi-bin/message/template/send"]


def test_a_template_message_with_the_orders_details_and_a_cached_token(
    wechat_api, wechat_user, django_capture_on_commit_callbacks
):
    order = OrderFactory(
        user=wechat_user, courier_name="王師傅", courier_phone="13712345678", courier_employee_id="E-88"
    )
    with django_capture_on_commit_callbacks(execute=True):
        notice = notify(user=wechat_user, kind=Kind.ACCEPTED, order=order)
        notify(user=wechat_user, kind=Kind.SIGNED, order=order)

    [first, second] = _sends(wechat_api)
    assert first.query["access_token"] == ["token-1"]
    assert first.json() == {
        "touser": "o-wang-123",
        "template_id": "tmpl-accepted",
        "url": f"https://courier.example.com/orders/{order.number}/",
        "data": {
            "first": {"value": notice.title},
            "number": {"value": order.number},
            "courier": {"value": "王師傅"},
            "phone": {"value": "137 1234 5678"},
            "remark": {"value": notice.body},
        },
    }
    assert notice.title == f"快遞員已接單：訂單 {order.number}"  # the recipient's language
    assert second.json()["template_id"] == "tmpl-any"
    assert wechat_api.api["tokens"] == 1  # fetched once, then cached
    assert list(Delivery.objects.filter(channel="wechat").values_list("status", flat=True)) == [
        "sent",
        "sent",
    ]


def test_an_expired_token_is_fetched_again_and_the_message_sent_once(
    wechat_api, wechat_user, django_capture_on_commit_callbacks
):
    cache.set(wechat.TOKEN_CACHE_KEY, "token-stale", 3600)  # WeChat expired it before our cache did

    with django_capture_on_commit_callbacks(execute=True):
        notify(user=wechat_user, kind=Kind.SIGNED, order=OrderFactory(user=wechat_user))

    assert [r.query["access_token"] for r in _sends(wechat_api)] == [["token-stale"], ["token-1"]]
    assert cache.get(wechat.TOKEN_CACHE_KEY) == "token-1"
    delivery = Delivery.objects.get(channel="wechat")
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)


def test_a_busy_wechat_is_retried_an_unfollowed_user_is_final(
    wechat_api, wechat_user, django_capture_on_commit_callbacks
):
    wechat_api.answers = [Answer(200, {"errcode": -1, "errmsg": "system busy"})]
    with time_machine.travel(timezone.now(), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            notify(user=wechat_user, kind=Kind.SIGNED, order=OrderFactory(user=wechat_user))
        assert Delivery.objects.get(channel="wechat").last_error == "WeChat refused it: -1 system busy"
        clock.shift(timedelta(seconds=30))
        with django_capture_on_commit_callbacks(execute=True):
            messages_sweep()
    assert Delivery.objects.get(channel="wechat").status == DeliveryStatus.SENT

    Delivery.objects.all().delete()
    wechat_api.answers = [Answer(200, {"errcode": 43004, "errmsg": "require subscribe"})]
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=wechat_user, kind=Kind.REJECTED, order=OrderFactory(user=wechat_user))
    delivery = Delivery.objects.get(channel="wechat")
    assert (delivery.status, delivery.last_error) == (
        DeliveryStatus.FAILED,
        "WeChat refused it: 43004 require subscribe",
    )


def test_binding_and_unbinding_wechat_on_the_account_page(wechat_api, customer, other_customer):
    WechatBinding.objects.create(user=other_customer, openid="o-wang-123")  # the same WeChat, elsewhere
    browser = Client()
    browser.force_login(customer)
    assert 'action="/notifications/wechat/bind/"' in browser.get("/accounts/profile/").content.decode()

    start = browser.post("/notifications/wechat/bind/")
    assert start.status_code == 302
    assert start["Location"].startswith(f"{wechat_api.url}/connect/oauth2/authorize?appid=wx-app&")
    state = browser.session["wechat_oauth_state"]
    assert f"&scope=snsapi_base&state={state}#wechat_redirect" in start["Location"]

    forged = browser.get("/notifications/wechat/callback/", {"code": "good-code", "state": "forged"})
    assert forged.status_code == 302
    assert not WechatBinding.objects.filter(user=customer).exists()

    browser.post("/notifications/wechat/bind/")
    state = browser.session["wechat_oauth_state"]
    bad = browser.get("/notifications/wechat/callback/", {"code": "bad-code", "state": state})
    assert bad["Location"] == "/accounts/profile/"
    assert not WechatBinding.objects.filter(user=customer).exists()

    browser.post("/notifications/wechat/bind/")
    state = browser.session["wechat_oauth_state"]
    done = browser.get("/notifications/wechat/callback/", {"code": "good-code", "state": state}, follow=True)
    assert list(WechatBinding.objects.values_list("user_id", "openid")) == [(customer.pk, "o-wang-123")]
    assert "微信已绑定" in done.content.decode()

    assert 'action="/notifications/wechat/unbind/"' in done.content.decode()

    assert browser.post("/notifications/wechat/unbind/").status_code == 302
    assert WechatBinding.objects.count() == 0


def test_the_export_holds_and_account_deletion_erases_push_and_wechat(push_service, push_user):
    from accounts.services.privacy import account_delete
    from notifications.bindings import notice_addresses_export
    from tests.factories import PASSWORD

    subscription = _subscribe(push_user, push_service, Browser(), "phone")
    WechatBinding.objects.create(user=push_user, openid="o-1")

    assert notice_addresses_export(user=push_user) == {
        "push_subscriptions": [
            {
                "endpoint": subscription.endpoint,
                "browser": "",
                "created_at": subscription.created_at.isoformat(),
            }
        ],
        "wechat_openid": "o-1",
    }
    account_delete(user=push_user, password=PASSWORD)
    assert (PushSubscription.objects.count(), WechatBinding.objects.count()) == (0, 0)
