from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.services import AccountLocked, InvalidCredentials, login_attempt
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
    customer.refresh_from_db()
    assert customer.failed_login_count == 1


def test_unknown_account_gets_the_same_message(client, db):
    response = _login(client, "13900139999", "whatever-password")
    assert "手机号/邮箱或密码不正确。" in response.content.decode()


def test_login_field_error_for_something_that_is_not_a_login(client, db):
    html = _login(client, "zhangsan").content.decode()
    assert "请输入中国大陆或香港手机号，或电子邮箱地址。" in html


@time_machine.travel("2030-03-01 10:00:00+08:00", tick=False)
def test_lockout_after_five_failures_and_expiry(client, customer, settings):
    assert settings.LOGIN_FAILURE_LIMIT == 5
    for _attempt in range(4):
        html = _login(client, "13800138000", "wrong-password").content.decode()
        assert "手机号/邮箱或密码不正确。" in html
    fifth = _login(client, "13800138000", "wrong-password").content.decode()
    assert "登录失败次数过多，账号已锁定至 2030-03-01 10:15，请稍后再试。" in fifth
    customer.refresh_from_db()
    assert customer.locked_until == timezone.now() + timedelta(minutes=LOCK_MINUTES)

    # While locked even the right password is refused, and the lock does not grow.
    locked = _login(client, "138 0013 8000", PASSWORD)
    assert locked.status_code == 200
    assert "账号已锁定至 2030-03-01 10:15" in locked.content.decode()
    assert SESSION_KEY not in client.session
    customer.refresh_from_db()
    assert customer.locked_until == timezone.now() + timedelta(minutes=LOCK_MINUTES)

    with time_machine.travel("2030-03-01 10:14:59+08:00", tick=False):
        assert "账号已锁定" in _login(client, "13800138000").content.decode()
    with time_machine.travel("2030-03-01 10:15:01+08:00", tick=False):
        assert _login(client, "13800138000").status_code == 302
        customer.refresh_from_db()
        assert (customer.failed_login_count, customer.locked_until) == (0, None)


def test_success_resets_the_failure_count(client, customer):
    for _attempt in range(4):
        _login(client, "13800138000", "wrong-password")
    assert _login(client, "13800138000").status_code == 302
    client.post("/accounts/logout/")
    for _attempt in range(4):
        _login(client, "13800138000", "wrong-password")
    customer.refresh_from_db()
    assert (customer.failed_login_count, customer.locked_until) == (4, None)


def test_lockout_does_not_end_open_sessions(customer):
    """Locking is about guessing passwords; the owner's logged-in browser keeps working."""
    owner = Client()
    owner.force_login(customer)
    attacker = Client()
    for _attempt in range(5):
        _login(attacker, "13800138000", "wrong-password")
    customer.refresh_from_db()
    assert customer.locked_until is not None
    assert owner.get("/accounts/profile/").status_code == 200


def test_admin_login_also_refuses_a_locked_account(client, moderator):
    moderator.locked_until = timezone.now() + timedelta(minutes=5)
    moderator.save(update_fields=["locked_until"])
    response = client.post("/admin/login/", {"username": "13700137000", "password": PASSWORD})
    assert response.status_code == 200
    assert SESSION_KEY not in client.session


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
    customer.refresh_from_db()
    assert customer.failed_login_count == 1


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
    for _attempt in range(4):
        assert (
            api_client.post(
                "/api/v1/auth/token/", {"username": "13800138000", "password": "x"}, format="json"
            ).status_code
            == 400
        )
    fifth = api_client.post(
        "/api/v1/auth/token/", {"username": "13800138000", "password": "x"}, format="json"
    )
    assert fifth.status_code == 403
    assert fifth.json() == {
        "detail": "登录失败次数过多，账号已锁定至 2030-03-01 10:15，请稍后再试。",
        "code": "account_locked",
        "locked_until": "2030-03-01T02:15:00+00:00",
    }
    right = api_client.post(
        "/api/v1/auth/token/", {"username": "13800138000", "password": PASSWORD}, format="json"
    )
    assert right.status_code == 403
    assert Token.objects.count() == 0

    # Failures on the page and the API count together.
    with time_machine.travel("2030-03-01 10:16:00+08:00", tick=False):
        ok = api_client.post(
            "/api/v1/auth/token/", {"username": "13800138000", "password": PASSWORD}, format="json"
        )
        assert ok.status_code == 200
        assert Token.objects.filter(user=customer).count() == 1


def test_page_and_api_failures_count_together(client, api_client, customer):
    for _attempt in range(3):
        _login(client, "13800138000", "wrong-password")
    for _attempt in range(2):
        api_client.post("/api/v1/auth/token/", {"username": "13800138000", "password": "x"}, format="json")
    with pytest.raises(AccountLocked):
        login_attempt(login="13800138000", password=PASSWORD)
