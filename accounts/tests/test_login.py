from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import LoginGuard
from accounts.services import InvalidCredentials, login_attempt, login_digest
from accounts.throttles import LoginRateThrottle
from tests.factories import PASSWORD, UserFactory

LOCK_MINUTES = 15


def _login(client, login, password=PASSWORD, **extra):
    return client.post("/accounts/login/", {"login": login, "password": password, **extra})


@pytest.mark.parametrize(
    "spelling",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "+86 138 0013 8000",
        "+8613800138000",
        "008613800138000",
    ],
)
def test_login_with_phone_in_any_spelling(client, customer, spelling):
    response = _login(client, spelling)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session[SESSION_KEY] == str(customer.pk)


def test_login_with_email_any_case(client, db):
    user = UserFactory(username="wang@example.com", phone=None, email="wang@example.com")
    response = _login(client, " Wang@Example.COM ")
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)


def test_login_with_email_of_a_phone_account(client, customer):
    customer.email = "zhang@example.com"
    customer.save(update_fields=["email"])
    assert _login(client, "zhang@example.com").status_code == 302


def test_login_redirects_to_safe_next_only(client, customer):
    assert _login(client, "13800138000", next="/orders/")["Location"] == "/orders/"
    client.post("/accounts/logout/")
    assert _login(client, "13800138000", next="https://evil.example/")["Location"] == "/"


def test_login_sets_the_users_language(client, customer):
    customer.language = "en"
    customer.save(update_fields=["language"])
    response = _login(client, "13800138000")
    assert response.cookies["django_language"].value == "en"


def test_wrong_password_is_refused_without_saying_which_part(client, customer):
    response = _login(client, "13800138000", "wrong-password")
    assert response.status_code == 200
    assert "手机号/邮箱或密码不正确。" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert LoginGuard.objects.get(login_digest=login_digest("13800138000")).failures == 1


def test_unknown_account_gets_the_same_message(client, db):
    response = _login(client, "13900139999", "whatever-password")
    assert "手机号/邮箱或密码不正确。" in response.content.decode()


def test_login_field_error_for_something_that_is_not_a_login(client, db):
    html = _login(client, "zhangsan").content.decode()
    assert "请输入中国大陆或香港手机号，或电子邮箱地址。" in html


def _guard(login="13800138000", ip="127.0.0.1"):
    return LoginGuard.objects.filter(login_digest=login_digest(login), ip=ip).first()


@time_machine.travel("2030-03-01 10:00:00+08:00", tick=False)
def test_lockout_after_five_failures_answers_like_a_wrong_password(client, customer, settings):
    assert settings.LOGIN_FAILURE_LIMIT == 5
    for _attempt in range(5):
        response = _login(client, "13800138000", "wrong-password")
        assert response.status_code == 200
        assert "手机号/邮箱或密码不正确。" in response.content.decode()
    assert _guard().locked_until == timezone.now() + timedelta(minutes=LOCK_MINUTES)

    # While locked even the right password is refused, with the very same answer.
    locked = _login(client, "138 0013 8000", PASSWORD)
    assert locked.status_code == 200
    assert "手机号/邮箱或密码不正确。" in locked.content.decode()
    assert "锁定" not in locked.content.decode().split("<form")[1].split("</form>")[0].split("<p class")[0]
    assert SESSION_KEY not in client.session
    assert _guard().locked_until == timezone.now() + timedelta(minutes=LOCK_MINUTES)

    with time_machine.travel("2030-03-01 10:14:59+08:00", tick=False):
        assert _login(client, "13800138000").status_code == 200
    with time_machine.travel("2030-03-01 10:15:01+08:00", tick=False):
        assert _login(client, "13800138000").status_code == 302
        assert _guard() is None


def _error_text(response) -> str:
    return response.content.decode().split('role="alert">')[1].split("</div>")[0]


@time_machine.travel("2030-03-01 10:00:00+08:00", tick=False)
def test_unknown_and_locked_accounts_answer_exactly_like_a_wrong_password(client, customer):
    """Nobody can tell from the answers whether a number has an account, or is locked."""
    first_wrong = _login(client, "13800138000", "wrong-password")
    for _attempt in range(4):
        _login(client, "13800138000", "wrong-password")
    for _attempt in range(6):
        unknown = _login(client, "13900139999", "wrong-password")
    locked_right_password = _login(client, "13800138000", PASSWORD)
    assert first_wrong.status_code == unknown.status_code == locked_right_password.status_code == 200
    assert _error_text(first_wrong) == _error_text(unknown) == _error_text(locked_right_password)
    # The unknown login was counted and locked exactly like the known one.
    assert _guard("13900139999").locked_until == _guard("13800138000").locked_until


def test_guessing_from_elsewhere_does_not_lock_the_owner_out(customer):
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _attempt in range(8):
        _login(attacker, "13800138000", "wrong-password")
    assert _login(attacker, "13800138000").status_code == 200  # locked there
    owner = Client(REMOTE_ADDR="198.51.100.7")
    response = _login(owner, "13800138000")
    assert response.status_code == 302
    assert owner.session[SESSION_KEY] == str(customer.pk)
    assert _guard(ip="203.0.113.9").locked_until is not None


def test_success_resets_the_failure_count(client, customer):
    for _attempt in range(4):
        _login(client, "13800138000", "wrong-password")
    assert _login(client, "13800138000").status_code == 302
    assert _guard() is None
    client.post("/accounts/logout/")
    for _attempt in range(4):
        _login(client, "13800138000", "wrong-password")
    guard = _guard()
    assert (guard.failures, guard.locked_until) == (4, None)


