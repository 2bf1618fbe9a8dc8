import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers
from rest_framework.test import APIClient

from accounts.models import ContactChange
from accounts.services import profile_update
from tests.factories import PASSWORD, UserFactory


def test_me_requires_authentication(api_client, db):
    assert api_client.get("/api/v1/me/").status_code == 401


def test_me_get(customer_client, customer):
    response = customer_client.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json() == {
        "username": "+8613800138000",
        "display_name": "张三",
        "phone": "+8613800138000",
        "email": None,
        "language": "",
        "channels": {"sms": False, "email": True, "push": False, "wechat": False},
        "pending": {"phone": None, "email": None},
        "date_joined": serializers.DateTimeField().to_representation(customer.date_joined),
    }
    assert response.json()["date_joined"].endswith("+08:00")


def test_me_with_token(customer):
    client = APIClient()
    token = client.post(
        "/api/v1/auth/token/", {"username": "13800138000", "password": PASSWORD}, format="json"
    )
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert client.get("/api/v1/me/").json()["display_name"] == "张三"


def test_me_patch_updates_and_normalises(customer_client, customer):
    response = customer_client.patch(
        "/api/v1/me/",
        {"display_name": " 张小三 ", "language": "zh-hant"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["display_name"], body["language"], body["phone"]) == ("张小三", "zh-hant", "+8613800138000")
    customer.refresh_from_db()
    assert (customer.display_name, customer.language) == ("张小三", "zh-hant")


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"phone": "12345"}, {"phone": ["请输入有效的中国大陆或香港手机号。"]}),
        ({"phone": "13900139000"}, {"phone": ["该手机号已注册账号。"]}),
        ({"email": "not-an-email"}, {"email": ["请输入有效的电子邮箱地址。"]}),
        ({"phone": ""}, {"phone": ["请至少保留手机号或电子邮箱地址之一，您需要用它登录。"]}),
        ({"language": "fr"}, {"language": ["“fr” 不是合法选项。"]}),
        ({"display_name": "名" * 61}, {"display_name": ["请确保这个字段不能超过 60 个字符。"]}),
    ],
)
def test_me_patch_refuses_bad_input_and_changes_nothing(
    customer_client, customer, other_customer, data, errors
):
    response = customer_client.patch("/api/v1/me/", data, format="json")
    assert response.status_code == 400
    assert response.json() == errors
    customer.refresh_from_db()
    assert (customer.username, customer.phone, customer.email, customer.display_name, customer.language) == (
        "+8613800138000",
        "+8613800138000",
        None,
        "张三",
        "",
    )


def test_me_put_is_not_offered(customer_client):
    assert customer_client.put("/api/v1/me/", {}, format="json").status_code == 405


def test_email_taken_by_another_account(customer):
    UserFactory(username="li@example.com", phone=None, email="li@example.com")
    with pytest.raises(ValidationError) as excinfo:
        profile_update(user=customer, data={"email": "LI@example.com"})
    assert excinfo.value.message_dict == {"email": ["该电子邮箱地址已注册账号。"]}


def test_email_pending_for_another_account_is_not_taken(customer, other_customer):
    """A code sent to an address is no claim on it: whoever confirms first gets it."""
    profile_update(user=other_customer, data={"email": "shared@example.com"})
    profile_update(user=customer, data={"email": "shared@example.com"})
    assert ContactChange.objects.filter(new_value="shared@example.com").count() == 2


def test_profile_update_without_changes_writes_nothing(customer):
    with CaptureQueriesContext(connection) as queries:
        profile_update(user=customer, data={"display_name": "张三", "phone": "138 0013 8000"})
    assert [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")] == []


# --- Page -------------------------------------------------------------------------------------


def test_profile_page_requires_login(client, db):
    response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/profile/"


def test_profile_page_shows_and_saves(client, customer, agreement_v1):
    client.force_login(customer)
    page = client.get("/accounts/profile/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "138 0013 8000" in html
    assert 'value="张三"' in html

    response = client.post(
        "/accounts/profile/",
        {"display_name": "张三丰", "phone": "138 0013 8000", "email": "", "language": "en"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    assert response.cookies["django_language"].value == "en"
    customer.refresh_from_db()
    assert (customer.display_name, customer.email, customer.language) == ("张三丰", None, "en")


def test_profile_page_field_errors(client, customer, other_customer):
    client.force_login(customer)
    response = client.post(
        "/accounts/profile/",
        {"display_name": "张三", "phone": "13900139000", "email": "bad@", "language": ""},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "该手机号已注册账号。" in html
    assert "请输入有效的电子邮箱地址。" in html
    customer.refresh_from_db()
    assert (customer.phone, customer.email) == ("+8613800138000", None)
