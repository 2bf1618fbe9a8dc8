"""The account's language (DESIGN §6): pages after login, API errors without Accept-Language, notices."""

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from notifications.models import Kind, Notification
from notifications.services import notify
from tests.factories import PASSWORD


def _token_client(user, **headers):
    token = Token.objects.create(user=user)
    client = APIClient(**headers)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_api_errors_use_the_account_language_without_accept_language(customer):
    customer.language = "en"
    customer.save(update_fields=["language"])
    response = _token_client(customer).patch("/api/v1/me/", {"display_name": "\u200b"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"display_name": ["Enter a name with at least one visible letter."]}


def test_accept_language_wins_over_the_account(customer):
    customer.language = "en"
    customer.save(update_fields=["language"])
    client = _token_client(customer, HTTP_ACCEPT_LANGUAGE="zh-hant")
    response = client.patch("/api/v1/me/", {"display_name": "\u200b"}, format="json")
    assert response.json() == {"display_name": ["請輸入至少包含一個可見文字的姓名。"]}


def test_traditional_chinese_account(customer):
    customer.language = "zh-hant"
    customer.save(update_fields=["language"])
    response = _token_client(customer).patch("/api/v1/me/", {"display_name": "\u200b"}, format="json")
    assert response.json() == {"display_name": ["請輸入至少包含一個可見文字的姓名。"]}


def test_pages_after_login_use_the_account_language(client, customer):
    customer.language = "en"
    customer.save(update_fields=["language"])
    response = client.post("/accounts/login/", {"login": "13800138000", "password": PASSWORD})
    assert response.cookies["django_language"].value == "en"
    page = client.get("/accounts/profile/")
    assert "My account" in page.content.decode()


def test_notices_are_written_in_the_account_language(customer):
    customer.language = "en"
    customer.save(update_fields=["language"])
    notify(user=customer, kind=Kind.RESTRICTION_APPLIED, context={"scope": "ordering", "reason": "x"})
    assert Notification.objects.get(user=customer).title == "Booking restricted"