def test_lockout_does_not_end_open_sessions(customer):
    """Locking is about guessing passwords; the owner's logged-in browser keeps working."""
    owner = Client()
    owner.force_login(customer)
    attacker = Client()
    for _attempt in range(5):
        _login(attacker, "13800138000", "wrong-password")
    assert _guard().locked_until is not None
    assert owner.get("/accounts/profile/").status_code == 200


def test_admin_login_is_guarded_too(client, moderator):
    for _attempt in range(5):
        client.post("/admin/login/", {"username": "13700137000", "password": "wrong-password"})
    response = client.post("/admin/login/", {"username": "13700137000", "password": PASSWORD})
    assert response.status_code == 200
    assert SESSION_KEY not in client.session


def test_admin_lifts_the_lock(client, customer):
    for _attempt in range(5):
        _login(client, "13800138000", "wrong-password")
    from accounts.services import user_unlock

    assert user_unlock(user=customer) == 1
    assert _login(client, "13800138000").status_code == 302


def test_login_page_is_throttled_per_ip(customer, monkeypatch):
    monkeypatch.setattr(LoginRateThrottle, "THROTTLE_RATES", {"login": "3/min"})
    busy = Client(REMOTE_ADDR="203.0.113.9")
    for number in ("13900000001", "13900000002", "13900000003"):
        assert _login(busy, number, "x").status_code == 200
    refused = _login(busy, "13800138000")
    assert refused.status_code == 429
    assert "来自您网络的尝试次数过多" in refused.content.decode()
    assert SESSION_KEY not in busy.session
    # Another client is not affected.
    assert _login(Client(REMOTE_ADDR="198.51.100.7"), "13800138000").status_code == 302


def test_forged_forwarded_for_does_not_dodge_the_throttle(api_client, customer, monkeypatch):
    monkeypatch.setattr(LoginRateThrottle, "THROTTLE_RATES", {"login": "2/min"})
    codes = [
        api_client.post(
            "/api/v1/auth/token/",
            {"username": "13800138000", "password": "x"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        ).status_code
        for n in range(3)
    ]
    assert codes == [400, 400, 429]


def test_logout_is_post_only(client, customer):
    client.force_login(customer)
    assert client.get("/accounts/logout/").status_code == 405
    assert SESSION_KEY in client.session
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert SESSION_KEY not in client.session


# --- Service ----------------------------------------------------------------------------------


def test_login_attempt_service(customer):
    assert login_attempt(login="+86 13800138000", password=PASSWORD) == customer
    with pytest.raises(InvalidCredentials):
        login_attempt(login="13800138000", password="nope")
    with pytest.raises(InvalidCredentials):
        login_attempt(login="not a login", password=PASSWORD)
    assert _guard(ip="").failures == 1


def test_inactive_account_cannot_log_in(customer):
    customer.is_active = False
    customer.save(update_fields=["is_active"])
    with pytest.raises(InvalidCredentials):
        login_attempt(login="13800138000", password=PASSWORD)


# --- Token endpoint ----------------------------------------------------------------------------


def test_token_with_phone_and_email(api_client, customer):
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "138 0013 8000", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = Token.objects.get(user=customer)
    assert response.json() == {"token": token.key}

    customer.email = "zhang@example.com"
    customer.save(update_fields=["email"])
    again = api_client.post(
        "/api/v1/auth/token/", {"username": "ZHANG@example.com", "password": PASSWORD}, format="json"
    )
    assert again.json() == {"token": token.key}
    assert Token.objects.count() == 1


def test_token_wrong_password(api_client, customer):
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "13800138000", "password": "x"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["手机号/邮箱或密码不正确。"]}
    assert Token.objects.count() == 0


def test_token_missing_fields(api_client, db):
    response = api_client.post("/api/v1/auth/token/", {}, format="json")
    assert response.status_code == 400
    assert response.json() == {"username": ["该字段是必填项。"], "password": ["该字段是必填项。"]}


@time_machine.travel("2030-03-01 10:00:00+08:00", tick=False)
def test_token_endpoint_lockout_and_expiry(api_client, customer):
    def post(username, password):
        return api_client.post(
            "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
        )

    wrong = [post("13800138000", "x") for _attempt in range(5)]
    assert [r.status_code for r in wrong] == [400] * 5
    right = post("13800138000", PASSWORD)
    unknown = post("13900139999", PASSWORD)
    assert right.status_code == unknown.status_code == 400
    assert (
        right.json()
        == unknown.json()
        == wrong[0].json()
        == {"non_field_errors": ["手机号/邮箱或密码不正确。"]}
    )
    assert Token.objects.count() == 0

    with time_machine.travel("2030-03-01 10:16:00+08:00", tick=False):
        ok = post("13800138000", PASSWORD)
        assert ok.status_code == 200
        assert Token.objects.filter(user=customer).count() == 1


def test_token_endpoint_is_throttled_per_ip(api_client, customer, monkeypatch):
    monkeypatch.setattr(LoginRateThrottle, "THROTTLE_RATES", {"login": "3/min"})
    for number in ("13900000001", "13900000002", "13900000003"):
        api_client.post("/api/v1/auth/token/", {"username": number, "password": "x"}, format="json")
    refused = api_client.post(
        "/api/v1/auth/token/", {"username": "13800138000", "password": PASSWORD}, format="json"
    )
    assert refused.status_code == 429
    assert Token.objects.count() == 0


def test_page_and_api_failures_count_together(client, api_client, customer):
    for _attempt in range(3):
        _login(client, "13800138000", "wrong-password")
    for _attempt in range(2):
        api_client.post("/api/v1/auth/token/", {"username": "13800138000", "password": "x"}, format="json")
    ok = api_client.post(
        "/api/v1/auth/token/", {"username": "13800138000", "password": PASSWORD}, format="json"
    )
    assert ok.status_code == 400
