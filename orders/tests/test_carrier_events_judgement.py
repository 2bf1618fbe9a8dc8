"""How carrier events are judged (DESIGN §3.1) and refused (§7.2): late, illegal, duplicate, 404, 400."""

import json
from datetime import timedelta

import pytest

from carriers.models import CarrierEvent
from carriers.services import carrier_credentials_rotate
from notifications.models import Notification
from orders.models import Actor, CancelReason, Order, OrderEvent, Status
from orders.services import carrier_events
from orders.services.cancellation import order_cancel
from orders.tests.carrier_events_support import (
    COURIER,
    NOW,
    Sender,
    body,
    minutes_ago,
    order_at,
    picked_up_data,
)

pytestmark = pytest.mark.django_db
S = Status


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def send(api_client, carrier):
    return Sender(api_client, carrier.code, carrier_credentials_rotate(carrier=carrier))


def snapshot(order) -> dict:
    """Everything an event could change."""
    fresh = Order.objects.get(pk=order.pk)
    fields = (
        "status",
        "status_changed_at",
        "courier_name",
        "waybill_no",
        "fee_amount",
        "deadline",
        "exception_code",
    )
    return {
        **{name: getattr(fresh, name) for name in fields},
        "events": OrderEvent.objects.filter(order=order).count(),
        "notices": Notification.objects.filter(order=order).count(),
    }


# --- 1. late ---------------------------------------------------------------------------------------


def test_an_accepted_older_than_the_pickup_is_recorded_at_its_own_time(send, carrier, customer):
    order = order_at(carrier, customer, S.PLACED)
    send.post(body(order, "order.picked_up", minutes_ago(20), picked_up_data()))

    response = send.post(body(order, "order.accepted", minutes_ago(30), {"courier": COURIER}))

    assert response.status_code == 200 and response.json() == {"result": "recorded"}
    order.refresh_from_db()
    assert (order.status, order.status_changed_at, order.courier_name) == (S.PICKED_UP, minutes_ago(20), "")
    timeline = list(OrderEvent.objects.filter(order=order))  # in timeline order: occurred_at
    assert [(e.kind, e.old_status, e.new_status, e.occurred_at) for e in timeline] == [
        ("order.accepted", S.PICKED_UP, S.PICKED_UP, minutes_ago(30)),
        ("order.picked_up", S.PLACED, S.PICKED_UP, minutes_ago(20)),
    ]
    assert timeline[0].data["late"] is True
    assert CarrierEvent.objects.get(webhook_id=send.last_msg_id).result == "recorded"
    # Only the pickup was news to the user.
    assert list(Notification.objects.filter(order=order).values_list("kind", flat=True)) == ["picked_up"]


def test_a_late_event_is_recorded_even_when_its_move_would_be_illegal_now(send, carrier, customer):
    order = order_at(carrier, customer, S.SIGNED, since=minutes_ago(10))

    response = send.post(
        body(order, "order.in_transit", minutes_ago(50), {"location": "A", "description": "B"})
    )

    assert response.json() == {"result": "recorded"}
    order.refresh_from_db()
    assert order.status == S.SIGNED


def test_an_event_at_the_same_instant_that_cannot_follow_is_taken_as_earlier(send, carrier, customer):
    order = order_at(carrier, customer, S.PLACED)
    send.post(body(order, "order.picked_up", minutes_ago(20), picked_up_data()))

    response = send.post(body(order, "order.accepted", minutes_ago(20), {"courier": COURIER}))

    assert response.json() == {"result": "recorded"}


def test_a_newer_event_at_the_same_instant_that_can_follow_is_applied(send, carrier, customer):
    order = order_at(carrier, customer, S.PICKED_UP, since=minutes_ago(20))

    response = send.post(
        body(order, "order.in_transit", minutes_ago(20), {"location": "", "description": ""})
    )

    assert response.json() == {"result": "applied"}


# --- 3. illegal --------------------------------------------------------------------------------------


def test_accepted_after_the_user_cancelled_is_409_and_changes_nothing(send, carrier, customer):
    order = order_at(carrier, customer, S.PLACED)
    order_cancel(
        order=order, actor_user=customer, reason=CancelReason.CHANGED_MIND, occurred_at=minutes_ago(30)
    )
    before = snapshot(order)

    response = send.post(body(order, "order.accepted", minutes_ago(10), {"courier": COURIER}))

    assert response.status_code == 409
    assert response.json() == {
        "error": "illegal_transition",
        "detail": response.json()["detail"],
        "status": "cancelled",
    }
    assert response.json()["detail"]
    assert snapshot(order) == before
    row = CarrierEvent.objects.get(webhook_id=send.last_msg_id)
    assert (row.result, row.order, row.type) == ("illegal", order, "order.accepted")
    assert row.error.startswith("illegal_transition: ")
    assert row.payload == body(order, "order.accepted", minutes_ago(10), {"courier": COURIER})


