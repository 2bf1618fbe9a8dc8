"""Kuaidi100 商家寄件 (DESIGN §7.5) through HTTP: bookings and cancels against a fake Kuaidi100 on
loopback, callbacks posted to the platform as Kuaidi100 posts them (recorded sample messages),
signatures checked against formulas computed here with hashlib, not with the integration's code."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.forms.models import model_to_dict
from django.urls import reverse

from carriers.admin import CarrierAdminForm
from carriers.integrations import INTEGRATIONS, integration_for
from carriers.integrations.configuration import carrier_integration_configure
from carriers.integrations.kuaidi100 import Kuaidi100
from carriers.models import CarrierEvent, CarrierExchange, CarrierOrderReference
from carriers.services.references import carrier_reference_store
from delivery import services as engine
from delivery.models import Attempt
from notifications.models import Notification
from orders.models import OrderEvent, OutboxMessage, Status
from orders.services import outbox
from orders.tests.carrier_events_support import EVENTS_URL, NOW, order_at
from simulator.fakes.kuaidi100 import FakeKuaidi100

pytestmark = pytest.mark.django_db

KEY, SECRET, SALT = "k100-key-test", "k100-secret-test", "k100-salt-test"
SAMPLES = json.loads((Path(__file__).parent / "data" / "kuaidi100_callbacks.json").read_text("utf-8"))
ACK = '{"result":true,"returnCode":"200","message":"成功"}'.encode()
SAMPLE_ORDER_ID = "K10020261122001"


def md5_upper(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest().upper()  # noqa: S324  (their protocol)


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def fake():
    with FakeKuaidi100(key=KEY, secret=SECRET, salt=SALT) as server:
        yield server


@pytest.fixture
def k100(carrier, fake, settings):
    settings.PLATFORM_URL = "https://platform.example.com"
    return carrier_integration_configure(
        carrier=carrier,
        integration="kuaidi100",
        values={"key": KEY, "secret": SECRET, "salt": SALT, "kuaidicom": "shunfeng", "base_url": fake.url},
    )


@pytest.fixture
def short_timeout(monkeypatch):
    monkeypatch.setattr(INTEGRATIONS["kuaidi100"], "timeout", 0.3)


def callback(param: str, *, salt: str = SALT, task_id: str = "TASK000001") -> bytes:
    return urlencode({"taskId": task_id, "sign": md5_upper(param + salt), "param": param}).encode()


def post(client, carrier, raw: bytes):
    return client.post(
        EVENTS_URL.format(code=carrier.code), data=raw, content_type="application/x-www-form-urlencoded"
    )


def booked(carrier, customer, status=Status.PLACED, **fields):
    order = order_at(carrier, customer, status, **fields)
    carrier_reference_store(
        carrier=carrier, order_number=order.number, task_id="TASK000001", external_id=SAMPLE_ORDER_ID
    )
    return order


def outbox_message(order, event_type="order.created", payload=None):
    with transaction.atomic():
        return outbox.outbox_message_add(
            order_id=order.pk,
            carrier_id=order.carrier_id,
            event_type=event_type,
            payload=payload if payload is not None else outbox.order_created_payload(order),
        )


# --- the sign formulas -------------------------------------------------------------------------


def test_the_sign_vectors_match_kuaidi100s_formulas():
    # Computed once with hashlib: MD5('{"a":1}' + '1764300000000' + 'k' + 's'), upper-case hex.
    assert md5_upper('{"a":1}1764300000000ks') == "7B589AB3A8BE8AE5AB585CAE3BA0B937"
    from carriers.integrations.kuaidi100 import sign_callback, sign_request

    assert sign_request(param='{"a":1}', t="1764300000000", key="k", secret="s") == (
        "7B589AB3A8BE8AE5AB585CAE3BA0B937"
    )
    assert sign_callback(param='{"a":1}', salt="1764300000000ks") == "7B589AB3A8BE8AE5AB585CAE3BA0B937"


def test_the_carrier_is_served_by_kuaidi100(k100):
    assert isinstance(integration_for(k100), Kuaidi100)


# --- booking and cancelling ----------------------------------------------------------------------


def test_a_booking_is_posted_signed_with_every_field_from_the_order(k100, customer, fake):
    order = order_at(k100, customer, Status.PLACED, payer="recipient")
    message = outbox_message(order)

    assert engine.message_deliver(message_id=message.pk) == engine.Outcome.SENT

    [form] = fake.calls
    assert set(form) == {"method", "key", "t", "param", "sign"}
    assert (form["method"], form["key"], form["t"]) == ("bOrder", KEY, str(int(NOW.timestamp() * 1000)))
    assert form["sign"] == md5_upper(form["param"] + form["t"] + KEY + SECRET)
    assert json.loads(form["param"]) == {
        "kuaidicom": "shunfeng",
        "sendManName": "张三",
        "sendManMobile": "13800138000",
        "sendManPrintAddr": "广东省深圳市南山区科技园科苑路1号",
        "recManName": "李四",
        "recManMobile": "13900139000",
        "recManPrintAddr": "北京市北京市朝阳区建国路88号",
        "cargo": "冬季外套",
        "weight": "1.50",
        "remark": order.number,
        "callBackUrl": f"https://platform.example.com/api/v1/carriers/{k100.code}/events/",
        "dayType": "明天",
        "pickupStartTime": "10:00",
        "pickupEndTime": "12:00",
        "valinsPay": "500.00",
        "payment": "CONSIGNEE",
        "salt": SALT,
    }
    assert list(CarrierOrderReference.objects.values_list("order_number", "task_id", "external_id")) == [
        (order.number, "TASK000001", "K10000000001")
    ]
    # The delivery log keeps the call without key or sign, phone numbers masked.
    [exchange] = CarrierExchange.objects.all()
    assert (exchange.operation, exchange.outcome, exchange.http_status, exchange.message_id) == (
        "bOrder",
        "delivered",
        200,
        str(message.pk),
    )
    assert set(exchange.request) == {"method", "t", "param"}
    assert exchange.request["param"]["sendManMobile"] == "138****8000"
    logged = json.dumps(exchange.request)
    assert KEY not in logged and SECRET not in logged and SALT not in logged


def test_a_business_refusal_fails_for_good_and_tells_the_user_like_dispatch_failed(k100, customer, fake):
    order = order_at(k100, customer, Status.PLACED)
    fake.script = [("refuse", "10002", "寄件地址超出服务范围")]
    message = outbox_message(order)

    assert engine.message_deliver(message_id=message.pk) == engine.Outcome.FAILED

    message = OutboxMessage.objects.get(pk=message.pk)
    assert (message.status, message.attempts, message.last_error) == (
        "failed",
        1,
        "Kuaidi100 10002 寄件地址超出服务范围",
    )
    order.refresh_from_db()
    assert order.status == Status.PLACED
    [entry] = OrderEvent.objects.filter(order=order, actor="carrier")
    assert (entry.kind, entry.note, entry.source_event_id) == (
        "order.dispatch_failed",
        "寄件地址超出服务范围",
        f"refused:{message.pk}",
    )
    assert list(Notification.objects.filter(order=order).values_list("kind", flat=True)) == [
        "dispatch_failed"
    ]
    assert not CarrierOrderReference.objects.exists()


@pytest.mark.parametrize("failure", ["system", "http500"])
def test_a_system_error_is_retried_and_the_retry_books_once(k100, customer, fake, failure):
    order = order_at(k100, customer, Status.PLACED)
    fake.script = [failure]
    message = outbox_message(order)

    assert engine.message_deliver(message_id=message.pk) == engine.Outcome.RETRY
    assert (
        engine.message_deliver(message_id=message.pk, now=NOW + timedelta(minutes=1)) == engine.Outcome.SENT
    )

    assert len(fake.calls) == 2
    assert len(fake.bookings) == 1
    assert list(Attempt.objects.order_by("number").values_list("outcome", flat=True)) == ["retry", "sent"]
    assert OrderEvent.objects.filter(order=order, actor="carrier").count() == 0


@pytest.mark.parametrize(("step", "booked_at_kuaidi100"), [("hang", 1), ("book_then_hang", 2)])
def test_a_carrier_that_times_out_then_recovers_is_sent_once_more_and_a_possible_second_booking_is_flagged(
    client, k100, customer, fake, short_timeout, step, booked_at_kuaidi100
):
    order = order_at(k100, customer, Status.PLACED)
    fake.script = [step]
    message = outbox_message(order)

    assert engine.message_deliver(message_id=message.pk) == engine.Outcome.RETRY
    assert OutboxMessage.objects.get(pk=message.pk).last_error == (
        f"carrier {k100.code}: Kuaidi100 could not be reached (TimeoutError)"
    )
    assert (
        engine.message_deliver(message_id=message.pk, now=NOW + timedelta(minutes=1)) == engine.Outcome.SENT
    )
    # A third run finds it sent and sends nothing.
    assert (
        engine.message_deliver(message_id=message.pk, now=NOW + timedelta(hours=1)) == engine.Outcome.SKIPPED
    )

    # bOrder has no idempotency key: whether the unanswered call booked, the platform cannot know.
    assert [call["method"] for call in fake.calls] == ["bOrder", "bOrder"]
    assert len(fake.bookings) == booked_at_kuaidi100
    stored = "K1000000000" + str(booked_at_kuaidi100)
    assert CarrierOrderReference.objects.get().external_id == stored
    # The carrier's delivery log says so.
    assert list(CarrierExchange.objects.order_by("id").values_list("outcome", "error")) == [
        ("retry", f"carrier {k100.code}: Kuaidi100 could not be reached (TimeoutError)"),
        (
            "delivered",
            f"Kuaidi100 booked {order.number} as {stored} after an attempt that got no answer: "
            "it may hold a second booking of this order",
        ),
    ]
    if booked_at_kuaidi100 == 2:
        # The first booking's callbacks name an orderId the platform never stored: refused, kept.
        first = fake.bookings["K10000000001"]
        fields = fake.callback_fields(first, "0", message="下单成功", at=NOW - timedelta(minutes=1))
        response = post(client, k100, urlencode(fields).encode())
        assert (response.status_code, response.json()["returnCode"]) == (404, "404")
        assert list(CarrierEvent.objects.values_list("result", "webhook_id")) == [
            ("not_found", "K10000000001:0:2026-11-22 09:59:00")
        ]


def test_a_booking_answered_in_time_is_not_flagged(k100, customer, fake):
    order = order_at(k100, customer, Status.PLACED)

    assert engine.message_deliver(message_id=outbox_message(order).pk) == engine.Outcome.SENT

    assert list(CarrierExchange.objects.values_list("outcome", "error")) == [("delivered", "")]


def test_a_cancel_sends_the_stored_references(k100, customer, fake):
    order = order_at(k100, customer, Status.PLACED)
    assert engine.message_deliver(message_id=outbox_message(order).pk) == engine.Outcome.SENT
    cancel = outbox_message(
        order,
        "order.cancelled",
        outbox.order_cancelled_payload(
            number=order.number, reason="changed_mind", by="user", occurred_at=NOW
        ),
    )

    assert engine.message_deliver(message_id=cancel.pk) == engine.Outcome.SENT

    form = fake.calls[-1]
    assert form["method"] == "cancel"
    assert form["sign"] == md5_upper(form["param"] + form["t"] + KEY + SECRET)
    assert json.loads(form["param"]) == {
        "taskId": "TASK000001",
        "orderId": "K10000000001",
        "cancelMsg": "changed_mind",
    }
    assert fake.bookings["K10000000001"].cancelled is True


# --- callbacks -------------------------------------------------------------------------------------


@pytest.mark.parametrize("sample", SAMPLES, ids=[s["status"] for s in SAMPLES])
def test_every_status_of_the_table_through_http(client, k100, customer, sample):
    order = booked(k100, customer, sample["order_status"])

    response = post(client, k100, callback(sample["param"]))

    assert (response.status_code, response.content) == (200, ACK)
    order.refresh_from_db()
    assert order.status == sample["status_after"]
    [log] = CarrierEvent.objects.all()
    assert (log.webhook_id, log.type, log.result, log.order_number) == (
        f"{SAMPLE_ORDER_ID}:{sample['status']}:2026-11-22 09:50:00",
        sample["type"],
        sample["result"],
        order.number,
    )
    [entry] = OrderEvent.objects.filter(order=order, actor="carrier")
    assert entry.kind == sample["type"]
    # 揽货失败 opens the pickup exception "other" with Kuaidi100's message; 下单失败 is a refusal.
    assert [order.exception_code, order.exception_note] == sample.get("exception", ["", ""])
    assert entry.data.get("refused") is sample.get("refused")


def test_the_table_rows_set_what_they_carry(client, k100, customer):
    order = booked(k100, customer, Status.DISPATCHING)
    by_status = {s["status"]: s["param"] for s in SAMPLES}

    for status in ("1", "10", "15"):
        assert post(client, k100, callback(by_status[status])).content == ACK

    order.refresh_from_db()
    assert (order.courier_name, order.courier_phone, order.waybill_no) == (
        "王师傅",
        "13700137000",
        "SF1402938475612",
    )
    # 已结算 after 已取件: the settled weight and fee replace those of the pickup.
    assert (str(order.actual_weight_kg), str(order.fee_amount), order.fee_currency) == (
        "2.100",
        "28.00",
        "CNY",
    )


def test_a_bad_sign_is_answered_401_in_kuaidi100s_format_and_changes_nothing(client, k100, customer):
    order = booked(k100, customer, Status.PLACED)

    response = post(client, k100, callback(SAMPLES[0]["param"], salt="not-the-salt"))

    assert response.status_code == 401
    assert response.json() == {
        "result": False,
        "returnCode": "401",
        "message": "签名不匹配。",
    }  # the platform speaks Chinese by default
    order.refresh_from_db()
    assert order.status == Status.PLACED
    assert not CarrierEvent.objects.exists()
    assert not OrderEvent.objects.filter(order=order, actor="carrier").exists()


def test_a_replayed_callback_is_a_duplicate_acknowledged_and_changes_nothing(client, k100, customer):
    order = booked(k100, customer, Status.PLACED)
    raw = callback(SAMPLES[0]["param"])

    assert post(client, k100, raw).content == ACK
    assert post(client, k100, raw).content == ACK

    assert list(CarrierEvent.objects.order_by("id").values_list("result", flat=True)) == [
        "applied",
        "duplicate",
    ]
    assert OrderEvent.objects.filter(order=order, actor="carrier").count() == 1


def test_a_stale_status_after_a_newer_one_is_only_recorded(client, k100, customer):
    order = booked(k100, customer, Status.DISPATCHING)
    by_status = {s["status"]: s["param"] for s in SAMPLES}
    picked = by_status["10"].replace("09:50:00", "09:55:00")
    assert post(client, k100, callback(by_status["1"].replace("09:50:00", "09:40:00"))).content == ACK
    assert post(client, k100, callback(picked)).content == ACK

    # Kuaidi100 re-sends 已接单 of 09:30 (another updateTime) after the pickup.
    response = post(client, k100, callback(by_status["1"].replace("09:50:00", "09:30:00")))

    assert response.content == ACK
    order.refresh_from_db()
    assert order.status == Status.PICKED_UP
    assert CarrierEvent.objects.order_by("-id").values_list("result", flat=True)[0] == "recorded"


def test_an_unknown_code_is_kept_in_the_timeline_and_acknowledged(client, k100, customer):
    order = booked(k100, customer, Status.ACCEPTED)
    [sample] = [s for s in SAMPLES if s["status"] == "400"]

    assert post(client, k100, callback(sample["param"])).content == ACK

    [entry] = OrderEvent.objects.filter(order=order, actor="carrier")
    assert (entry.kind, entry.note, entry.data) == (
        "order.carrier_note",
        "快递员已到达",
        {"code": "kuaidi100:400", "description": "快递员已到达"},
    )


def test_a_callback_for_an_order_kuaidi100_never_booked_for_us_is_refused_404(client, k100, customer):
    param = SAMPLES[0]["param"].replace(SAMPLE_ORDER_ID, "K100UNKNOWN")

    response = post(client, k100, callback(param))

    assert (response.status_code, response.json()["returnCode"]) == (404, "404")
    assert list(CarrierEvent.objects.values_list("result", flat=True)) == ["not_found"]


@pytest.mark.parametrize(
    "raw",
    [
        b"param=%7B&sign",  # a field without "="
        b"\xff\xfe=1",  # not UTF-8
        urlencode({"param": SAMPLES[0]["param"]}).encode(),  # no sign
    ],
    ids=["not-a-form", "not-utf8", "no-sign"],
)
def test_a_malformed_form_is_answered_400_and_changes_nothing(client, k100, customer, raw):
    order = booked(k100, customer, Status.PLACED)

    response = post(client, k100, raw)

    assert (response.status_code, response.json()["result"], response.json()["returnCode"]) == (
        400,
        False,
        "400",
    )
    order.refresh_from_db()
    assert order.status == Status.PLACED
    assert not OrderEvent.objects.filter(order=order, actor="carrier").exists()
    assert list(CarrierEvent.objects.values_list("result", flat=True)) == ["invalid"]


def test_a_signed_param_that_is_not_json_is_answered_400(client, k100, customer):
    response = post(client, k100, callback("{not json"))

    assert (response.status_code, response.json()["returnCode"]) == (400, "400")
    assert list(CarrierEvent.objects.values_list("result", "payload")) == [
        ("invalid", {"taskId": "TASK000001", "param": "{not json"})
    ]


def test_a_body_over_64_kib_is_refused_413_before_it_is_read(client, k100, customer):
    order = booked(k100, customer, Status.PLACED)
    param = SAMPLES[0]["param"].replace("下单成功", "下" * 30000)

    response = post(client, k100, callback(param))

    assert (response.status_code, response.json()) == (
        413,
        {"result": False, "returnCode": "413", "message": "请求体超过 64 KiB。"},
    )
    order.refresh_from_db()
    assert order.status == Status.PLACED
    assert not CarrierEvent.objects.exists()


def test_the_callback_path_runs_a_fixed_number_of_queries(client, k100, customer, django_assert_num_queries):
    booked(k100, customer, Status.PLACED)
    raw = callback(SAMPLES[0]["param"])
    # The first request fills the carrier's signing cache; a 下单失败 report changes no status.
    post(client, k100, callback(SAMPLES[1]["param"].replace("09:50:00", "09:10:00")))

    # Kuaidi100's orderId → our order (1), then the platform's path: savepoint, lock, status,
    # timeline entry, log row, release (6).
    with django_assert_num_queries(7):
        response = post(client, k100, raw)
    assert response.content == ACK


# --- the pickup code (DESIGN §7.5: Kuaidi100 cannot carry it) ----------------------------------------


def admin_change(client, carrier, **changes):
    """Save the carrier's admin page as an admin does, with ``changes`` made in the form."""
    url = reverse("admin:carriers_carrier_change", args=[carrier.pk])
    page = client.get(url)
    data = {k: v for k, v in model_to_dict(carrier).items() if k in CarrierAdminForm.Meta.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    for inline in page.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(changes)
    return client.post(url, {k: v for k, v in data.items() if v is not None})


def test_choosing_kuaidi100_in_the_admin_turns_the_pickup_code_off_so_status_10_picks_up(
    client, carrier, customer, fake, moderator
):
    assert carrier.requires_pickup_code  # the carrier asked for the code under its own protocol
    settings = {"key": KEY, "secret": SECRET, "salt": SALT, "kuaidicom": "shunfeng", "base_url": fake.url}
    client.force_login(moderator)

    # The box is left ticked: the protocol cannot bring the code back, so it does not hold.
    response = admin_change(
        client, carrier, integration="kuaidi100", integration_settings=json.dumps(settings)
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    carrier.refresh_from_db()
    assert (carrier.integration, carrier.requires_pickup_code) == ("kuaidi100", False)
    client.logout()
    order = booked(carrier, customer, Status.ACCEPTED)
    [picked] = [s["param"] for s in SAMPLES if s["status"] == "10"]

    assert post(client, carrier, callback(picked)).content == ACK

    order.refresh_from_db()
    assert (order.status, order.waybill_no) == (Status.PICKED_UP, "SF1402938475612")


def test_callbacks_are_signed_with_the_salt_sent_with_the_booking(client, k100, customer):
    # An account with no salt of its own in Kuaidi100's console: the booking's salt signs.
    with FakeKuaidi100(key=KEY, secret=SECRET) as fake:
        k100 = carrier_integration_configure(
            carrier=k100, integration="kuaidi100", values={"base_url": fake.url}
        )
        order = order_at(k100, customer, Status.PLACED)
        assert engine.message_deliver(message_id=outbox_message(order).pk) == engine.Outcome.SENT
        [booking] = fake.bookings.values()
        fields = fake.callback_fields(booking, "0", message="下单成功", at=NOW - timedelta(minutes=5))

    response = post(client, k100, urlencode(fields).encode())

    assert (response.status_code, response.content) == (200, ACK)
    order.refresh_from_db()
    assert order.status == Status.DISPATCHING


# --- reports the order cannot take (DESIGN §7.5: Kuaidi100 cannot act on a refusal) ------------------


def test_a_return_reported_on_an_in_transit_order_is_kept_as_a_note_and_acknowledged(client, k100, customer):
    order = booked(k100, customer, Status.IN_TRANSIT)
    [returned] = [s["param"] for s in SAMPLES if s["status"] == "12"]

    first = post(client, k100, callback(returned))
    again = post(client, k100, callback(returned))

    assert (first.status_code, first.content) == (200, ACK)
    assert (again.status_code, again.content) == (200, ACK)
    order.refresh_from_db()
    assert (order.status, order.return_state) == (Status.IN_TRANSIT, "")
    [entry] = OrderEvent.objects.filter(order=order, actor="carrier")
    assert (entry.kind, entry.note, entry.data, entry.new_status) == (
        "order.carrier_note",
        "已退回寄件人",
        {"code": "refused:order.returned", "description": "已退回寄件人"},
        Status.IN_TRANSIT,
    )
    assert list(CarrierEvent.objects.order_by("id").values_list("type", "result")) == [
        ("order.returned", "illegal"),
        ("order.carrier_note", "recorded"),
        ("order.returned", "duplicate"),
    ]


@pytest.mark.parametrize("status", ["9", "99"])
def test_kuaidi100_confirming_the_cancel_of_an_expired_order_is_recorded(client, k100, customer, status):
    order = booked(k100, customer, Status.EXPIRED)
    [cancelled] = [s["param"] for s in SAMPLES if s["status"] == status]

    response = post(client, k100, callback(cancelled))

    assert (response.status_code, response.content) == (200, ACK)
    order.refresh_from_db()
    assert order.status == Status.EXPIRED
    [entry] = OrderEvent.objects.filter(order=order, actor="carrier")
    assert (entry.kind, entry.new_status) == ("order.cancelled", Status.EXPIRED)
    assert list(CarrierEvent.objects.values_list("result", flat=True)) == ["recorded"]


# --- settings changed in another process (the signing cache, DESIGN §7.2) -------------------------


def test_a_salt_changed_by_another_process_is_used_at_once(client, k100, customer):
    order = booked(k100, customer, Status.PLACED)
    # This process caches the carrier with the old salt (a first callback).
    assert post(client, k100, callback(SAMPLES[1]["param"].replace("09:50:00", "09:10:00"))).content == ACK
    # Another process's admin changes it: no signal reaches this process's cache.
    k100.integration_settings = {**k100.integration_settings, "salt": "the-new-salt"}
    type(k100).objects.filter(pk=k100.pk).update(integration_settings=k100.integration_settings)

    response = post(client, k100, callback(SAMPLES[0]["param"], salt="the-new-salt"))

    assert (response.status_code, response.content) == (200, ACK)
    order.refresh_from_db()
    assert order.status == Status.DISPATCHING
    # The old salt no longer signs.
    stale = post(client, k100, callback(SAMPLES[0]["param"].replace("09:50:00", "09:51:00")))
    assert stale.status_code == 401
