"""What the user reads when a Kuaidi100 or SF carrier turns a booking down or cannot collect the
parcel (DESIGN §3.3, §7.5): the platform's own sentence in the user's language, and the carrier's
words apart, labelled as the carrier's and shown as sent — on the order page, in the notice and in
the API. Bookings go to fake carriers on loopback; callbacks are posted as Kuaidi100 posts them."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from io import StringIO
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from carriers.services.references import carrier_reference_store
from delivery import services as engine
from notifications.models import Notification
from orders.models import Status
from orders.services import outbox
from orders.tests.carrier_events_support import EVENTS_URL, NOW, SHANGHAI, order_at
from simulator.fakes.kuaidi100 import FakeKuaidi100
from simulator.fakes.sf import FakeSF

pytestmark = pytest.mark.django_db

KEY, SECRET, SALT = "k100-key-words", "k100-secret-words", "k100-salt-words"
PARTNER, CHECK_WORD = "WORDSPARTNER", "sf-check-word-words"
SAMPLES = {
    s["status"]: s["param"]
    for s in json.loads((Path(__file__).parent / "data" / "kuaidi100_callbacks.json").read_text("utf-8"))
}
SAMPLE_ORDER_ID = "K10020261122001"
MIDNIGHT = datetime(2026, 11, 23, 0, 0, tzinfo=SHANGHAI)  # the 00:00 after NOW


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def k100_fake():
    with FakeKuaidi100(key=KEY, secret=SECRET, salt=SALT) as server:
        yield server


@pytest.fixture
def k100(carrier, k100_fake, settings):
    settings.PLATFORM_URL = "https://platform.example.com"
    carrier.integration = "kuaidi100"
    carrier.integration_settings = {
        "key": KEY,
        "secret": SECRET,
        "salt": SALT,
        "kuaidicom": "zhongtong",
        "base_url": k100_fake.url,
    }
    carrier.requires_pickup_code = False
    carrier.save(update_fields=["integration", "integration_settings", "requires_pickup_code"])
    return carrier


@pytest.fixture
def sf_fake():
    with FakeSF(partner_id=PARTNER, check_word=CHECK_WORD) as server:
        yield server


@pytest.fixture
def sf(carrier, sf_fake):
    carrier.integration = "sf"
    carrier.integration_settings = {
        "partner_id": PARTNER,
        "check_word": CHECK_WORD,
        "base_url": sf_fake.url + "/std/service",
        "monthly_card": "",
        "express_type_id": "1",
    }
    carrier.requires_pickup_code = False
    carrier.save(update_fields=["integration", "integration_settings", "requires_pickup_code"])
    return carrier


def speaking(customer, language: str):
    customer.language = language
    customer.save(update_fields=["language"])
    return customer


def book(order) -> str:
    with transaction.atomic():
        message = outbox.outbox_message_add(
            order_id=order.pk,
            carrier_id=order.carrier_id,
            event_type="order.created",
            payload=outbox.order_created_payload(order),
        )
    return engine.message_deliver(message_id=message.pk)


def kuaidi100_callback(client, carrier, param: str):
    sign = hashlib.md5((param + SALT).encode()).hexdigest().upper()  # noqa: S324  (their protocol)
    raw = urlencode({"taskId": "TASK000001", "sign": sign, "param": param}).encode()
    response = client.post(
        EVENTS_URL.format(code=carrier.code), data=raw, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200, response.content
    return response


def booked_with_kuaidi100(carrier, customer, status):
    order = order_at(carrier, customer, status, deadline=MIDNIGHT if status == Status.PLACED else None)
    carrier_reference_store(
        carrier=carrier, order_number=order.number, task_id="TASK000001", external_id=SAMPLE_ORDER_ID
    )
    return order


def page(client, customer, order, language: str):
    client.force_login(customer)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("orders:detail", args=[order.number]))
    assert response.status_code == 200
    return response


def api_order(client, customer, order, language: str) -> dict:
    client.force_login(customer)
    response = client.get(reverse("api-order-detail", args=[order.number]), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.json()


# --- a booking the carrier turns down ------------------------------------------------------------


def test_a_kuaidi100_refusal_is_explained_in_english_and_the_carriers_words_kept_apart(
    client, k100, customer, k100_fake
):
    speaking(customer, "en")
    order = order_at(k100, customer, Status.PLACED, deadline=MIDNIGHT)
    k100_fake.script = [("refuse", "10002", "寄件地址超出服务范围")]

    assert book(order) == engine.Outcome.FAILED

    [notice] = Notification.objects.filter(order=order)
    assert (notice.kind, notice.title, notice.body) == (
        "dispatch_failed",
        f"The carrier could not take order {order.number}",
        "The carrier turned the booking down, so no courier will come for this order. Cancel it and "
        "book again, with another carrier or with corrected details.\n"
        "Carrier's message (as sent): 寄件地址超出服务范围\n"
        "Unless you cancel it, the order expires at 2026-11-23 00:00.",
    )
    response = page(client, customer, order, "en")
    html = response.content.decode()
    assert 'data-testid="booking-refused"' in html
    assert 'data-testid="dispatch-failed"' not in html  # not "still looking for a courier"
    assert "<strong>The carrier could not take this booking</strong>" in html
    assert (
        "<div>The carrier turned the booking down, so no courier will come for this order. Cancel it "
        "and book again, with another carrier or with corrected details.</div>"
    ) in html
    assert (
        'Carrier\'s message (as sent): <span data-testid="carrier-message">寄件地址超出服务范围</span>'
    ) in html
    assert "Unless you cancel it, the order expires at 2026-11-23 00:00." in html
    [entry] = [e for e in response.context["events"] if e.kind == "order.dispatch_failed"]
    assert (entry.title, entry.note_label, entry.note) == (
        "Booking turned down by the carrier",
        "Carrier's message (as sent)",
        "寄件地址超出服务范围",
    )


def test_an_sf_refusal_is_explained_in_traditional_chinese(client, sf, customer, sf_fake):
    speaking(customer, "zh-hant")
    order = order_at(sf, customer, Status.PLACED, deadline=MIDNIGHT)
    sf_fake.script = [("refuse", "1010", "寄件地址超出收派范围")]

    assert book(order) == engine.Outcome.FAILED

    [notice] = Notification.objects.filter(order=order)
    assert (notice.title, notice.body) == (
        f"快遞公司無法受理訂單 {order.number}",
        "快遞公司拒絕受理此訂單，不會有快遞員上門攬收。請取消訂單後重新下單：換一家快遞公司，或更正訂單資訊。\n"
        "快遞公司的原話：寄件地址超出收派范围\n"
        "如您不取消，訂單將於 2026-11-23 00:00 失效。",
    )
    html = page(client, customer, order, "zh-hant").content.decode()
    assert "<strong>快遞公司無法受理此訂單</strong>" in html
    assert '快遞公司的原話: <span data-testid="carrier-message">寄件地址超出收派范围</span>' in html
    assert "如您不取消，訂單將於 2026-11-23 00:00 失效。" in html


def test_kuaidi100s_booking_failed_callback_is_a_refusal_told_the_same_way(client, k100, customer):
    speaking(customer, "en")
    order = booked_with_kuaidi100(k100, customer, Status.PLACED)

    kuaidi100_callback(client, k100, SAMPLES["610"])

    order.refresh_from_db()
    assert (order.status, order.deadline) == (Status.PLACED, MIDNIGHT)
    [notice] = Notification.objects.filter(order=order)
    assert notice.title == f"The carrier could not take order {order.number}"
    assert "Carrier's message (as sent): 超出服务范围" in notice.body.splitlines()
    html = page(client, customer, order, "en").content.decode()
    assert '<span data-testid="carrier-message">超出服务范围</span>' in html
    [event] = [e for e in api_order(client, customer, order, "en")["events"] if e["actor"] == "carrier"]
    assert (event["kind"], event["note"], event["data"]) == (
        "order.dispatch_failed",
        "超出服务范围",
        {"reason": "超出服务范围", "refused": True},
    )


def test_a_carrier_still_looking_for_a_courier_is_not_told_as_a_refusal(client, k100, customer):
    """A Standard-Webhooks style ``order.dispatch_failed`` without ``refused``: the old words."""
    from orders.services.carrier_events import carrier_event_apply

    speaking(customer, "en")
    order = order_at(k100, customer, Status.PLACED, deadline=MIDNIGHT)
    carrier_event_apply(
        carrier=k100,
        webhook_id="msg_still_looking",
        order_number=order.number,
        type="order.dispatch_failed",
        occurred_at=NOW,
        data={"reason": "附近无空闲快递员"},
    )

    [notice] = Notification.objects.filter(order=order)
    assert notice.title == f"No courier found yet for order {order.number}"
    html = page(client, customer, order, "en").content.decode()
    assert 'data-testid="dispatch-failed"' in html
    assert 'data-testid="booking-refused"' not in html


# --- 揽货失败: the pickup exception "other" ---------------------------------------------------------


def test_pickup_failed_opens_the_exception_other_told_in_english(client, k100, customer):
    speaking(customer, "en")
    order = booked_with_kuaidi100(k100, customer, Status.ACCEPTED)

    kuaidi100_callback(client, k100, SAMPLES["11"])

    order.refresh_from_db()
    assert (order.status, order.exception_code, order.exception_note, order.deadline) == (
        Status.ACCEPTED,
        "other",
        "联系不上寄件人",
        MIDNIGHT,
    )
    [notice] = Notification.objects.filter(order=order)
    assert (notice.kind, notice.requires_action) == ("pickup_exception", True)
    assert notice.body.splitlines()[:3] == [
        "Problem reported by the courier: the courier could not collect the parcel, for another reason",
        "Courier's note: 联系不上寄件人",
        "Call the courier to find out what stopped the pickup (the courier's note may say) and agree on "
        "how it can go ahead.",
    ]
    response = page(client, customer, order, "en")
    html = response.content.decode()
    assert (
        "<strong>The courier could not collect the parcel: Another reason: the parcel could not be "
        "collected</strong>"
    ) in html
    assert 'Courier\'s note (as sent): <span data-testid="exception-note">联系不上寄件人</span>' in html
    assert (
        '<div data-testid="exception-advice">Call the courier to find out what stopped the pickup (the '
        "courier&#x27;s note may say) and agree on how it can go ahead.</div>"
    ) in html
    [entry] = [e for e in response.context["events"] if e.kind == "order.pickup_exception"]
    assert (entry.title, entry.detail, entry.note) == (
        "Pickup problem reported",
        "Another reason: the parcel could not be collected",
        "联系不上寄件人",
    )
    assert api_order(client, customer, order, "en")["exception"] == {
        "code": "other",
        "label": "Another reason: the parcel could not be collected",
        "note": "联系不上寄件人",
    }


def test_pickup_failed_is_told_in_traditional_chinese(client, k100, customer):
    speaking(customer, "zh-hant")
    order = booked_with_kuaidi100(k100, customer, Status.ACCEPTED)

    kuaidi100_callback(client, k100, SAMPLES["11"])

    [notice] = Notification.objects.filter(order=order)
    assert "其他原因，無法攬收" in notice.body.splitlines()[0]
    html = page(client, customer, order, "zh-hant").content.decode()
    assert "快遞員未能攬收包裹: 其他原因，無法攬收</strong>" in html
    assert '快遞員備註（原文）: <span data-testid="exception-note">联系不上寄件人</span>' in html
    assert api_order(client, customer, order, "zh-hant")["exception"]["label"] == "其他原因，無法攬收"


def test_pickup_failed_expires_at_the_next_midnight_unless_resolved(client, k100, customer):
    order = booked_with_kuaidi100(k100, customer, Status.ACCEPTED)
    kuaidi100_callback(client, k100, SAMPLES["11"])

    call_command("expire_orders", as_of="2026-11-22T23:59:59+08:00", stdout=StringIO())
    order.refresh_from_db()
    assert order.status == Status.ACCEPTED

    call_command("expire_orders", as_of="2026-11-23T00:00:00+08:00", stdout=StringIO())
    order.refresh_from_db()
    assert (order.status, order.exception_code) == (Status.EXPIRED, "other")


def test_the_api_schema_lists_other_among_the_pickup_exception_codes_and_refused(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    components = schema["components"]["schemas"]
    assert components["PickupExceptionEnum"]["enum"] == [
        "phone_invalid",
        "cannot_enter",
        "unreachable",
        "not_acceptable",
        "customer_cancel",
        "duplicate_order",
        "other",
    ]
    assert components["DispatchFailedData"]["properties"]["refused"]["type"] == "boolean"