@pytest.mark.parametrize(
    ("status", "event_type", "data"),
    [
        (S.PLACED, "order.in_transit", {"location": "", "description": ""}),
        (S.ACCEPTED, "order.signed", {}),
        (S.PICKED_UP, "order.accepted", {"courier": COURIER}),
        (S.PICKED_UP, "order.dispatching", {}),
        (S.SIGNED, "order.problem", {"description": "x"}),
        (S.EXPIRED, "order.picked_up", picked_up_data()),
        (S.EXPIRED, "order.exception_resolved", {"note": ""}),
        (S.IN_TRANSIT, "order.cancelled", {"reason": ""}),
        (S.REJECTED, "order.signed", {}),
    ],
)
def test_moves_outside_the_table_are_409(send, carrier, customer, status, event_type, data):
    order = order_at(carrier, customer, status)
    before = snapshot(order)

    response = send.post(body(order, event_type, minutes_ago(10), data))

    assert response.status_code == 409
    assert response.json()["error"] == "illegal_transition"
    assert snapshot(order) == before
    assert CarrierEvent.objects.get(webhook_id=send.last_msg_id).result == "illegal"


def test_a_refused_event_is_judged_again_when_the_carrier_retries_it(send, carrier, customer):
    order = order_at(carrier, customer, S.ACCEPTED)
    scan = body(order, "order.in_transit", minutes_ago(10), {"location": "深圳", "description": "发出"})

    early = send.post(scan, msg_id="evt-scan-1")
    send.post(body(order, "order.picked_up", minutes_ago(20), picked_up_data()))
    retry = send.post(scan, msg_id="evt-scan-1")

    assert early.status_code == 409
    assert retry.json() == {"result": "applied"}
    order.refresh_from_db()
    assert order.status == S.IN_TRANSIT
    assert list(
        CarrierEvent.objects.filter(webhook_id="evt-scan-1").order_by("id").values_list("result", flat=True)
    ) == ["illegal", "applied"]


# --- duplicates ---------------------------------------------------------------------------------------


def test_the_same_webhook_id_twice_is_a_duplicate_that_changes_nothing(send, carrier, customer):
    order = order_at(carrier, customer, S.PLACED)
    accepted = body(order, "order.accepted", minutes_ago(30), {"courier": COURIER})

    first = send.post(accepted, msg_id="evt-1")
    after_first = snapshot(order)
    second = send.post(accepted, msg_id="evt-1")

    assert first.json() == {"result": "applied"}
    assert second.status_code == 200 and second.json() == {"result": "duplicate"}
    assert snapshot(order) == after_first
    assert OrderEvent.objects.filter(source_event_id="evt-1").count() == 1
    assert list(
        CarrierEvent.objects.filter(webhook_id="evt-1").order_by("id").values_list("result", flat=True)
    ) == [
        "applied",
        "duplicate",
    ]


def test_a_duplicate_id_is_a_duplicate_whatever_its_body(send, carrier, customer):
    order = order_at(carrier, customer, S.PLACED)
    send.post(body(order, "order.dispatching", minutes_ago(30)), msg_id="evt-1")

    response = send.post(body(order, "order.accepted", minutes_ago(20), {"courier": COURIER}), msg_id="evt-1")

    assert response.json() == {"result": "duplicate"}
    order.refresh_from_db()
    assert order.status == S.DISPATCHING


def test_webhook_ids_are_per_carrier(api_client, send, carrier, other_carrier, customer):
    other = Sender(api_client, other_carrier.code, carrier_credentials_rotate(carrier=other_carrier))
    mine = order_at(carrier, customer, S.PLACED)
    theirs = order_at(other_carrier, customer, S.PLACED)

    first = send.post(body(mine, "order.dispatching", minutes_ago(30)), msg_id="evt-1")
    second = other.post(body(theirs, "order.dispatching", minutes_ago(30)), msg_id="evt-1")

    assert first.json() == second.json() == {"result": "applied"}


def test_a_duplicate_is_caught_by_the_constraint_and_rolled_back(carrier, customer):
    """No check before the judgement: the partial unique index refuses the second log row, and the
    reassignment the second delivery had written rolls back with it."""
    order = order_at(carrier, customer, S.PLACED)
    kwargs = {
        "carrier": carrier,
        "webhook_id": "evt-race",
        "order_number": order.number,
        "type": "order.accepted",
        "occurred_at": minutes_ago(30),
        "data": {"courier": COURIER},
    }
    carrier_events.carrier_event_apply(**kwargs)

    outcome = carrier_events.carrier_event_apply(
        **{**kwargs, "type": "order.accepted", "data": {"courier": {**COURIER, "name": "赵师傅"}}}
    )

    assert outcome.result == "duplicate"
    order.refresh_from_db()
    assert order.courier_name == "王师傅"  # the second delivery's reassignment was rolled back
    assert OrderEvent.objects.filter(order=order).count() == 1
    assert Notification.objects.filter(order=order).count() == 1


# --- 404 -------------------------------------------------------------------------------------------


