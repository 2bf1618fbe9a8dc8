"""Claims on the order page and in the admin (DESIGN §10)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from notifications.models import Notification
from orders.models import Claim, ClaimStatus
from orders.services import claims
from orders.tests.carrier_events_support import order_at
from orders.tests.claims_support import PICKED_AT, S, jpeg_upload, pdf_bytes, pdf_upload, picked_up_parcel
from reviews.tests.images import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def hk_bag(demo_carriers):
    return demo_carriers["hk-bag"]


@pytest.fixture
def now(time_machine):
    moment = PICKED_AT + timedelta(days=3)
    time_machine.move_to(moment, tick=False)
    return moment


@pytest.fixture
def client_en(client, customer):
    client.force_login(customer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def admin_client(moderator):
    staff = Client()
    staff.force_login(moderator)
    return staff


def _page(client, order) -> str:
    response = client.get(reverse("orders:detail", args=[order.number]))
    assert response.status_code == 200
    return response.content.decode()


def _file(client, order, **fields):
    data = {"kind": "lost", "amount": "650.00", "description": "整包遗失", **fields}
    return client.post(reverse("orders:claim_file", args=[order.number]), data)


def test_a_picked_up_parcel_offers_the_claim_form(hk_bag, customer, client_en, now):
    order = picked_up_parcel(hk_bag, customer)

    html = _page(client_en, order)

    assert 'data-testid="claim-form"' in html
    assert "claim in writing by 2026-12-01 10:00, one claim per parcel" in html
    assert "Damage to the outer box alone is not damage to the goods." in html
    assert 'accept="application/pdf,image/jpeg,image/png"' in html


def test_an_order_not_picked_up_has_no_claim_card(hk_bag, customer, client_en, now):
    html = _page(client_en, order_at(hk_bag, customer, S.ACCEPTED))

    assert 'data-testid="claim"' not in html


def test_past_the_window_the_page_says_why(hk_bag, customer, client_en, time_machine):
    order = picked_up_parcel(hk_bag, customer, S.SIGNED, signed_remark="内物破损")
    time_machine.move_to(PICKED_AT + timedelta(days=31), tick=False)

    html = _page(client_en, order)

    assert 'data-testid="claim-form"' not in html
    assert "the window for this parcel closed on 2026-12-01 10:00." in html


def test_filing_from_the_page_with_two_documents(hk_bag, customer, client_en, now):
    order = picked_up_parcel(hk_bag, customer)

    response = _file(client_en, order, documents=[pdf_upload(), jpeg_upload()])

    assert response.status_code == 302
    claim = Claim.objects.get(order=order)
    assert (claim.kind, claim.amount, claim.documents.count()) == ("lost", Decimal("650.00"), 2)
    html = _page(client_en, order)
    assert '<dd data-testid="claim-status">Submitted to the carrier</dd>' in html
    assert html.count('data-testid="claim-document"') == 2
    assert "You can add documents until 2027-02-02 10:00." in html
    first = claim.documents.order_by("id").first()
    download = client_en.get(reverse("orders:claim_document", args=[order.number, first.pk]))
    assert b"".join(download.streaming_content) == pdf_bytes()


def test_someone_else_cannot_download_a_document(hk_bag, customer, other_customer, client_en, client, now):
    order = picked_up_parcel(hk_bag, customer)
    _file(client_en, order, documents=[pdf_upload()])
    document = Claim.objects.get(order=order).documents.get()
    client.force_login(other_customer)

    response = client.get(reverse("orders:claim_document", args=[order.number, document.pk]))

    assert response.status_code == 404


def test_a_refused_claim_from_the_page_says_the_rule(hk_bag, customer, client_en, now):
    order = picked_up_parcel(hk_bag, customer, S.SIGNED)

    response = _file(client_en, order, kind="damaged", documents=[pdf_upload()])

    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "The parcel was signed for without a damage remark, so it counts as delivered intact: no claim "
        "for damage or missing goods can be made."
    ]
    assert not Claim.objects.filter(order=order).exists()


def test_a_file_that_is_not_a_document_is_refused_on_the_form(hk_bag, customer, client_en, now):
    order = picked_up_parcel(hk_bag, customer)

    response = _file(
        client_en, order, documents=[upload(b"MZ\x90\x00 not a document", "receipt.pdf", "application/pdf")]
    )

    assert response.status_code == 400
    assert "This file is not a PDF, JPEG or PNG document." in response.content.decode()
    assert not Claim.objects.filter(order=order).exists()


def test_the_page_in_chinese(hk_bag, customer, client, now):
    client.force_login(customer)
    order = picked_up_parcel(hk_bag, customer)

    html = _page(client, order)

    assert "外箱损坏本身不属于货物损坏。" in html


def test_the_outcome_on_the_page(hk_bag, customer, client_en, now):
    order = picked_up_parcel(hk_bag, customer, S.REJECTED)
    _file(client_en, order)
    claim = Claim.objects.get(order=order)
    claims.claim_decide(
        order=order,
        claim_id=claim.pk,
        decision=claims.Decision(
            decision="approved", amount=Decimal("600"), return_freight=Decimal("45"), note="核实"
        ),
        actor="carrier",
    )

    html = _page(client_en, order)

    assert '<dd data-testid="claim-status">Approved</dd>' in html
    assert '<dd data-testid="claim-compensation">HK$600.00</dd>' in html
    assert '<dd data-testid="claim-return-freight">HK$45.00</dd>' in html
    assert '<dd data-testid="claim-paid-out"><strong>HK$555.00</strong></dd>' in html
    assert 'data-testid="claim-documents-form"' not in html


# --- the admin -------------------------------------------------------------------------------------


def _change_url(claim) -> str:
    return reverse("admin:orders_claim_change", args=[claim.pk])


def _admin_post(client, claim, decision: dict, **headers):
    """Post the change form as a browser does, with the documents inline's management fields."""
    page = client.get(_change_url(claim))
    assert 'name="decided_amount"' in page.content.decode()
    formset = page.context["inline_admin_formsets"][0].formset
    data = {f"{formset.prefix}-{k}": v for k, v in formset.management_form.initial.items()}
    for form in formset.forms:
        data.update({f"{form.prefix}-id": form.instance.pk, f"{form.prefix}-claim": claim.pk})
    return client.post(_change_url(claim), {**data, **decision}, **headers)


