"""A new phone number or e-mail address takes effect once the code sent to it is entered, and the
channels notices use are the user's choice (DESIGN §7.3 ``/me``)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ContactChange, User
from accounts.services import profile_update
from notifications.models import Delivery, Kind, Notification
from notifications.services import notify, notify_many
from tests.factories import PASSWORD, UserFactory

NEW_PHONE = "+8613700137001"


class RecordingSmsBackend:
    sent: list = []

    def send(self, *, phone: str, text: str, **_template) -> None:
        self.sent.append((phone, text))


@pytest.fixture
def sms(settings):
    sent: list[tuple[str, str]] = []
    settings.NOTIFICATIONS_SMS_BACKEND = "accounts.tests.test_contacts.RecordingSmsBackend"
    RecordingSmsBackend.sent = sent
    return sent


@pytest.fixture(autouse=True)
def _codes_sent_at_commit(monkeypatch, django_capture_on_commit_callbacks):
    """Tests run inside a transaction: send what a request queued at its commit, as production does."""
    from django.test import Client as DjangoClient

    original = DjangoClient.request

    def request(self, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return original(self, **kwargs)

    monkeypatch.setattr(DjangoClient, "request", request)


@pytest.fixture
def api(customer):
    client = APIClient()
    client.force_authenticate(customer)
    return client


def _code_in(text: str) -> str:
    return re.search(r"\b(\d{6})\b", text).group(1)


def _confirm(api, field, code):
    return api.post("/api/v1/me/contact/confirm/", {"field": field, "code": code}, format="json")


def _login(username, password=PASSWORD) -> int:
    return (
        APIClient()
        .post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")
        .status_code
    )


# --- phone and e-mail -------------------------------------------------------------------------


def test_a_new_phone_waits_for_the_code_sent_to_it(api, customer, sms):
    response = api.patch("/api/v1/me/", {"phone": "137 0013 7001"}, format="json")

    assert response.status_code == 200
    assert (response.json()["phone"], response.json()["pending"]) == (
        "+8613800138000",
        {"phone": NEW_PHONE, "email": None},
    )
    customer.refresh_from_db()
    assert (customer.username, customer.phone) == ("+8613800138000", "+8613800138000")
    assert [phone for phone, _text in sms] == [NEW_PHONE]  # to the NEW number, not the old one
    assert _login("13800138000") == 200

    confirmed = _confirm(api, "phone", _code_in(sms[0][1]))

    assert confirmed.status_code == 200
    assert (confirmed.json()["phone"], confirmed.json()["pending"]) == (
        NEW_PHONE,
        {"phone": None, "email": None},
    )
    customer.refresh_from_db()
    assert (customer.username, customer.phone) == (NEW_PHONE, NEW_PHONE)
    assert _login("13700137001") == 200
    assert _login("13800138000") == 400
    # A code works once.
    assert _confirm(api, "phone", _code_in(sms[0][1])).status_code == 400


def test_a_new_email_is_confirmed_by_the_code_mailed_to_it(api, customer, sms):
    response = api.patch("/api/v1/me/", {"email": "Zhang@Example.com"}, format="json")

    assert response.status_code == 200
    assert response.json()["email"] is None
    assert response.json()["pending"] == {"phone": None, "email": "zhang@example.com"}
    assert [m.to for m in mail.outbox] == [["zhang@example.com"]]
    assert mail.outbox[0].subject == "请确认您的新联系方式"
    assert sms == []

    assert _confirm(api, "email", _code_in(mail.outbox[0].body)).status_code == 200
    customer.refresh_from_db()
    assert (customer.username, customer.email) == ("+8613800138000", "zhang@example.com")
    assert _login("zhang@example.com") == 200


def test_wrong_codes_use_up_the_tries(api, customer, sms):
    api.patch("/api/v1/me/", {"phone": NEW_PHONE}, format="json")
    code = _code_in(sms[0][1])
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        response = _confirm(api, "phone", wrong)
        assert response.status_code == 400
        assert response.json() == {"code": ["验证码错误或已过期。如需新的验证码，请重新保存新的联系方式。"]}

    assert _confirm(api, "phone", code).status_code == 400
    customer.refresh_from_db()
    assert customer.phone == "+8613800138000"


def test_the_code_expires_after_ten_minutes(api, customer, sms):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        api.patch("/api/v1/me/", {"phone": NEW_PHONE}, format="json")
    code = _code_in(sms[0][1])
    with time_machine.travel(start + timedelta(minutes=10, seconds=1), tick=False):
        assert _confirm(api, "phone", code).status_code == 400
        assert api.get("/api/v1/me/").json()["pending"] == {"phone": None, "email": None}
    with time_machine.travel(start + timedelta(minutes=9, seconds=59), tick=False):
        assert _confirm(api, "phone", code).status_code == 200


def test_a_phone_code_does_not_confirm_an_email(api, customer, sms):
    api.patch("/api/v1/me/", {"phone": NEW_PHONE}, format="json")
    assert _confirm(api, "email", _code_in(sms[0][1])).status_code == 400
    customer.refresh_from_db()
    assert (customer.phone, customer.email) == ("+8613800138000", None)


def test_a_number_taken_meanwhile_is_refused_at_confirmation(api, customer, sms):
    api.patch("/api/v1/me/", {"phone": NEW_PHONE}, format="json")
    UserFactory(phone=NEW_PHONE, username=NEW_PHONE)

    response = _confirm(api, "phone", _code_in(sms[0][1]))

    assert response.status_code == 400
    assert response.json() == {"phone": ["该手机号已注册账号。"]}
    customer.refresh_from_db()
    assert customer.phone == "+8613800138000"


def test_codes_per_hour_are_limited(api, customer, sms):
    for n in range(5):
        assert api.patch("/api/v1/me/", {"phone": f"1370013700{n}"}, format="json").status_code == 200
    response = api.patch("/api/v1/me/", {"phone": "13700137009"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"phone": ["过去一小时内发送的验证码过多，请稍后再试。"]}
    assert len(sms) == 5


def test_saving_the_same_new_number_again_sends_no_second_code(api, customer, sms):
    api.patch("/api/v1/me/", {"phone": NEW_PHONE}, format="json")
    api.patch("/api/v1/me/", {"phone": NEW_PHONE, "display_name": "张三丰"}, format="json")
    assert len(sms) == 1
    assert ContactChange.objects.count() == 1


def test_removing_the_only_confirmed_contact_is_refused_while_the_new_one_waits(customer, sms):
    user = UserFactory(username="wang@example.com", phone=None, email="wang@example.com")
    api = APIClient()
    api.force_authenticate(user)
    response = api.patch("/api/v1/me/", {"phone": NEW_PHONE, "email": ""}, format="json")
    assert response.status_code == 400
    assert response.json() == {"phone": ["请至少保留手机号或电子邮箱地址之一，您需要用它登录。"]}
    assert ContactChange.objects.count() == 0
    assert sms == []


def test_the_profile_page_confirms_a_new_email(client, customer, agreement_v1):
    client.force_login(customer)
    saved = client.post(
        "/accounts/profile/",
        {"display_name": "张三", "phone": "138 0013 8000", "email": "zs@example.com", "language": ""},
        follow=True,
    )
    page = saved.content.decode()
    assert "请确认新的电子邮箱地址" in page
    assert "我们已向 zs@example.com 发送 6 位验证码" in page
    code = _code_in(mail.outbox[0].body)

    wrong = client.post(
        "/accounts/profile/contact/email/", {"email-code": "999999" if code != "999999" else "1"}
    )
    assert wrong.status_code == 200
    assert "验证码错误或已过期" in wrong.content.decode()

    done = client.post("/accounts/profile/contact/email/", {"email-code": code})
    assert done.status_code == 302
    customer.refresh_from_db()
    assert customer.email == "zs@example.com"
    assert "请确认新的电子邮箱地址" not in client.get("/accounts/profile/").content.decode()


def test_unknown_contact_field_page_is_404(client, customer):
    client.force_login(customer)
    assert client.post("/accounts/profile/contact/username/", {"username-code": "1"}).status_code == 404


# --- channels -----------------------------------------------------------------------------------


def test_channels_are_chosen_on_me_and_used_for_notices(
    api, customer, sms, django_capture_on_commit_callbacks
):
    customer.email = "zhang@example.com"
    customer.save(update_fields=["email"])

    response = api.patch("/api/v1/me/", {"channels": {"sms": True, "email": False}}, format="json")

    assert response.status_code == 200
    assert response.json()["channels"] == {"sms": True, "email": False, "push": False, "wechat": False}
    customer.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(user=customer, kind=Kind.FEEDBACK_ANSWERED, title="t", body="b")
    assert sorted(Delivery.objects.of(notification).values_list("channel", flat=True)) == [
        "in_app",
        "sms",
    ]
    assert [phone for phone, _text in sms] == ["+8613800138000"]
    assert mail.outbox == []


def test_default_channels_are_in_app_and_email(customer, other_customer):
    customer.email = "zhang@example.com"
    customer.save(update_fields=["email"])
    profile_update(user=other_customer, data={"notification_channels": {"email": False}})

    notify_many(users=User.objects.all(), kind=Kind.FEEDBACK_ANSWERED, title="t", body="b")

    def channels(user):
        return sorted(
            Delivery.objects.of(Notification.objects.get(user=user)).values_list("channel", flat=True)
        )

    assert channels(customer) == ["email", "in_app"]
    assert channels(other_customer) == ["in_app"]


@pytest.mark.parametrize(
    "channels",
    [{"fax": True}, {"sms": "maybe"}, ["sms"]],
)
def test_bad_channels_are_refused_and_change_nothing(api, customer, channels):
    response = api.patch("/api/v1/me/", {"channels": channels, "display_name": "新名字"}, format="json")
    assert response.status_code == 400
    customer.refresh_from_db()
    assert (customer.display_name, customer.notification_channels) == (
        "张三",
        {"sms": False, "email": True, "push": False, "wechat": False},
    )


def test_the_profile_page_saves_channels(client, customer, agreement_v1):
    client.force_login(customer)
    page = client.get("/accounts/profile/").content.decode()
    assert 'name="channel_email" id="id_channel_email" checked' in page
    client.post(
        "/accounts/profile/",
        {
            "display_name": "张三",
            "phone": "138 0013 8000",
            "email": "",
            "language": "",
            "channel_wechat": "on",
        },
    )
    customer.refresh_from_db()
    assert customer.notification_channels == {"sms": False, "email": False, "push": False, "wechat": True}
