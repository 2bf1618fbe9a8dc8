"""The API answers JSON only: every error code carries {"error", "detail"} (issue 15); pages keep the
site's own error pages."""

import pytest
from django.test import Client
from django.urls import include, path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny

from orders.tests.factories import OrderFactory


@api_view(["GET"])
@permission_classes([AllowAny])
def _broken_api(request):
    raise RuntimeError("boom")


def _broken_django_view(request):
    raise RuntimeError("boom")


# This module doubles as a URLconf: the project's URLs plus API views that fail on purpose.
urlpatterns = [
    path("api/v1/test-errors/broken/", _broken_api),
    path("api/v1/test-errors/plain/", _broken_django_view),
    path("", include("courier_platform.urls")),
]
handler500 = "courier_platform.errors.server_error"


def _assert_json_error(response, status: int, error: str, detail: str | None = None):
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"] == error
    assert isinstance(body["detail"], str) and body["detail"]
    if detail is not None:
        assert body["detail"] == detail


def test_unknown_api_url_is_a_json_404(client, db, settings):
    settings.DEBUG = False
    response = client.get("/api/v1/no-such-thing/", HTTP_ACCEPT_LANGUAGE="en")

    _assert_json_error(response, 404, "not_found", "Not found.")


@pytest.mark.parametrize("number", ["CP-123", "CP%20123", "订单", "CP.123"])
def test_an_order_number_with_other_characters_is_a_json_404(customer, number, settings):
    settings.DEBUG = False
    client = Client()
    client.force_login(customer)

    response = client.get(f"/api/v1/orders/{number}/")

    _assert_json_error(response, 404, "not_found", "未找到。")


def test_someone_elses_order_is_a_json_404(customer_client, other_customer):
    order = OrderFactory(user=other_customer)

    response = customer_client.get(f"/api/v1/orders/{order.number}/", HTTP_ACCEPT_LANGUAGE="en")

    _assert_json_error(response, 404, "not_found", "Not found.")


def test_unauthenticated_is_a_json_401_with_a_token_challenge(api_client, db):
    response = api_client.get("/api/v1/orders/", HTTP_ACCEPT_LANGUAGE="en")

    _assert_json_error(response, 401, "not_authenticated", "Authentication credentials were not provided.")
    assert response["WWW-Authenticate"] == "Token"


def test_a_bad_token_is_a_json_401_with_a_token_challenge(api_client, db):
    response = api_client.get("/api/v1/orders/", HTTP_AUTHORIZATION="Token nope", HTTP_ACCEPT_LANGUAGE="en")

    _assert_json_error(response, 401, "authentication_failed", "Invalid token.")
    assert response["WWW-Authenticate"] == "Token"


def test_a_signed_in_browser_session_still_reads_the_api(customer):
    client = Client()
    client.force_login(customer)

    response = client.get("/api/v1/orders/")

    assert response.status_code == 200


def test_wrong_method_is_a_json_405(customer_client):
    response = customer_client.put("/api/v1/orders/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    _assert_json_error(response, 405, "method_not_allowed", 'Method "PUT" not allowed.')


def test_unsupported_media_type_is_a_json_415(client, db):
    response = client.generic(
        "POST", "/api/v1/auth/token/", b"username=a", content_type="text/plain", HTTP_ACCEPT_LANGUAGE="en"
    )

    _assert_json_error(
        response, 415, "unsupported_media_type", 'Unsupported media type "text/plain" in request.'
    )


def test_an_html_only_accept_is_a_json_406(client, db):
    response = client.get("/api/v1/agreement/", HTTP_ACCEPT="text/html", HTTP_ACCEPT_LANGUAGE="en")

    _assert_json_error(response, 406, "not_acceptable", "Could not satisfy the request Accept header.")


def test_a_browser_reading_the_api_gets_json(client, db):
    response = client.get("/api/v1/orders/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")

    assert response["Content-Type"] == "application/json"


def test_validation_errors_keep_their_field_errors(client, db):
    response = client.post(
        "/api/v1/auth/token/", {}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    assert response.json() == {
        "username": ["This field is required."],
        "password": ["This field is required."],
    }


@pytest.mark.parametrize("url", ["/api/v1/test-errors/broken/", "/api/v1/test-errors/plain/"])
def test_an_unhandled_error_is_a_json_500(db, settings, url):
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False
    client = Client(raise_request_exception=False)

    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")

    _assert_json_error(response, 500, "server_error", "The server could not complete the request.")


def test_pages_keep_the_sites_html_404(client, customer, settings):
    settings.DEBUG = False
    client.force_login(customer)

    response = client.get("/orders/CP-123/")

    assert response.status_code == 404
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert 'data-testid="error-page"' in response.content.decode()


def test_the_api_docs_are_a_page(client, db):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
