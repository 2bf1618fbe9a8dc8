"""Carrier signature authentication over HTTP (``CarrierSignatureAuthentication`` + ``IsCarrier``)."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from carriers.api.authentication import CarrierPrincipal, IsCarrier
from carriers.services import carrier_credentials_rotate
from carriers.webhooks import sign_payload, sign_request

# pytest-django's equivalent of @override_settings(ROOT_URLCONF=...), for every test here.
pytestmark = [pytest.mark.django_db, pytest.mark.urls("carriers.tests.urls_carrier_api")]

BODY = json.dumps({"order": "T000000001", "type": "order.accepted", "data": {"note": "到门口"}}).encode()


def url(code: str) -> str:
    return f"/api/v1/carriers/{code}/echo/"


@pytest.fixture
def client():
    # Carriers have no CSRF token: the endpoint must work with the check enforced.
    return APIClient(enforce_csrf_checks=True)


@pytest.fixture
def secret(carrier):
    return carrier_credentials_rotate(carrier=carrier)


def signed(secret, body=BODY, msg_id="msg_1"):
    return sign_payload(secret=secret, msg_id=msg_id, timestamp=timezone.now(), body=body)


def post(client, code, body, headers):
    return client.post(url(code), data=body, content_type="application/json", headers=headers)


def test_signed_post_is_the_carrier(client, secret):
    response = post(client, "swift-express", BODY, signed(secret))

    assert response.status_code == 200
    assert response.json() == {
        "carrier": "swift-express",
        "message_id": "msg_1",
        "data": {"order": "T000000001", "type": "order.accepted", "data": {"note": "到门口"}},
    }


def test_signed_get_over_its_request_line(client, secret):
    path = url("swift-express") + "?status=placed"
    headers = sign_request(secret=secret, msg_id="msg_1", method="GET", full_path=path)

    response = client.get(path, headers=headers)

    assert response.status_code == 200
    assert response.json() == {"carrier": "swift-express", "query": {"status": "placed"}}


def test_headers_in_any_case_over_http(client, secret):
    headers = {name.upper(): value for name, value in signed(secret).items()}

    assert post(client, "swift-express", BODY, headers).status_code == 200


def test_the_signature_covers_the_raw_bytes(client, secret):
    # Same JSON, different bytes (spacing): a re-serialised body must not verify.
    reformatted = json.dumps(json.loads(BODY), indent=2).encode()

    response = post(client, "swift-express", reformatted, signed(secret))

    assert response.status_code == 401


def test_tampered_body_is_401_with_a_challenge(client, secret):
    response = post(client, "swift-express", BODY.replace(b"T000000001", b"T000000002"), signed(secret))

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Webhook-Signature realm="carrier-api"'
    assert "No matching signature" in response.json()["detail"]


def test_unsigned_request_is_401(client, secret):
    assert post(client, "swift-express", BODY, {}).status_code == 401
    assert client.get(url("swift-express")).status_code == 401


def test_stale_signature_is_401(client, secret):
    headers = sign_payload(
        secret=secret, msg_id="msg_1", timestamp=timezone.now() - timedelta(minutes=6), body=BODY
    )

    response = post(client, "swift-express", BODY, headers)

    assert response.status_code == 401
    assert "too old" in response.json()["detail"]


def test_carrier_a_signature_on_carrier_b_url_is_401(client, secret, other_carrier):
    carrier_credentials_rotate(carrier=other_carrier)

    response = post(client, "econ-post", BODY, signed(secret))

    assert response.status_code == 401


def test_carrier_b_without_secrets_refuses_carrier_a_signature(client, secret, other_carrier):
    assert post(client, "econ-post", BODY, signed(secret)).status_code == 401


def test_unknown_carrier_is_404(client, secret):
    response = post(client, "no-such-carrier", BODY, signed(secret))

    assert response.status_code == 404


def test_inactive_carrier_is_404(client, carrier, secret):
    carrier.active = False
    carrier.save(update_fields=["active"])

    assert post(client, "swift-express", BODY, signed(secret)).status_code == 404


def test_is_carrier_requires_the_principal_of_the_url(carrier):
    view = type("View", (), {"kwargs": {"code": "swift-express"}})()

    def request(user):
        return type("Request", (), {"user": user})()

    assert IsCarrier().has_permission(request(CarrierPrincipal(carrier=carrier, message_id="m")), view)
    view.kwargs = {"code": "econ-post"}
    assert not IsCarrier().has_permission(request(CarrierPrincipal(carrier=carrier, message_id="m")), view)
    assert not IsCarrier().has_permission(request(object()), view)


def test_the_principal_is_not_a_user(carrier):
    principal = CarrierPrincipal(carrier=carrier, message_id="m")

    assert principal.is_authenticated and not principal.is_staff
    assert str(principal) == "carrier:swift-express"
    assert not hasattr(principal, "pk")
