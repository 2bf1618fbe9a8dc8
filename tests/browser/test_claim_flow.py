"""A claim in the browser (DESIGN §10): the owner of a picked-up hk-bag parcel files a claim with two
documents from the order page; the carrier decides over the signed callback on the live server; the
owner sees the outcome."""

import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
import requests
from django.utils import timezone
from playwright.sync_api import expect
from reportlab.pdfgen import canvas

from carriers.services import carrier_credentials_rotate
from carriers.webhooks import sign_payload
from orders.models import Actor, Claim, OutboxMessage, Status
from orders.tests.factories import OrderEventFactory, OrderFactory
from reviews.tests.images import image_bytes
from tests.browser.test_order_page import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _pdf() -> bytes:
    out = io.BytesIO()
    receipt = canvas.Canvas(out)
    receipt.drawString(72, 720, "Sale receipt: 2 sweaters, HKD 800")
    receipt.save()
    return out.getvalue()


def test_file_a_claim_with_two_documents_and_see_the_carriers_decision(
    live_server, seeded_site, page, screenshot
):
    user = log_in(page, live_server.url, "13812340031")
    hk_bag = seeded_site["hk-bag"]
    picked_at = timezone.now() - timedelta(days=2)
    order = OrderFactory(
        user=user,
        carrier=hk_bag,
        contract=hk_bag.contracts.first(),
        status=Status.PICKED_UP,
        status_changed_at=picked_at,
        currency="HKD",
        declared_value=Decimal("800.00"),
        waybill_no="HK20261206001",
        fee_amount=Decimal("60.00"),
        fee_currency="HKD",
        fee_paid=True,
    )
    OrderEventFactory(
        order=order,
        kind="order.picked_up",
        old_status=Status.ACCEPTED,
        new_status=Status.PICKED_UP,
        actor=Actor.CARRIER,
        occurred_at=picked_at,
    )

    page.goto(f"{live_server.url}/orders/{order.number}/")
    form = page.locator("[data-testid=claim-form]")
    expect(form).to_contain_text("Damage to the outer box alone is not damage to the goods.")
    form.locator("select[name=kind]").select_option("lost")
    form.locator("input[name=amount]").fill("650.00")
    form.locator("textarea[name=description]").fill("整包遗失，内有两件毛衣")
    form.locator("input[name=documents]").set_input_files(
        [
            {"name": "receipt.pdf", "mimeType": "application/pdf", "buffer": _pdf()},
            {"name": "parcel.png", "mimeType": "image/png", "buffer": image_bytes("PNG")},
        ]
    )
    screenshot("order-claim-form")
    page.click("[data-testid=claim-submit]")

    expect(page.locator("[data-testid=claim-status]")).to_have_text("Submitted to the carrier")
    expect(page.locator("[data-testid=claim-document]")).to_have_count(2)
    assert "Your claim has been sent to the carrier." in page.locator("body").inner_text()
    claim = Claim.objects.get(order=order)
    assert sorted(claim.documents.values_list("content_type", flat=True)) == ["application/pdf", "image/png"]
    message = OutboxMessage.objects.get(order=order, event_type="claim.created")
    assert [d["content_type"] for d in message.payload["documents"]] == ["application/pdf", "image/png"]

    # The carrier decides, over its signed callback to the live server.
    secret = carrier_credentials_rotate(carrier=hk_bag)
    body = json.dumps(
        {
            "order": order.number,
            "type": "claim.decided",
            "occurred_at": timezone.now().isoformat(),
            "data": {
                "claim": claim.pk,
                "decision": "approved",
                "amount": "600.00",
                "return_freight": "45.00",
                "note": "按售价证明赔偿",
            },
        }
    ).encode()
    headers = sign_payload(secret=secret, msg_id="msg_claim_decided_1", timestamp=timezone.now(), body=body)
    answer = requests.post(
        f"{live_server.url}/api/v1/carriers/{hk_bag.code}/events/",
        data=body,
        headers={**headers, "Content-Type": "application/json"},
        timeout=10,
    )
    assert (answer.status_code, answer.json()) == (200, {"result": "applied"})

    page.reload()
    expect(page.locator("[data-testid=claim-status]")).to_have_text("Approved")
    expect(page.locator("[data-testid=claim-compensation]")).to_have_text("HK$600.00")
    expect(page.locator("[data-testid=claim-return-freight]")).to_have_text("HK$45.00")
    expect(page.locator("[data-testid=claim-paid-out]")).to_have_text("HK$555.00")
    expect(page.locator("[data-testid=claim-note]")).to_have_text("按售价证明赔偿")
    screenshot("order-claim-decided")
