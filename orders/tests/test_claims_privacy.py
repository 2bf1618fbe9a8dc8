"""A user's claims in the data export, and after the account is deleted (DESIGN §6, §10)."""

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from rest_framework.test import APIClient

from orders.models import Claim, ClaimDocument, OutboxMessage
from orders.tests.claims_support import PICKED_AT, claim_post, pdf_upload, picked_up_parcel, png_upload
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

DESCRIPTION = "收件人张三 13900139000 说没收到，两件毛衣"


@pytest.fixture
def filed(demo_carriers, customer, customer_client, time_machine):
    time_machine.move_to(PICKED_AT + timedelta(days=2), tick=False)
    order = picked_up_parcel(demo_carriers["hk-bag"], customer)
    response = claim_post(
        customer_client, order, description=DESCRIPTION, documents=[pdf_upload(), png_upload()]
    )
    assert response.status_code == 201
    return Claim.objects.get(order=order)


def test_the_export_holds_the_claim(filed, customer_client):
    exported = customer_client.get("/api/v1/me/export/").json()

    [claim] = [c for o in exported["orders"] for c in o["claims"]]
    assert (claim["kind"], claim["amount"], claim["description"], claim["status"]) == (
        "lost",
        {"amount": "500.00", "currency": "HKD"},
        DESCRIPTION,
        "submitted",
    )
    assert [d["content_type"] for d in claim["documents"]] == ["application/pdf", "image/png"]


def test_deleting_the_account_keeps_the_claim_anonymised_and_deletes_its_documents(filed, customer):
    names = [d.file.name for d in filed.documents.all()]
    assert all(default_storage.exists(name) for name in names)
    api = APIClient()
    api.force_authenticate(customer)

    response = api.delete("/api/v1/me/", {"password": PASSWORD}, format="json")

    assert response.status_code == 204
    filed.refresh_from_db()
    assert (filed.status, str(filed.amount)) == ("submitted", "500.00")
    assert "张三" not in filed.description and "13900139000" not in filed.description
    assert ClaimDocument.objects.count() == 0
    assert not any(default_storage.exists(name) for name in names)
    payload = OutboxMessage.objects.get(order=filed.order, event_type="claim.created").payload
    assert "13900139000" not in payload["description"]
