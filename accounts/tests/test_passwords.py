import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import LoginGuard, PasswordResetCode
from accounts.services import login_digest
from tests.factories import PASSWORD, UserFactory

NEW_PASSWORD = "a-new-long-passphrase-42"


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
def sms(settings):
    """Texts the SMS backend was asked to send, as (phone, text)."""
    sent: list[tuple[str, str]] = []
    settings.NOTIFICATIONS_SMS_BACKEND = "accounts.tests.test_passwords.RecordingSmsBackend"
    RecordingSmsBackend.sent = sent
    return sent


class RecordingSmsBackend:
    sent: list = []

    def send(self, *, phone: str, text: str, **_template) -> None:
        self.sent.append((phone, text))


def _code_in(text: str) -> str:
    return re.search(r"\b(\d{6})\b", text).group(1)


def _request_reset(api_client, username):
    return api_client.post("/api/v1/auth/password/reset/", {"username": username}, format="json")


def _confirm(api_client, username, code, password=NEW_PASSWORD):
    return api_client.post(
        "/api/v1/auth/password/reset/confirm/",
        {"username": username, "code": code, "new_password": password},
        format="json",
    )


# --- Change -----------------------------------------------------------------------------------


def test_change_password_over_the_api_revokes_other_sessions_keeps_this_token(customer):
    other_browser = Client()
    other_browser.force_login(customer)
    token = Token.objects.create(user=customer)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = api.post(
        "/api/v1/auth/password/", {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )

    assert response.status_code == 204
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)
    assert other_browser.get("/accounts/profile/").status_code == 302  # logged out
    assert list(Token.objects.filter(user=customer).values_list("key", flat=True)) == [token.key]
    assert api.get("/api/v1/me/").status_code == 200


def test_change_password_in_the_browser_keeps_this_session_and_revokes_tokens(client, customer):
    Token.objects.create(user=customer)
    other_browser = Client()
    other_browser.force_login(customer)
    client.force_login(customer)

    response = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password": NEW_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    assert client.get("/accounts/profile/").status_code == 200
    assert other_browser.get("/accounts/profile/").status_code == 302
    assert Token.objects.filter(user=customer).count() == 0


