"""The in-process cache of carriers and their keys used by carrier API authentication."""

import json

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from carriers.models import CarrierCredential
from carriers.services import carrier_credentials_rotate
from carriers.services.signing_cache import carrier_signing_get
from carriers.webhooks import sign_payload

pytestmark = [pytest.mark.django_db, pytest.mark.urls("carriers.tests.urls_carrier_api")]

BODY = json.dumps({"order": "T000000001", "type": "order.accepted", "data": {}}).encode()


def post(secret, code="swift-express"):
    headers = sign_payload(secret=secret, msg_id="msg_1", timestamp=timezone.now(), body=BODY)
    return APIClient().post(
        f"/api/v1/carriers/{code}/echo/", data=BODY, content_type="application/json", headers=headers
    )


def test_a_second_call_reads_nothing(carrier, django_assert_num_queries):
    secret = carrier_credentials_rotate(carrier=carrier)
    assert post(secret).status_code == 200

    with django_assert_num_queries(0):
        assert post(secret).status_code == 200


def test_a_rotation_revokes_the_oldest_secret_at_once(carrier):
    oldest = carrier_credentials_rotate(carrier=carrier)
    assert post(oldest).status_code == 200
    carrier_credentials_rotate(carrier=carrier)
    newest = carrier_credentials_rotate(carrier=carrier)

    assert post(oldest).status_code == 401
    assert post(newest).status_code == 200


def test_deactivating_a_carrier_in_the_admin_applies_at_once(carrier):
    secret = carrier_credentials_rotate(carrier=carrier)
    assert post(secret).status_code == 200

    carrier.active = False
    carrier.save(update_fields=["active"])

    assert post(secret).status_code == 404


def test_a_secret_issued_by_another_process_works_at_once(carrier):
    secret = carrier_credentials_rotate(carrier=carrier)
    assert post(secret).status_code == 200
    # Another process issued a secret: no signal reached this one (a raw insert stands in for it).
    CarrierCredential.objects.bulk_create([CarrierCredential(carrier=carrier, secret=_other_secret())])

    assert post(_other_secret()).status_code == 200


def test_a_revocation_by_another_process_holds_after_the_cache_time(carrier, settings):
    secret = carrier_credentials_rotate(carrier=carrier)
    assert post(secret).status_code == 200
    CarrierCredential.objects.update(revoked_at=timezone.now())  # no signal, as from another process

    assert post(secret).status_code == 200  # still cached here
    settings.CARRIER_CACHE_SECONDS = 0  # the cache time has passed

    assert post(secret).status_code == 401
    assert carrier_signing_get("swift-express").keys == ()


def _other_secret() -> str:
    return "whsec_" + "QUJD" * 11
