"""Filing a claim (DESIGN §10; 003 §11–12): each rule on both sides of its clock, each refusal in
words, documents checked by content, and what the carrier receives through the outbox."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from delivery.models import Message
from orders.models import Claim, ClaimDocument, OrderEvent, OutboxMessage
from orders.tests.carrier_events_support import order_at
from orders.tests.claims_support import (
    DOCUMENTS_URL,
    PICKED_AT,
    S,
    claim_post,
    jpeg_upload,
    pdf_bytes,
    pdf_upload,
    picked_up_parcel,
    png_upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def hk_bag(demo_carriers):
    return demo_carriers["hk-bag"]


@pytest.fixture
def now(time_machine):
    moment = PICKED_AT + timedelta(days=3)
    time_machine.move_to(moment, tick=False)
    return moment


def _nothing_stored(order, events_before: int = 1) -> None:
    assert Claim.objects.filter(order=order).count() == 0
    assert ClaimDocument.objects.count() == 0
    assert OutboxMessage.objects.filter(order=order).count() == 0
    assert OrderEvent.objects.filter(order=order).count() == events_before


# --- filing --------------------------------------------------------------------------------------


def test_the_owner_files_a_claim_with_two_documents(
    hk_bag, customer, customer_client, now, django_assert_num_queries, settings
):
    order = picked_up_parcel(hk_bag, customer, S.IN_TRANSIT)

    # The order; the lock; pickup time, existing claim; the claim, its documents (one INSERT), the
    # timeline entry (savepoint pair around it), the outbox rows (2); the transaction's savepoints.
    with django_assert_num_queries(13):
        response = claim_post(
            customer_client,
            order,
            documents=[pdf_upload(), jpeg_upload()],
            amount="650.00",
            description="整包遗失，内有两件毛衣",
        )

    assert response.status_code == 201
    claim = Claim.objects.get(order=order)
    due = now + timedelta(days=90)
    assert response.json() == {
        "id": claim.pk,
        "status": "submitted",
        "documents_due_at": timezone.localtime(due).isoformat(),
    }
    assert (claim.kind, claim.amount, claim.currency, claim.documents_due_at) == (
        "lost",
        Decimal("650.00"),
        "HKD",
        due,
    )
    pdf, jpeg = claim.documents.order_by("id")
    assert (pdf.content_type, jpeg.content_type) == ("application/pdf", "image/jpeg")
    assert pdf.file.read() == pdf_bytes()  # a PDF is kept as sent
    stored = Image.open(io.BytesIO(jpeg.file.read()))
    assert (stored.format, dict(stored.getexif())) == ("JPEG", {})  # no GPS left

    [message] = OutboxMessage.objects.filter(order=order)
    assert (message.event_type, message.carrier_id) == ("claim.created", hk_bag.pk)
    links = message.payload.pop("documents")
    assert message.payload == {
        "claim": claim.pk,
        "order": order.number,
        "waybill_no": "HK123456789",
        "kind": "lost",
        "amount": {"amount": "650.00", "currency": "HKD"},
        "declared_value": {"amount": "800.00", "currency": "HKD"},
        "description": "整包遗失，内有两件毛衣",
        "filed_at": timezone.localtime(now).isoformat(),
        "documents_due_at": timezone.localtime(due).isoformat(),
    }
    expires = timezone.localtime(now + timedelta(seconds=settings.CLAIM_DOCUMENT_LINK_SECONDS)).isoformat()
    assert [(d["id"], d["content_type"], d["size"], d["expires_at"]) for d in links] == [
        (pdf.pk, "application/pdf", pdf.size, expires),
        (jpeg.pk, "image/jpeg", jpeg.size, expires),
    ]
    assert all(d["url"].startswith(f"{settings.PLATFORM_URL}/claims/documents/") for d in links)
    filed = OrderEvent.objects.get(order=order, kind="claim.filed")
    assert (filed.actor, filed.actor_user, filed.data) == (
        "user",
        customer,
        {"claim": claim.pk, "kind": "lost", "amount": "650.00", "documents": 2},
    )
    detail = customer_client.get(f"/api/v1/orders/{order.number}/").json()
    [shown] = detail["claims"]
    assert (shown["id"], shown["status"], shown["amount"], shown["decision"]) == (
        claim.pk,
        "submitted",
        {"amount": "650.00", "currency": "HKD"},
        None,
    )
    assert [d["content_type"] for d in shown["documents"]] == ["application/pdf", "image/jpeg"]


def test_a_claim_may_be_filed_without_documents_and_they_follow(hk_bag, customer, customer_client, now):
    order = picked_up_parcel(hk_bag, customer)

    response = claim_post(customer_client, order)

    assert response.status_code == 201
    assert Claim.objects.get(order=order).documents.count() == 0


@pytest.mark.parametrize(
    ("after_pickup", "code"),
    [(timedelta(days=30), 201), (timedelta(days=30, seconds=1), 409)],
    ids=["last-moment", "one-second-late"],
)
def test_the_claim_window_is_30_days_from_pickup(
    hk_bag, customer, customer_client, time_machine, after_pickup, code
):
    order = picked_up_parcel(hk_bag, customer, S.SIGNED, signed_remark="外箱破损，内物碎裂")
    time_machine.move_to(PICKED_AT + after_pickup, tick=False)

    response = claim_post(customer_client, order, kind="damaged")

    assert response.status_code == code
    if code == 409:
        assert response.json() == {
            "error": "Claims must be made in writing within 30 days of pickup; the window for this "
            "parcel closed on 2026-12-01 10:00.",
            "rule": "claim_window_closed",
        }
        _nothing_stored(order, events_before=2)


def test_the_window_is_the_carriers_setting(hk_bag, customer, customer_client, time_machine):
    hk_bag.claim_window_days = 7
    hk_bag.save(update_fields=["claim_window_days"])
    order = picked_up_parcel(hk_bag, customer)
    time_machine.move_to(PICKED_AT + timedelta(days=7, seconds=1), tick=False)

    response = claim_post(customer_client, order)

    assert response.json()["rule"] == "claim_window_closed"


REFUSALS = {
    "not_picked_up": "A claim can only be made about a parcel the carrier has picked up.",
    "claim_exists": "Only one claim can be made per parcel, and this parcel has one.",
    "freight_unpaid": "No claim is accepted while the freight is unpaid, and a claim never offsets the freight.",
    "delivered_intact": "The parcel was signed for without a damage remark, so it counts as delivered intact: "
    "no claim for damage or missing goods can be made.",
}


@pytest.mark.parametrize("status", [S.PLACED, S.ACCEPTED, S.CANCELLED, S.EXPIRED])
def test_a_parcel_never_picked_up_cannot_be_claimed(hk_bag, customer, customer_client, now, status):
    order = order_at(hk_bag, customer, status)

    response = claim_post(customer_client, order)

    assert response.status_code == 409
    assert response.json() == {"error": REFUSALS["not_picked_up"], "rule": "not_picked_up"}
    _nothing_stored(order, events_before=0)


def test_one_claim_per_parcel(hk_bag, customer, customer_client, now):
    order = picked_up_parcel(hk_bag, customer)
    assert claim_post(customer_client, order).status_code == 201

    response = claim_post(customer_client, order, kind="short", documents=[png_upload()])

    assert response.status_code == 409
    assert response.json() == {"error": REFUSALS["claim_exists"], "rule": "claim_exists"}
    assert Claim.objects.filter(order=order).count() == 1
    assert ClaimDocument.objects.count() == 0
    assert OutboxMessage.objects.filter(order=order).count() == 1


def test_no_claim_while_the_freight_is_unpaid(hk_bag, customer, customer_client, now):
    order = picked_up_parcel(hk_bag, customer, payer="recipient", fee_paid=False)

    response = claim_post(customer_client, order)

    assert response.status_code == 409
    assert response.json() == {"error": REFUSALS["freight_unpaid"], "rule": "freight_unpaid"}
    _nothing_stored(order)


def test_once_the_recipient_paid_the_claim_is_accepted(hk_bag, customer, customer_client, now):
    order = picked_up_parcel(hk_bag, customer, payer="recipient", fee_paid=True)

    assert claim_post(customer_client, order).status_code == 201


@pytest.mark.parametrize("kind", ["damaged", "short"])
def test_damage_or_shortage_on_a_parcel_signed_without_a_remark_is_refused(
    hk_bag, customer, customer_client, now, kind
):
    order = picked_up_parcel(hk_bag, customer, S.SIGNED)

    response = claim_post(customer_client, order, kind=kind)

    assert response.status_code == 409
    assert response.json() == {"error": REFUSALS["delivered_intact"], "rule": "delivered_intact"}
    _nothing_stored(order, events_before=2)


@pytest.mark.parametrize("kind", ["damaged", "short"])
def test_damage_or_shortage_noted_at_signing_may_be_claimed(hk_bag, customer, customer_client, now, kind):
    order = picked_up_parcel(hk_bag, customer, S.SIGNED, signed_remark="收件时发现内物破损")

    assert claim_post(customer_client, order, kind=kind).status_code == 201


def test_a_loss_may_be_claimed_on_a_parcel_signed_without_a_remark(hk_bag, customer, customer_client, now):
    order = picked_up_parcel(hk_bag, customer, S.SIGNED)

    assert claim_post(customer_client, order, kind="lost").status_code == 201


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("zh-hans", "每个包裹只能索赔一次，此包裹已有索赔。"),
        ("zh-hant", "每個包裹只能索賠一次，此包裹已有索賠。"),
        ("en", REFUSALS["claim_exists"]),
    ],
)
def test_the_rule_is_in_the_users_language(hk_bag, customer, customer_client, now, language, message):
    order = picked_up_parcel(hk_bag, customer)
    claim_post(customer_client, order)

    response = claim_post(customer_client, order, language=language)

    assert response.json() == {"error": message, "rule": "claim_exists"}


def test_another_users_order_is_404(hk_bag, customer, other_customer, api_client, now):
    order = picked_up_parcel(hk_bag, customer)
    api_client.force_authenticate(other_customer)

    response = claim_post(api_client, order)

    assert response.status_code == 404
    _nothing_stored(order)


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"kind": "stolen"}, {"kind": ['"stolen" is not a valid choice.']}),
        ({"amount": "0"}, {"amount": ["Ensure this value is greater than or equal to 0.01."]}),
        ({"amount": "abc"}, {"amount": ["A valid number is required."]}),
        ({"description": ""}, {"description": ["This field may not be blank."]}),
    ],
)
def test_bad_fields_are_400(hk_bag, customer, customer_client, now, fields, errors):
    order = picked_up_parcel(hk_bag, customer)

    response = claim_post(customer_client, order, **fields)

    assert (response.status_code, response.json()) == (400, errors)
    _nothing_stored(order)


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("receipt.pdf", b"%PDF-1.4 not really a pdf", content_type="application/pdf"),
        SimpleUploadedFile("receipt.pdf", b"<html>hello</html>", content_type="application/pdf"),
        SimpleUploadedFile("photo.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", content_type="image/gif"),
    ],
    ids=["fake-pdf", "html-named-pdf", "gif"],
)
def test_a_document_is_checked_by_its_content(hk_bag, customer, customer_client, now, upload):
    order = picked_up_parcel(hk_bag, customer)

    response = claim_post(customer_client, order, documents=[pdf_upload(), upload])

    assert (response.status_code, response.json()) == (
        400,
        {"documents": ["This file is not a PDF, JPEG or PNG document."]},
    )
    _nothing_stored(order)


def test_at_most_ten_documents_per_claim(hk_bag, customer, customer_client, now):
    order = picked_up_parcel(hk_bag, customer)
    claim_post(customer_client, order, documents=[png_upload() for _ in range(6)])
    claim = Claim.objects.get(order=order)

    response = customer_client.post(
        DOCUMENTS_URL.format(number=order.number, claim=claim.pk),
        {"documents": [png_upload() for _ in range(5)]},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert (response.status_code, response.json()) == (
        400,
        {"documents": ["At most 10 documents per claim."]},
    )
    assert claim.documents.count() == 6


# --- documents after the claim --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("after_claim", "code"),
    [(timedelta(days=90), 201), (timedelta(days=90, seconds=1), 409)],
    ids=["last-moment", "one-second-late"],
)
def test_documents_can_be_added_until_90_days_after_the_claim(
    hk_bag, customer, customer_client, now, time_machine, after_claim, code
):
    order = picked_up_parcel(hk_bag, customer)
    claim_post(customer_client, order, documents=[pdf_upload()])
    claim = Claim.objects.get(order=order)
    time_machine.move_to(now + after_claim, tick=False)

    response = customer_client.post(
        DOCUMENTS_URL.format(number=order.number, claim=claim.pk),
        {"documents": [png_upload(), jpeg_upload()]},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == code
    messages = OutboxMessage.objects.filter(order=order).order_by("created_at")
    if code == 201:
        assert [d["content_type"] for d in response.json()] == ["image/png", "image/jpeg"]
        assert claim.documents.count() == 3
        assert [m.event_type for m in messages] == ["claim.created", "claim.documents_added"]
        added = messages[1].payload
        assert (added["claim"], [d["content_type"] for d in added["documents"]]) == (
            claim.pk,
            ["image/png", "image/jpeg"],
        )
    else:
        assert response.json() == {
            "error": "Documents for a claim can be added until 2027-02-02 10:00; that time has passed.",
            "rule": "documents_window_closed",
        }
        assert claim.documents.count() == 1
        assert [m.event_type for m in messages] == ["claim.created"]


def test_documents_for_someone_elses_claim_are_404(hk_bag, customer, other_customer, api_client, now):
    order = picked_up_parcel(hk_bag, customer)
    api_client.force_authenticate(customer)
    claim_post(api_client, order)
    claim = Claim.objects.get(order=order)
    api_client.force_authenticate(other_customer)

    response = api_client.post(
        DOCUMENTS_URL.format(number=order.number, claim=claim.pk),
        {"documents": [png_upload()]},
        format="multipart",
    )

    assert response.status_code == 404
    assert claim.documents.count() == 0


# --- the carrier's signed links ------------------------------------------------------------------


def _link(order) -> str:
    message = OutboxMessage.objects.get(order=order, event_type="claim.created")
    return message.payload["documents"][0]["url"]


def test_the_carrier_fetches_a_document_by_its_signed_link(
    hk_bag, customer, customer_client, client, now, settings
):
    order = picked_up_parcel(hk_bag, customer)
    claim_post(customer_client, order, documents=[pdf_upload()])
    path = _link(order).removeprefix(settings.PLATFORM_URL)

    response = client.get(path)

    assert response.status_code == 200
    assert (response["Content-Type"], b"".join(response.streaming_content)) == (
        "application/pdf",
        pdf_bytes(),
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize(
    ("later", "code"), [(timedelta(seconds=0), 200), (timedelta(seconds=1), 404)], ids=["at-expiry", "after"]
)
def test_a_link_expires(hk_bag, customer, customer_client, client, now, time_machine, settings, later, code):
    order = picked_up_parcel(hk_bag, customer)
    claim_post(customer_client, order, documents=[pdf_upload()])
    path = _link(order).removeprefix(settings.PLATFORM_URL)
    time_machine.move_to(now + timedelta(seconds=settings.CLAIM_DOCUMENT_LINK_SECONDS) + later, tick=False)

    assert client.get(path).status_code == code


def test_an_altered_link_is_404(hk_bag, customer, customer_client, client, now, settings):
    order = picked_up_parcel(hk_bag, customer)
    claim_post(customer_client, order, documents=[pdf_upload(), png_upload()])
    path = _link(order).removeprefix(settings.PLATFORM_URL)
    first, second = ClaimDocument.objects.order_by("id")
    forged = path.replace(f"/documents/{first.pk}:", f"/documents/{second.pk}:")

    assert forged != path
    assert client.get(forged).status_code == 404


def test_the_message_goes_out_through_the_delivery_engine(hk_bag, customer, customer_client, now):
    order = picked_up_parcel(hk_bag, customer)

    claim_post(customer_client, order)

    [message] = Message.objects.filter(event_type="claim.created")
    assert (message.channel, message.recipient) == ("carrier", str(hk_bag.pk))