def test_another_carriers_order_is_404_and_untouched(send, carrier, other_carrier, customer):
    theirs = order_at(other_carrier, customer, S.PLACED)
    before = snapshot(theirs)

    response = send.post(body(theirs, "order.accepted", minutes_ago(10), {"courier": COURIER}))

    assert response.status_code == 404
    assert response.json()["error"] == "order_not_found"
    assert snapshot(theirs) == before
    row = CarrierEvent.objects.get(webhook_id=send.last_msg_id)
    assert (row.carrier, row.order, row.order_number, row.result) == (
        carrier,
        None,
        theirs.number,
        "not_found",
    )


def test_an_unknown_order_is_404(send):
    response = send.post(body("CPNOSUCHORDER", "order.dispatching", minutes_ago(10)))

    assert response.status_code == 404


# --- 400 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"type": "order.teleported"}, "type"),
        ({"type": None}, "type"),
        ({"order": None}, "order"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"occurred_at": "2026-11-22T09:00:00"}, "occurred_at"),  # no UTC offset
        ({"occurred_at": (NOW + timedelta(minutes=6)).isoformat()}, "occurred_at"),
        ({"data": {}}, "data"),  # accepted without its courier
        ({"data": {"courier": {"name": "王师傅", "phone": "13700137000"}}}, "data"),
        ({"data": "courier"}, "data"),
    ],
)
def test_invalid_payloads_are_400_and_logged(send, carrier, customer, change, field):
    order = order_at(carrier, customer, S.PLACED)
    payload = {**body(order, "order.accepted", minutes_ago(10), {"courier": COURIER}), **change}

    response = send.post(payload)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_payload"
    assert field in response.json()["detail"]
    order.refresh_from_db()
    assert order.status == S.PLACED
    assert not OrderEvent.objects.filter(order=order).exists()
    row = CarrierEvent.objects.get(webhook_id=send.last_msg_id)
    assert row.result == "invalid" and row.error.startswith("invalid_payload")


@pytest.mark.parametrize(
    ("event_type", "data"),
    [
        ("order.pickup_exception", {"code": "on_holiday", "note": ""}),
        ("order.pickup_exception", {"note": "no code"}),
        ("order.picked_up", picked_up_data(waybill_no=None)),
        ("order.picked_up", picked_up_data(weight_kg="-1")),
        ("order.picked_up", picked_up_data(fee={"amount": "23.00", "currency": "yuan"})),
        ("order.picked_up", picked_up_data(fee={"amount": "abc", "currency": "CNY"})),
        ("order.picked_up", picked_up_data(corrections=["recipient_phone"])),
        ("order.picked_up", picked_up_data(corrections={"recipient": {"nested": {"too": "deep"}}})),
        ("order.in_transit", {"location": "深圳"}),
        ("order.problem", {"description": ""}),
        ("order.signed", {"remark": {"text": "外箱破损"}}),
        ("order.rejected", {}),
        ("order.cancelled", {"reason": ["x"]}),
        ("order.contraband_found", {"note": "no category"}),
        ("order.returning", {"reason": "x", "fee": {"amount": "1"}}),
        ("order.dispatch_failed", {}),
    ],
)
def test_bad_data_per_type_is_400(send, carrier, customer, event_type, data):
    order = order_at(carrier, customer, S.PLACED)

    response = send.post(body(order, event_type, minutes_ago(10), data))

    assert response.status_code == 400, response.json()
    assert "data" in response.json()["detail"]


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b'"text"', b""])
def test_a_body_that_is_not_a_json_object_is_400(send, raw):
    response = send.post(None, raw=raw)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_payload"
    assert CarrierEvent.objects.get(webhook_id=send.last_msg_id).result == "invalid"


def test_an_invalid_delivery_does_not_use_up_its_webhook_id(send, carrier, customer):
    order = order_at(carrier, customer, S.PLACED)

    bad = send.post(body(order, "order.accepted", minutes_ago(10), {}), msg_id="evt-1")
    fixed = send.post(body(order, "order.accepted", minutes_ago(10), {"courier": COURIER}), msg_id="evt-1")

    assert (bad.status_code, fixed.json()) == (400, {"result": "applied"})


# --- the service directly ----------------------------------------------------------------------------


def test_the_service_refuses_unknown_types(carrier):
    with pytest.raises(ValueError, match="unknown carrier event type"):
        carrier_events.carrier_event_apply(
            carrier=carrier,
            webhook_id="x",
            order_number="x",
            type="order.teleported",
            occurred_at=NOW,
            data={},
        )


def test_the_carrier_is_the_actor(send, carrier, customer):
    order = order_at(carrier, customer, S.PLACED)

    send.post(body(order, "order.dispatching", minutes_ago(10)))

    event = OrderEvent.objects.get(order=order)
    assert (event.actor, event.actor_user) == (Actor.CARRIER, None)


def test_the_log_keeps_the_body_as_received(send, carrier, customer):
    order = order_at(carrier, customer, S.PLACED)
    payload = {**body(order, "order.dispatching", minutes_ago(10)), "extra": {"carrier_ref": "A-1"}}

    send.post(payload)

    assert CarrierEvent.objects.get(webhook_id=send.last_msg_id).payload == json.loads(json.dumps(payload))