def test_change_password_needs_the_old_one(customer_client, customer):
    response = customer_client.post(
        "/api/v1/auth/password/", {"old_password": "not-it", "new_password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"old_password": ["当前密码不正确。"]}
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_change_password_refuses_a_weak_one(customer_client, customer):
    response = customer_client.post(
        "/api/v1/auth/password/", {"old_password": PASSWORD, "new_password": "12345678"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["new_password"]
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_change_password_needs_login(api_client, db):
    response = api_client.post(
        "/api/v1/auth/password/", {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 401


# --- Reset ------------------------------------------------------------------------------------


def test_reset_by_sms_code_sets_the_password_and_lifts_the_lock(api_client, customer, sms):
    Token.objects.create(user=customer)
    for _attempt in range(5):
        api_client.post("/api/v1/auth/token/", {"username": "13800138000", "password": "x"}, format="json")
    assert LoginGuard.objects.filter(login_digest=login_digest("13800138000")).count() == 1

    assert _request_reset(api_client, "138 0013 8000").status_code == 202
    assert len(sms) == 1
    phone, text = sms[0]
    assert phone == "+8613800138000"
    assert "10 分钟" in text
    code = _code_in(text)
    assert PasswordResetCode.objects.get(user=customer).code_digest != code  # stored hashed

    assert _confirm(api_client, "13800138000", code).status_code == 204
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)
    assert Token.objects.filter(user=customer).count() == 0
    assert LoginGuard.objects.count() == 0
    token = api_client.post(
        "/api/v1/auth/token/", {"username": "13800138000", "password": NEW_PASSWORD}, format="json"
    )
    assert token.status_code == 200
    # A code works once.
    assert _confirm(api_client, "13800138000", code, "yet-another-passphrase-7").status_code == 400


def test_reset_by_email_goes_to_the_address(api_client, db, sms):
    user = UserFactory(username="wang@example.com", phone=None, email="wang@example.com", language="en")
    assert _request_reset(api_client, "Wang@Example.com").status_code == 202
    assert sms == []
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["wang@example.com"]
    assert mail.outbox[0].subject == "Your password reset code"
    code = _code_in(mail.outbox[0].body)
    assert _confirm(api_client, "wang@example.com", code).status_code == 204
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_reset_for_an_unknown_account_answers_the_same_and_sends_nothing(api_client, db, sms):
    known = UserFactory(phone="+8613800138000", username="+8613800138000")
    unknown = _request_reset(api_client, "13900139999")
    assert unknown.status_code == 202
    assert unknown.content == _request_reset(api_client, "13800138000").content == b""
    assert [phone for phone, _text in sms] == [known.phone]
    wrong_unknown = _confirm(api_client, "13900139999", "123456")
    wrong_known = _confirm(
        api_client, "13800138000", "000000" if _code_in(sms[0][1]) != "000000" else "111111"
    )
    assert wrong_unknown.status_code == wrong_known.status_code == 400
    assert (
        wrong_unknown.json()
        == wrong_known.json()
        == {"code": ["验证码错误或已过期。如有需要，请重新获取验证码。"]}
    )


def test_reset_code_expires_after_ten_minutes(api_client, customer, sms):
    with time_machine.travel("2030-03-01 10:00:00+08:00", tick=False):
        _request_reset(api_client, "13800138000")
    code = _code_in(sms[0][1])
    with time_machine.travel("2030-03-01 10:10:01+08:00", tick=False):
        assert _confirm(api_client, "13800138000", code).status_code == 400
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_reset_code_still_works_just_before_ten_minutes(api_client, customer, sms):
    with time_machine.travel("2030-03-01 10:00:00+08:00", tick=False):
        _request_reset(api_client, "13800138000")
    with time_machine.travel("2030-03-01 10:09:59+08:00", tick=False):
        assert _confirm(api_client, "13800138000", _code_in(sms[0][1])).status_code == 204


def test_reset_code_dies_after_five_wrong_tries(api_client, customer, sms):
    _request_reset(api_client, "13800138000")
    code = _code_in(sms[0][1])
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _attempt in range(5):
        assert _confirm(api_client, "13800138000", wrong).status_code == 400
    assert PasswordResetCode.objects.get(user=customer).tries == 5
    assert _confirm(api_client, "13800138000", code).status_code == 400
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_a_new_code_replaces_the_previous_one(api_client, customer, sms):
    _request_reset(api_client, "13800138000")
    _request_reset(api_client, "13800138000")
    first, second = _code_in(sms[0][1]), _code_in(sms[1][1])
    if first != second:
        assert _confirm(api_client, "13800138000", first).status_code == 400
    assert _confirm(api_client, "13800138000", second).status_code == 204


def test_reset_refuses_a_weak_password_and_keeps_the_code(api_client, customer, sms):
    _request_reset(api_client, "13800138000")
    code = _code_in(sms[0][1])
    weak = _confirm(api_client, "13800138000", code, "12345678")
    assert weak.status_code == 400
    assert list(weak.json()) == ["new_password"]
    assert _confirm(api_client, "13800138000", code).status_code == 204


def test_reset_pages(client, customer, sms):
    assert 'href="/accounts/password/reset/"' in client.get("/accounts/login/").content.decode()
    response = client.post("/accounts/password/reset/", {"login": "13800138000"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/confirm/"
    page = client.get("/accounts/password/reset/confirm/").content.decode()
    assert 'value="13800138000"' in page
    code = _code_in(sms[0][1])
    done = client.post(
        "/accounts/password/reset/confirm/",
        {"login": "13800138000", "code": code, "new_password": NEW_PASSWORD},
    )
    assert done.status_code == 302
    assert done["Location"] == "/accounts/login/"
    login = client.post("/accounts/login/", {"login": "13800138000", "password": NEW_PASSWORD})
    assert login.status_code == 302
    assert client.session[SESSION_KEY] == str(customer.pk)


def test_reset_page_wrong_code_shows_the_error(client, customer, sms):
    client.post("/accounts/password/reset/", {"login": "13800138000"})
    code = _code_in(sms[0][1])
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    page = client.post(
        "/accounts/password/reset/confirm/",
        {"login": "13800138000", "code": wrong, "new_password": NEW_PASSWORD},
    )
    assert page.status_code == 200
    assert "验证码错误或已过期" in page.content.decode()


def test_reset_request_is_throttled_per_ip(api_client, db, monkeypatch):
    from accounts.throttles import PasswordResetRateThrottle

    monkeypatch.setattr(PasswordResetRateThrottle, "THROTTLE_RATES", {"password_reset": "2/hour"})
    codes = [_request_reset(api_client, f"1390000000{n}").status_code for n in range(3)]
    assert codes == [202, 202, 429]


def test_reset_code_is_never_written_in_clear(api_client, customer, sms):
    _request_reset(api_client, "13800138000")
    code = _code_in(sms[0][1])
    row = PasswordResetCode.objects.get(user=customer)
    assert code not in row.code_digest
    assert row.expires_at == row.created_at + timedelta(minutes=10)
    assert row.created_at <= timezone.now()
