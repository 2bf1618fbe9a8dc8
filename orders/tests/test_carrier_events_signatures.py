"""Standard Webhooks signatures on the events endpoint (DESIGN §7.2): nothing unsigned gets judged."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from carriers.models import CarrierEvent
from carriers.services import carrier_credentials_rotate
from carriers.webhooks import sign_payload, sign_request
from orders.models import OrderEvent, Status
from orders.tests.carrier_events_support import COURIER, EVENTS_URL, NOW, body, minutes_ago, order_at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def client():
    # Carriers have no CSRF token: the endpoint must work with the check enforced.
    return APIClient(enforce_csrf_checks=True)


@pytest.fixture
def order(carrier, customer):
    return order_at(carrier, customer, Status.PLACED)


@pytest.fixture
def raw(order):
    return json.dumps(body(order, "order.accepted", minutes_ago(10), {"courier": COURIER})).encode()


def post(client, raw, headers, code="swift-express"):
    return client.post(
        EVENTS_URL.format(code=code), data=raw, content_type="application/json", headers=headers
    )


def headers(secret, raw, *, at=None, msg_id="evt-1"):
    return sign_payload(secret=secret, msg_id=msg_id, timestamp=at or timezone.now(), body=raw)


def assert_untouched(order):
    order.refresh_from_db()
    assert order.status == Status.PLACED
    assert not OrderEvent.objects.filter(order=order).exists()
    # Unauthenticated deliveries are not the carrier's: they are not in its event log either.
    assert not CarrierEvent.objects.exists()


def test_a_valid_signature_is_accepted(client, carrier, order, raw):
    secret = carrier_credentials_rotate(carrier=carrier)

    assert post(client, raw, headers(secret, raw)).json() == {"result": "applied"}


def test_a_tampered_body_is_401(client, carrier, order, raw):
    secret = carrier_credentials_rotate(carrier=carrier)
    signed = headers(secret, raw)

    response = post(client, raw.replace(b"SZ1024", b"SZ9999"), signed)

    assert response.status_code == 401
    assert_untouched(order)


def test_a_re_serialised_body_is_401(client, carrier, order, raw):
    secret = carrier_credentials_rotate(carrier=carrier)

    response = post(client, json.dumps(json.loads(raw), indent=2).encode(), headers(secret, raw))

    assert response.status_code == 401


@pytest.mark.parametrize("offset", [timedelta(minutes=-6), timedelta(minutes=6)])
def test_stale_and_future_timestamps_are_401(client, carrier, order, raw, offset):
    secret = carrier_credentials_rotate(carrier=carrier)

    response = post(client, raw, headers(secret, raw, at=timezone.now() + offset))

    assert response.status_code == 401
    assert_untouched(order)


def test_a_wrong_secret_is_401(client, carrier, other_carrier, order, raw):
    carrier_credentials_rotate(carrier=carrier)
    foreign = carrier_credentials_rotate(carrier=other_carrier)

    assert post(client, raw, headers(foreign, raw)).status_code == 401
    assert_untouched(order)


def test_unsigned_is_401(client, carrier, order, raw):
    carrier_credentials_rotate(carrier=carrier)

    assert post(client, raw, {}).status_code == 401


def test_the_previous_secret_stays_valid_after_rotation(client, carrier, order, raw):
    old = carrier_credentials_rotate(carrier=carrier)
    new = carrier_credentials_rotate(carrier=carrier)

    assert post(client, raw, headers(old, raw, msg_id="evt-old")).json() == {"result": "applied"}
    dispatch = json.dumps(
        body(order, "order.in_transit", minutes_ago(5), {"location": "", "description": ""})
    ).encode()
    # Signed with the new secret too (409 here: in_transit cannot follow accepted — but verified).
    assert post(client, dispatch, headers(new, dispatch, msg_id="evt-new")).status_code == 409

    carrier_credentials_rotate(carrier=carrier)  # a third secret: the oldest is revoked

    assert post(client, raw, headers(old, raw, msg_id="evt-older")).status_code == 401


def test_headers_in_any_case(client, carrier, order, raw):
    secret = carrier_credentials_rotate(carrier=carrier)
    upper = {name.upper(): value for name, value in headers(secret, raw).items()}

    assert post(client, raw, upper).json() == {"result": "applied"}


def test_a_signature_for_another_carriers_url_is_401(client, carrier, other_carrier, order, raw):
    secret = carrier_credentials_rotate(carrier=carrier)
    carrier_credentials_rotate(carrier=other_carrier)

    assert post(client, raw, headers(secret, raw), code="econ-post").status_code == 401


def test_an_unknown_carrier_is_404(client, carrier, order, raw):
    secret = carrier_credentials_rotate(carrier=carrier)

    assert post(client, raw, headers(secret, raw), code="no-such-carrier").status_code == 404


def test_get_is_not_allowed_on_events(client, carrier):
    secret = carrier_credentials_rotate(carrier=carrier)

    path = EVENTS_URL.format(code="swift-express")
    signed = sign_request(secret=secret, msg_id="evt-1", method="GET", full_path=path)

    response = client.get(path, headers=signed)

    assert response.status_code == 405