def test_an_admin_records_the_carriers_decision(hk_bag, customer, client_en, admin_client, now):
    order = picked_up_parcel(hk_bag, customer)
    _file(client_en, order, documents=[pdf_upload()])
    claim = Claim.objects.get(order=order)
    assert admin_client.get(reverse("admin:orders_claim_changelist")).status_code == 200

    response = _admin_post(
        admin_client,
        claim,
        {
            "decision": "approved",
            "decided_amount": "640.00",
            "decided_return_freight": "0",
            "note": "函件决定",
        },
    )

    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.compensation, claim.decided_by) == (
        ClaimStatus.APPROVED,
        Decimal("640.00"),
        "admin",
    )
    assert Notification.objects.filter(order=order, kind="claim_decided").count() == 1


def test_the_admin_refuses_a_compensation_over_the_limit(hk_bag, customer, client_en, admin_client, now):
    order = picked_up_parcel(hk_bag, customer)
    _file(client_en, order)
    claim = Claim.objects.get(order=order)

    response = _admin_post(
        admin_client,
        claim,
        {"decision": "approved", "decided_amount": "650.01", "decided_return_freight": "0", "note": ""},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert "The compensation may not exceed 650.00 HKD" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED


def test_staff_can_download_a_claims_document(hk_bag, customer, client_en, admin_client, now):
    order = picked_up_parcel(hk_bag, customer)
    _file(client_en, order, documents=[pdf_upload()])
    document = Claim.objects.get(order=order).documents.get()

    response = admin_client.get(reverse("orders:claim_document", args=[order.number, document.pk]))

    assert b"".join(response.streaming_content) == pdf_bytes()
