"""The admin shows secrets masked and a new one exactly once."""

import pytest
from django.test import Client
from django.urls import reverse

from carriers.models import CarrierCredential
from carriers.services import carrier_active_secrets, carrier_credentials_rotate

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:carriers_carriercredential_changelist"


@pytest.fixture
def admin_client(moderator):
    client = Client()
    client.force_login(moderator)
    return client


def test_changelist_and_detail_show_the_secret_masked(admin_client, carrier):
    secret = carrier_credentials_rotate(carrier=carrier)
    credential = CarrierCredential.objects.get()

    listing = admin_client.get(reverse(CHANGELIST)).content.decode()
    detail = admin_client.get(
        reverse("admin:carriers_carriercredential_change", args=[credential.pk])
    ).content.decode()

    for page in (listing, detail):
        assert f"whsec_…{secret[-4:]}" in page
        assert secret not in page
        assert secret.removeprefix("whsec_")[:-4] not in page


def test_rotate_action_shows_the_new_secret_once(admin_client, carrier, other_carrier):
    old = carrier_credentials_rotate(carrier=carrier)
    credential = CarrierCredential.objects.get()

    response = admin_client.post(
        reverse(CHANGELIST),
        {"action": "rotate_secret", "_selected_action": [credential.pk]},
        follow=True,
    )

    assert response.status_code == 200
    new = carrier_active_secrets(carrier)[0]
    assert carrier_active_secrets(carrier) == [new, old]
    assert carrier_active_secrets(other_carrier) == []
    shown = [str(m) for m in response.context["messages"]]
    assert len(shown) == 1 and new in shown[0]
    assert new not in admin_client.get(reverse(CHANGELIST)).content.decode()


def test_adding_a_secret_rotates_and_shows_it_once(admin_client, carrier):
    response = admin_client.post(
        reverse("admin:carriers_carriercredential_add"), {"carrier": carrier.pk}, follow=True
    )

    assert response.status_code == 200
    credential = CarrierCredential.objects.get()
    assert carrier_active_secrets(carrier) == [credential.secret]
    shown = [str(m) for m in response.context["messages"]]
    assert sum(credential.secret in m for m in shown) == 1
    assert credential.secret not in admin_client.get(reverse(CHANGELIST)).content.decode()
    # The admin history names the credential without its secret.
    from django.contrib.admin.models import LogEntry

    entry = LogEntry.objects.get()
    assert entry.object_id == str(credential.pk)
    assert credential.secret.removeprefix("whsec_") not in entry.object_repr


def test_the_secret_cannot_be_edited(admin_client, carrier):
    carrier_credentials_rotate(carrier=carrier)
    credential = CarrierCredential.objects.get()

    admin_client.post(
        reverse("admin:carriers_carriercredential_change", args=[credential.pk]),
        {"carrier": carrier.pk, "secret": "whsec_AAAA"},
    )

    credential.refresh_from_db()
    assert credential.secret != "whsec_AAAA"
