"""SF 丰桥 (DESIGN §7.5) through HTTP: bookings and cancels against a fake SF on loopback, pushes
posted to the platform as SF posts them (recorded sample messages, several routes per request),
msgDigest checked against the formula computed here with hashlib and base64."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote_plus, urlencode

import pytest
from django.db import transaction

from carriers.integrations import INTEGRATIONS, integration_for, integration_override_register
from carriers.integrations.configuration import carrier_integration_configure
from carriers.integrations.registry import OVERRIDES
from carriers.integrations.sf import SF
from carriers.models import CarrierEvent, CarrierExchange, CarrierOrderReference
from delivery import services as engine
from delivery.models import Attempt
from orders.models import OrderEvent, OutboxMessage, Status
from orders.services import outbox
from orders.tests.carrier_events_support import EVENTS_URL, NOW, order_at
from simulator.fakes.sf import FakeSF

pytestmark = pytest.mark.django_db

PARTNER, CHECK_WORD = "TESTPARTNER01", "sf-check-word-test"
SAMPLES = json.loads((Path(__file__).parent / "data" / "sf_pushes.json").read_text("utf-8"))
ACK = '{"return_code":"0000","return_msg":"成功"}'.encode()
TIMESTAMP = "1795312200000"


def digest(msg_data: str, timestamp: str, check_word: str = CHECK_WORD) -> str:
    return base64.b64encode(
        hashlib.md5(quote_plus(msg_data + timestamp + check_word).encode()).digest()  # noqa: S324
    ).decode()


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def fake():
    with FakeSF(partner_id=PARTNER, check_word=CHECK_WORD) as server:
        yield server


@pytest.fixture
def sf(carrier, fake):
    return carrier_integration_configure(
        carrier=carrier,
        integration="sf",
        values={
            "partner_id": PARTNER,
            "check_word": CHECK_WORD,
            "base_url": fake.url + "/std/service",
            "monthly_card": "7551234567",
            "express_type_id": "2",
        },
    )


def push(client, carrier, msg_data: str, *, check_word: str = CHECK_WORD, service="RoutePushService"):
    raw = urlencode(
        {
            "partnerID": PARTNER,
            "requestID": "c2d6a8f4-2f71-4d55-9d1e-0b8f3f1c9a10",
            "serviceCode": service,
            "timestamp": TIMESTAMP,
            "msgDigest": digest(msg_data, TIMESTAMP, check_word),
            "msgData": msg_data,
        }
    ).encode()
    return client.post(
        EVENTS_URL.format(code=carrier.code), data=raw, content_type="application/x-www-form-urlencoded"
    )


def outbox_message(order, event_type="order.created", payload=None):
    with transaction.atomic():
        return outbox.outbox_message_add(
            order_id=order.pk,
            carrier_id=order.carrier_id,
            event_type=event_type,
            payload=payload if payload is not None else outbox.order_created_payload(order),
        )


def test_the_digest_vector_matches_sfs_formula():
    # Computed once with hashlib: Base64(MD5(quote_plus('{"a":"b c"}' + '1764300000000' + 'word'))).
    assert digest('{"a":"b c"}', "1764300000000", "word") == "8YBKW53yqWhyDVQ6/sw4RA=="
    from carriers.integrations.sf import msg_digest

    assert msg_digest(msg_data='{"a":"b c"}', timestamp="1764300000000", check_word="word") == (
        "8YBKW53yqWhyDVQ6/sw4RA=="
    )


def test_the_carrier_is_served_by_sf(sf):
    assert isinstance(integration_for(sf), SF)


def test_a_booking_is_posted_signed_with_every_field_from_the_order(sf, customer, fake):
    order = order_at(sf, customer, Status.PLACED, payer="recipient")

    assert engine.message_deliver(message_id=outbox_message(order).pk) == engine.Outcome.SENT

    [form] = fake.calls
    assert set(form) == {"partnerID", "requestID", "serviceCode", "timestamp", "msgData", "msgDigest"}
    assert (form["partnerID"], form["serviceCode"], form["timestamp"]) == (
        PARTNER,
        "EXP_RECE_CREATE_ORDER",
        str(int(NOW.timestamp() * 1000)),
    )
    assert form["msgDigest"] == digest(form["msgData"], form["timestamp"])
    sender = {"contact": "张三", "mobile": "13800138000", "province": "广东省", "city": "深圳市"}
    recipient = {"contact": "李四", "mobile": "13900139000", "province": "北京市", "city": "北京市"}
    assert json.loads(form["msgData"]) == {
        "language": "zh-CN",
        "orderId": order.number,
        "contactInfoList": [
            {"contactType": 1, **sender, "county": "南山区", "address": "科技园科苑路1号"},
            {"contactType": 2, **recipient, "county": "朝阳区", "address": "建国路88号"},
        ],
        "cargoDetails": [{"name": "冬季外套", "count": 1, "weight": 1.5}],
        "totalWeight": 1.5,
        "payMethod": 2,
        "isDocall": 1,
        "sendStartTm": "2026-11-23 10:00:00",
        "expressTypeId": 2,
        "monthlyCard": "7551234567",
        "remark": "冬季外套",
    }
    reference = CarrierOrderReference.objects.get()
    assert (reference.order_number, reference.waybill_numbers) == (order.number, ["SF0000000000001"])
    exchange = CarrierExchange.objects.get()
    assert exchange.request["msgData"]["contactInfoList"][0]["mobile"] == "138****8000"
    assert CHECK_WORD not in json.dumps(exchange.request)


def test_a_create_that_timed_out_after_sf_took_it_counts_as_delivered_on_the_retry(
    sf, customer, fake, monkeypatch
):
    monkeypatch.setattr(INTEGRATIONS["sf"], "timeout", 0.3)
    order = order_at(sf, customer, Status.PLACED)
    fake.script = ["book_then_hang"]
    message = outbox_message(order)

    assert engine.message_deliver(message_id=message.pk) == engine.Outcome.RETRY
    assert (
        engine.message_deliver(message_id=message.pk, now=NOW + timedelta(minutes=1)) == engine.Outcome.SENT
    )

    assert len(fake.calls) == 2
    assert list(fake.orders) == [order.number]  # booked once
    assert list(Attempt.objects.order_by("number").values_list("outcome", flat=True)) == ["retry", "sent"]
    assert OutboxMessage.objects.get(pk=message.pk).status == "sent"


def test_a_system_error_is_retried(sf, customer, fake):
    order = order_at(sf, customer, Status.PLACED)
    fake.script = ["system"]
    message = outbox_message(order)

    assert engine.message_deliver(message_id=message.pk) == engine.Outcome.RETRY
    assert OutboxMessage.objects.get(pk=message.pk).last_error == "SF A1011 系统繁忙"
    assert (
        engine.message_deliver(message_id=message.pk, now=NOW + timedelta(minutes=1)) == engine.Outcome.SENT
    )
    assert list(fake.orders) == [order.number]


def test_a_business_refusal_fails_for_good_and_tells_the_user(sf, customer, fake):
    order = order_at(sf, customer, Status.PLACED)
    fake.script = [("refuse", "1010", "寄件地址超出收派范围")]
    message = outbox_message(order)

    assert engine.message_deliver(message_id=message.pk) == engine.Outcome.FAILED

    assert OutboxMessage.objects.get(pk=message.pk).last_error == "SF 1010 寄件地址超出收派范围"
    [entry] = OrderEvent.objects.filter(order=order, actor="carrier")
    assert (entry.kind, entry.note) == ("order.dispatch_failed", "寄件地址超出收派范围")


def test_a_cancel_is_sent_as_an_update_with_deal_type_2(sf, customer, fake):
    order = order_at(sf, customer, Status.PLACED)
    assert engine.message_deliver(message_id=outbox_message(order).pk) == engine.Outcome.SENT
    payload = outbox.order_cancelled_payload(
        number=order.number, reason="changed_mind", by="user", occurred_at=NOW
    )

    assert engine.message_deliver(message_id=outbox_message(order, "order.cancelled", payload).pk) == "sent"

    form = fake.calls[-1]
    assert form["serviceCode"] == "EXP_RECE_UPDATE_ORDER"
    assert json.loads(form["msgData"]) == {"orderId": order.number, "dealType": 2, "language": "zh-CN"}
    assert fake.orders[order.number].cancelled is True


@pytest.mark.parametrize("sample", SAMPLES, ids=[s["name"] for s in SAMPLES])
def test_every_row_of_the_tables_through_http(client, sf, customer, sample):
    order = order_at(sf, customer, sample["order_status"])

    response = push(client, sf, sample["msgData"].replace("__ORDER__", order.number))

    assert (response.status_code, response.content) == (200, ACK)
    order.refresh_from_db()
    assert order.status == sample["status_after"]
    [log] = CarrierEvent.objects.all()
    assert (log.type, log.result, log.order_number) == (sample["type"], sample["result"], order.number)
    assert OrderEvent.objects.get(order=order, actor="carrier").kind == sample["type"]


def test_several_routes_in_one_push_are_each_an_event_and_a_repeat_is_a_duplicate(client, sf, customer):
    order = order_at(sf, customer, Status.ACCEPTED)
    by_name = {s["name"]: s for s in SAMPLES}
    routes = [
        json.loads(by_name[name]["msgData"])["Body"]["WaybillRoute"][0]
        for name in ("route-50", "route-other", "route-44")
    ]
    for minutes, route in zip((30, 20, 10), routes, strict=True):
        route["orderid"] = order.number
        route["acceptTime"] = (NOW - timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M:%S")
    msg_data = json.dumps({"Body": {"WaybillRoute": routes}}, ensure_ascii=False)

    assert push(client, sf, msg_data).content == ACK
    assert push(client, sf, msg_data).content == ACK

    order.refresh_from_db()
    assert (order.status, order.waybill_no) == (Status.OUT_FOR_DELIVERY, "SF1402938475612")
    assert list(
        OrderEvent.objects.filter(order=order, actor="carrier").order_by("id").values_list("kind", flat=True)
    ) == [
        "order.picked_up",
        "order.in_transit",
        "order.out_for_delivery",
    ]
    assert list(CarrierEvent.objects.order_by("id").values_list("webhook_id", "result")) == [
        ("100000000000000050", "applied"),
        ("100000000000000030", "applied"),
        ("100000000000000044", "applied"),
        ("100000000000000050", "duplicate"),
        ("100000000000000030", "duplicate"),
        ("100000000000000044", "duplicate"),
    ]


def test_a_bad_digest_is_answered_401_in_sfs_format_and_changes_nothing(client, sf, customer):
    order = order_at(sf, customer, Status.ACCEPTED)

    response = push(client, sf, SAMPLES[0]["msgData"].replace("__ORDER__", order.number), check_word="wrong")

    assert response.status_code == 401
    assert response.json() == {"return_code": "1000", "return_msg": "msgDigest 不匹配。"}
    order.refresh_from_db()
    assert order.status == Status.ACCEPTED
    assert not CarrierEvent.objects.exists()


def test_a_msg_data_of_neither_push_is_answered_400(client, sf, customer):
    response = push(client, sf, '{"Body":{}}')

    assert (response.status_code, response.json()["return_code"]) == (400, "1000")
    assert list(CarrierEvent.objects.values_list("result", flat=True)) == ["invalid"]


def test_a_malformed_form_is_answered_400(client, sf):
    response = client.post(
        EVENTS_URL.format(code=sf.code),
        data=b"msgData=%7B&&=",
        content_type="application/x-www-form-urlencoded",
    )

    assert (response.status_code, response.json()["return_code"]) == (400, "1000")


def test_a_pickup_code_requirement_left_on_by_hand_does_not_hold_for_sf(client, sf, customer):
    # A carrier switched to SF before the requirement followed the protocol still has the box ticked.
    sf.requires_pickup_code = True
    sf.save(update_fields=["requires_pickup_code"])
    order = order_at(sf, customer, Status.ACCEPTED)
    [picked] = [s for s in SAMPLES if s["name"] == "route-50"]

    response = push(client, sf, picked["msgData"].replace("__ORDER__", order.number))

    assert (response.status_code, response.content) == (200, ACK)
    order.refresh_from_db()
    assert (order.status, order.waybill_no) == (Status.PICKED_UP, "SF1402938475612")


def test_a_failed_cancel_is_not_a_cancellation(client, sf, customer):
    order = order_at(sf, customer, Status.ACCEPTED)
    [cancel] = [s for s in SAMPLES if s["name"] == "state-cancel"]
    msg_data = (
        cancel["msgData"]
        .replace("__ORDER__", order.number)
        .replace("04-40037", "04-40038")
        .replace("订单已取消", "取消订单失败")
    )

    response = push(client, sf, msg_data, service="EXP_RECE_PUSH_ORDER_STATE")

    assert (response.status_code, response.content) == (200, ACK)
    order.refresh_from_db()
    assert order.status == Status.ACCEPTED
    [entry] = OrderEvent.objects.filter(order=order, actor="carrier")
    assert (entry.kind, entry.data) == (
        "order.carrier_note",
        {"code": "sf:04-40038", "description": "取消订单失败"},
    )


@pytest.mark.parametrize("op_code", ["99", "648"])
def test_a_return_route_on_an_in_transit_order_is_kept_as_a_note_and_acknowledged(
    client, sf, customer, op_code
):
    order = order_at(sf, customer, Status.IN_TRANSIT)
    [route] = [s for s in SAMPLES if s["name"] == f"route-{op_code}"]
    msg_data = route["msgData"].replace("__ORDER__", order.number)
    remark = json.loads(msg_data)["Body"]["WaybillRoute"][0]["remark"]

    first = push(client, sf, msg_data)
    again = push(client, sf, msg_data)

    assert (first.status_code, first.content) == (200, ACK)
    assert (again.status_code, again.content) == (200, ACK)
    order.refresh_from_db()
    assert (order.status, order.return_state) == (Status.IN_TRANSIT, "")
    [entry] = OrderEvent.objects.filter(order=order, actor="carrier")
    assert (entry.kind, entry.data) == (
        "order.carrier_note",
        {"code": "refused:order.returning", "description": remark},
    )
    assert list(CarrierEvent.objects.order_by("id").values_list("type", "result")) == [
        ("order.returning", "illegal"),
        ("order.carrier_note", "recorded"),
        ("order.returning", "duplicate"),
    ]


def test_sf_confirming_the_cancel_of_an_expired_order_is_recorded(client, sf, customer):
    order = order_at(sf, customer, Status.EXPIRED)
    [cancel] = [s for s in SAMPLES if s["name"] == "state-cancel"]

    response = push(
        client, sf, cancel["msgData"].replace("__ORDER__", order.number), service="EXP_RECE_PUSH_ORDER_STATE"
    )

    assert (response.status_code, response.content) == (200, ACK)
    order.refresh_from_db()
    assert order.status == Status.EXPIRED
    assert list(CarrierEvent.objects.values_list("type", "result")) == [("order.cancelled", "recorded")]


# --- edges: size, encoding, replay, partner, settings changed elsewhere ------------------------------


def test_a_body_over_64_kib_is_refused_413_in_sfs_format_before_it_is_read(client, sf, customer):
    order = order_at(sf, customer, Status.ACCEPTED)
    [picked] = [s for s in SAMPLES if s["name"] == "route-50"]
    msg_data = picked["msgData"].replace("__ORDER__", order.number).replace("已收取快件", "已" * 30000)

    response = push(client, sf, msg_data)

    assert (response.status_code, response.json()) == (
        413,
        {"return_code": "1000", "return_msg": "请求体超过 64 KiB。"},
    )
    order.refresh_from_db()
    assert order.status == Status.ACCEPTED
    assert not CarrierEvent.objects.exists()


def test_a_body_that_is_not_utf8_is_answered_400_in_sfs_format(client, sf, customer):
    order = order_at(sf, customer, Status.ACCEPTED)

    response = client.post(
        f"/api/v1/carriers/{sf.code}/events/",
        data=b"msgData=\xff\xfe&timestamp=1&msgDigest=x",
        content_type="application/x-www-form-urlencoded",
    )

    assert (response.status_code, response.json()) == (
        400,
        {"return_code": "1000", "return_msg": "请求体不是 UTF-8 文本。"},
    )
    order.refresh_from_db()
    assert order.status == Status.ACCEPTED
    assert list(CarrierEvent.objects.values_list("result", flat=True)) == ["invalid"]


def test_a_replayed_push_a_day_later_is_a_duplicate_and_changes_nothing(client, sf, customer, time_machine):
    # SF's timestamp is not checked for age: the route id de-duplicates a replay.
    order = order_at(sf, customer, Status.ACCEPTED)
    [picked] = [s for s in SAMPLES if s["name"] == "route-50"]
    msg_data = picked["msgData"].replace("__ORDER__", order.number)
    assert push(client, sf, msg_data).content == ACK
    order.refresh_from_db()
    changed_at = order.status_changed_at
    time_machine.move_to(NOW + timedelta(days=1), tick=False)

    response = push(client, sf, msg_data)

    assert (response.status_code, response.content) == (200, ACK)
    order.refresh_from_db()
    assert (order.status, order.status_changed_at) == (Status.PICKED_UP, changed_at)
    assert list(CarrierEvent.objects.order_by("id").values_list("result", flat=True)) == [
        "applied",
        "duplicate",
    ]
    assert OrderEvent.objects.filter(order=order, actor="carrier").count() == 1


def test_a_push_for_another_partner_id_is_refused_401_and_changes_nothing(client, sf, customer):
    order = order_at(sf, customer, Status.ACCEPTED)
    [picked] = [s for s in SAMPLES if s["name"] == "route-50"]
    msg_data = picked["msgData"].replace("__ORDER__", order.number)
    raw = urlencode(
        {
            "partnerID": "SOMEONEELSE",
            "requestID": "c2d6a8f4-2f71-4d55-9d1e-0b8f3f1c9a10",
            "serviceCode": "RoutePushService",
            "timestamp": TIMESTAMP,
            "msgDigest": digest(msg_data, TIMESTAMP),
            "msgData": msg_data,
        }
    ).encode()

    response = client.post(
        f"/api/v1/carriers/{sf.code}/events/", data=raw, content_type="application/x-www-form-urlencoded"
    )

    assert (response.status_code, response.json()) == (
        401,
        {"return_code": "1000", "return_msg": "partnerID 不是该物流公司的。"},
    )
    order.refresh_from_db()
    assert order.status == Status.ACCEPTED
    assert not CarrierEvent.objects.exists()


def test_a_carrier_whose_integration_is_unavailable_is_answered_503_in_sfs_format(client, sf, customer):
    integration_override_register(unavailable := lambda carrier: "not-installed")
    try:
        response = push(client, sf, SAMPLES[0]["msgData"].replace("__ORDER__", "CP0"))
    finally:
        OVERRIDES.remove(unavailable)

    assert (response.status_code, response.json()) == (
        503,
        {"return_code": "1000", "return_msg": "该物流公司的对接方式当前不可用。"},
    )
    assert not CarrierEvent.objects.exists()


def test_a_check_word_changed_by_another_process_is_used_at_once(client, sf, customer):
    order = order_at(sf, customer, Status.ACCEPTED)
    [other] = [s for s in SAMPLES if s["name"] == "state-other"]
    # This process caches the carrier with the old check word (a first push).
    assert push(client, sf, other["msgData"].replace("__ORDER__", order.number)).content == ACK
    # Another process's admin changes it: no signal reaches this process's cache.
    settings = {**sf.integration_settings, "check_word": "the-new-word"}
    type(sf).objects.filter(pk=sf.pk).update(integration_settings=settings)
    [picked] = [s for s in SAMPLES if s["name"] == "route-50"]

    response = push(
        client, sf, picked["msgData"].replace("__ORDER__", order.number), check_word="the-new-word"
    )

    assert (response.status_code, response.content) == (200, ACK)
    order.refresh_from_db()
    assert order.status == Status.PICKED_UP
