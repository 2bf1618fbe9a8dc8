"""Carrier callbacks through HTTP (DESIGN §3.1, §7.2): every event type from a legal status.

Each test asserts the response, the order's resulting fields, its timeline rows, the notices, and
the carrier event log.
"""

from datetime import datetime
from decimal import Decimal

import pytest

from accounts.models import Violation, ViolationKind
from carriers.models import CarrierEvent
from carriers.services import carrier_credentials_rotate
from notifications.models import Notification
from orders.models import Actor, OrderEvent, ReturnState, Status
from orders.tests.carrier_events_support import (
    COURIER,
    NOW,
    OTHER_COURIER,
    PICKUP_CODE,
    SHANGHAI,
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


def only_event(order) -> OrderEvent:
    events = list(OrderEvent.objects.filter(order=order))
    assert len(events) == 1, events
    return events[0]


def notices(order):
    return list(Notification.objects.filter(order=order).order_by("id"))


def log_row(msg_id) -> CarrierEvent:
    return CarrierEvent.objects.get(webhook_id=msg_id)


def assert_status_event(event, *, kind, old, new, msg_id, occurred_at, note=""):
    assert (event.kind, event.old_status, event.new_status) == (kind, old, new)
    assert event.actor == Actor.CARRIER and event.actor_user is None
    assert event.source_event_id == msg_id
    assert event.occurred_at == occurred_at
    assert event.note == note


# --- one test per event type -------------------------------------------------------------------


def test_dispatching_from_placed_keeps_the_booking_deadline(send, carrier, customer):
    deadline = datetime(2026, 11, 23, 0, 0, tzinfo=SHANGHAI)
    order = order_at(carrier, customer, S.PLACED, deadline=deadline)

    response = send.post(body(order, "order.dispatching", minutes_ago(30)))

    assert response.status_code == 200 and response.json() == {"result": "applied"}
    order.refresh_from_db()
    assert order.status == S.DISPATCHING
    assert order.status_changed_at == minutes_ago(30)
    assert order.deadline == deadline
    assert_status_event(
        only_event(order),
        kind="order.dispatching",
        old=S.PLACED,
        new=S.DISPATCHING,
        msg_id=send.last_msg_id,
        occurred_at=minutes_ago(30),
    )
    assert notices(order) == []
    row = log_row(send.last_msg_id)
    assert (row.carrier, row.order, row.type, row.result, row.error) == (
        carrier,
        order,
        "order.dispatching",
        "applied",
        "",
    )
    assert row.occurred_at == minutes_ago(30)


def test_dispatch_failed_is_recorded_and_the_user_told(send, carrier, customer):
    deadline = datetime(2026, 11, 23, 0, 0, tzinfo=SHANGHAI)
    order = order_at(carrier, customer, S.DISPATCHING, deadline=deadline)

    response = send.post(
        body(order, "order.dispatch_failed", minutes_ago(20), {"reason": "附近无空闲快递员"})
    )

    assert response.json() == {"result": "recorded"}
    order.refresh_from_db()
    assert (order.status, order.deadline, order.status_changed_at) == (
        S.DISPATCHING,
        deadline,
        minutes_ago(60),
    )
    event = only_event(order)
    assert_status_event(
        event,
        kind="order.dispatch_failed",
        old=S.DISPATCHING,
        new=S.DISPATCHING,
        msg_id=send.last_msg_id,
        occurred_at=minutes_ago(20),
        note="附近无空闲快递员",
    )
    [notice] = notices(order)
    assert notice.kind == "dispatch_failed" and notice.user == customer
    assert "附近无空闲快递员" in notice.body
    assert notice.dedupe_key == f"order:{order.pk}:dispatch_failed:{send.last_msg_id}"


def test_dispatch_failed_after_acceptance_is_illegal(send, carrier, customer):
    order = order_at(carrier, customer, S.ACCEPTED)

    response = send.post(body(order, "order.dispatch_failed", minutes_ago(20), {"reason": "x"}))

    assert response.status_code == 409
    assert response.json()["error"] == "illegal_transition"
    assert not OrderEvent.objects.filter(order=order).exists()


def test_accepted_sets_the_courier_and_clears_the_deadline(send, carrier, customer):
    order = order_at(carrier, customer, S.PLACED, deadline=datetime(2026, 11, 23, tzinfo=SHANGHAI))

    response = send.post(body(order, "order.accepted", minutes_ago(30), {"courier": COURIER}))

    assert response.json() == {"result": "applied"}
    order.refresh_from_db()
    assert order.status == S.ACCEPTED
    assert (order.courier_name, order.courier_phone, order.courier_employee_id) == (
        "王师傅",
        "13700137000",
        "SZ1024",
    )
    assert order.deadline is None
    assert_status_event(
        only_event(order),
        kind="order.accepted",
        old=S.PLACED,
        new=S.ACCEPTED,
        msg_id=send.last_msg_id,
        occurred_at=minutes_ago(30),
    )
    [notice] = notices(order)
    assert notice.kind == "accepted"
    assert "王师傅" in notice.body and "137 0013 7000" in notice.body and "SZ1024" in notice.body


def test_a_second_accepted_reassigns_the_courier_without_a_status_change(send, carrier, customer):
    order = order_at(carrier, customer, S.ACCEPTED, courier_name="王师傅", courier_phone="13700137000")

    response = send.post(body(order, "order.accepted", minutes_ago(10), {"courier": OTHER_COURIER}))

    assert response.json() == {"result": "applied"}
    order.refresh_from_db()
    assert (order.status, order.status_changed_at) == (S.ACCEPTED, minutes_ago(60))
    assert (order.courier_name, order.courier_phone, order.courier_employee_id) == (
        "赵师傅",
        "13600136000",
        "SZ2048",
    )
    event = only_event(order)
    assert (event.kind, event.old_status, event.new_status) == ("order.accepted", S.ACCEPTED, S.ACCEPTED)
    assert event.data["reassigned"] is True
    assert event.data["courier"] == OTHER_COURIER
    [notice] = notices(order)
    assert notice.kind == "accepted" and "赵师傅" in notice.body


def test_a_reassignment_older_than_the_current_courier_is_late(send, carrier, customer):
    order = order_at(carrier, customer, S.PLACED)
    send.post(body(order, "order.accepted", minutes_ago(30), {"courier": COURIER}))
    send.post(body(order, "order.accepted", minutes_ago(10), {"courier": OTHER_COURIER}))

    response = send.post(body(order, "order.accepted", minutes_ago(20), {"courier": COURIER}))

    assert response.json() == {"result": "recorded"}
    order.refresh_from_db()
    assert order.courier_name == "赵师傅"
    late = OrderEvent.objects.get(source_event_id=send.last_msg_id)
    assert late.occurred_at == minutes_ago(20) and late.data["late"] is True


@pytest.mark.parametrize("status", [S.PLACED, S.DISPATCHING, S.ACCEPTED])
def test_pickup_exception_sets_the_next_midnight_after_receipt(send, carrier, customer, time_machine, status):
    order = order_at(carrier, customer, status, since=datetime(2026, 11, 22, 8, tzinfo=SHANGHAI))
    time_machine.move_to(datetime(2026, 11, 22, 23, 59, 59, tzinfo=SHANGHAI), tick=False)

    response = send.post(
        body(
            order,
            "order.pickup_exception",
            datetime(2026, 11, 22, 23, 58, tzinfo=SHANGHAI),
            {"code": "unreachable", "note": "无人接听"},
        )
    )

    assert response.json() == {"result": "recorded"}
    order.refresh_from_db()
    assert order.status == status
    assert (order.exception_code, order.exception_note) == ("unreachable", "无人接听")
    assert order.deadline == datetime(2026, 11, 23, 0, 0, tzinfo=SHANGHAI)
    event = only_event(order)
    assert (event.kind, event.old_status, event.new_status) == ("order.pickup_exception", status, status)
    [notice] = notices(order)
    assert notice.kind == "pickup_exception" and notice.requires_action
    assert "无人接听" in notice.body and "2026-11-23 00:00" in notice.body


def test_pickup_exception_received_at_midnight_runs_to_the_following_midnight(
    send, carrier, customer, time_machine
):
    order = order_at(carrier, customer, S.ACCEPTED, since=datetime(2026, 11, 22, 8, tzinfo=SHANGHAI))
    # It happened before midnight, but the platform heard of it at 00:00:00.
    time_machine.move_to(datetime(2026, 11, 23, 0, 0, 0, tzinfo=SHANGHAI), tick=False)

    send.post(
        body(
            order,
            "order.pickup_exception",
            datetime(2026, 11, 22, 23, 59, tzinfo=SHANGHAI),
            {"code": "cannot_enter", "note": ""},
        )
    )

    order.refresh_from_db()
    assert order.deadline == datetime(2026, 11, 24, 0, 0, tzinfo=SHANGHAI)


def test_pickup_exception_after_pickup_is_illegal(send, carrier, customer):
    order = order_at(carrier, customer, S.PICKED_UP)

    response = send.post(
        body(order, "order.pickup_exception", minutes_ago(5), {"code": "unreachable", "note": ""})
    )

    assert response.status_code == 409
    order.refresh_from_db()
    assert order.exception_code == "" and order.deadline is None
    assert notices(order) == []


def test_exception_resolved_after_acceptance_clears_it_with_no_deadline(send, carrier, customer):
    order = order_at(carrier, customer, S.ACCEPTED)
    send.post(body(order, "order.pickup_exception", minutes_ago(30), {"code": "unreachable", "note": ""}))

    response = send.post(body(order, "order.exception_resolved", minutes_ago(20), {"note": "已联系上"}))

    assert response.json() == {"result": "applied"}
    order.refresh_from_db()
    assert (order.exception_code, order.exception_note, order.deadline) == ("", "", None)
    event = OrderEvent.objects.get(source_event_id=send.last_msg_id)
    assert (event.kind, event.note, event.data["resolved"]) == (
        "order.exception_resolved",
        "已联系上",
        "unreachable",
    )


def test_exception_resolved_before_acceptance_restores_the_booking_deadline(
    send, carrier, customer, time_machine
):
    order = order_at(carrier, customer, S.DISPATCHING, since=datetime(2026, 11, 22, 9, tzinfo=SHANGHAI))
    OrderEvent.objects.create(
        order=order,
        kind="status",
        old_status="",
        new_status=S.PLACED,
        actor=Actor.USER,
        occurred_at=datetime(2026, 11, 21, 22, 0, tzinfo=SHANGHAI),
    )
    send.post(body(order, "order.pickup_exception", minutes_ago(30), {"code": "phone_invalid", "note": ""}))
    order.refresh_from_db()
    assert order.deadline == datetime(2026, 11, 23, tzinfo=SHANGHAI)

    send.post(body(order, "order.exception_resolved", minutes_ago(20), {"note": ""}))

    order.refresh_from_db()
    assert order.exception_code == ""
    # Placed on the 21st: it was due at 00:00 on the 22nd (the next expiry run takes it).
    assert order.deadline == datetime(2026, 11, 22, tzinfo=SHANGHAI)


def test_exception_resolved_with_nothing_open_is_recorded(send, carrier, customer):
    order = order_at(carrier, customer, S.ACCEPTED)

    response = send.post(body(order, "order.exception_resolved", minutes_ago(20), {"note": ""}))

    assert response.json() == {"result": "recorded"}
    assert only_event(order).kind == "order.exception_resolved"


def test_a_resolution_older_than_the_exception_is_late(send, carrier, customer):
    order = order_at(carrier, customer, S.ACCEPTED)
    send.post(body(order, "order.pickup_exception", minutes_ago(20), {"code": "unreachable", "note": ""}))

    response = send.post(body(order, "order.exception_resolved", minutes_ago(30), {"note": ""}))

    assert response.json() == {"result": "recorded"}
    order.refresh_from_db()
    assert order.exception_code == "unreachable" and order.deadline is not None


@pytest.mark.parametrize(
    ("event_type", "data"),
    [("order.accepted", {"courier": COURIER}), ("order.picked_up", picked_up_data())],
)
def test_progress_clears_the_open_exception(send, carrier, customer, event_type, data):
    order = order_at(carrier, customer, S.PLACED)
    send.post(body(order, "order.pickup_exception", minutes_ago(40), {"code": "unreachable", "note": "x"}))

    response = send.post(body(order, event_type, minutes_ago(30), data))

    assert response.json() == {"result": "applied"}
    order.refresh_from_db()
    assert (order.exception_code, order.exception_note, order.deadline) == ("", "", None)


def test_an_acceptance_older_than_the_open_exception_leaves_it_open(send, carrier, customer, time_machine):
    order = order_at(carrier, customer, S.PLACED)
    send.post(body(order, "order.pickup_exception", minutes_ago(20), {"code": "unreachable", "note": "x"}))
    order.refresh_from_db()
    deadline = order.deadline

    response = send.post(body(order, "order.accepted", minutes_ago(30), {"courier": COURIER}))

    assert response.json() == {"result": "applied"}
    order.refresh_from_db()
    assert order.status == S.ACCEPTED
    assert (order.exception_code, order.deadline) == ("unreachable", deadline)


def test_picked_up_with_the_right_code_sets_waybill_and_fee(send, carrier, customer):
    order = order_at(carrier, customer, S.ACCEPTED)
    corrections = {"recipient_phone": "13900139001", "weight_kg": 1.6}

    response = send.post(
        body(order, "order.picked_up", minutes_ago(15), picked_up_data(corrections=corrections))
    )

    assert response.json() == {"result": "applied"}
    order.refresh_from_db()
    assert order.status == S.PICKED_UP
    assert (order.waybill_no, order.fee_amount, order.fee_currency) == (
        "SF1234567890",
        Decimal("23.00"),
        "CNY",
    )
    # Booking fields are never edited: the corrections are in the timeline.
    assert order.recipient_phone == "+8613900139000"
    event = only_event(order)
    assert (event.kind, event.old_status, event.new_status) == ("order.picked_up", S.ACCEPTED, S.PICKED_UP)
    assert event.data == {
        "waybill_no": "SF1234567890",
        "weight_kg": "1.600",
        "fee": {"amount": "23.00", "currency": "CNY"},
        "corrections": corrections,
    }
    [notice] = notices(order)
    assert notice.kind == "picked_up" and "SF1234567890" in notice.body and "¥23.00" in notice.body
    # The code is the user's: never stored with the carrier's event.
    assert PICKUP_CODE not in str(log_row(send.last_msg_id).payload)
    assert log_row(send.last_msg_id).payload["data"]["pickup_code"] == "[redacted]"


@pytest.mark.parametrize("code", ["000000", "", None])
def test_picked_up_with_a_wrong_or_missing_code_is_409(send, carrier, customer, code):
    assert carrier.requires_pickup_code
    order = order_at(carrier, customer, S.ACCEPTED)

    response = send.post(body(order, "order.picked_up", minutes_ago(15), picked_up_data(pickup_code=code)))

    assert response.status_code == 409
    assert response.json()["error"] == "pickup_code_mismatch"
    order.refresh_from_db()
    assert (order.status, order.waybill_no, order.fee_amount) == (S.ACCEPTED, "", None)
    assert not OrderEvent.objects.filter(order=order).exists()
    assert notices(order) == []
    row = log_row(send.last_msg_id)
    assert row.result == "illegal" and row.error.startswith("pickup_code_mismatch")


def test_a_carrier_that_does_not_require_the_code_may_leave_it_out(api_client, other_carrier, customer):
    assert not other_carrier.requires_pickup_code
    send = Sender(api_client, other_carrier.code, carrier_credentials_rotate(carrier=other_carrier))
    order = order_at(other_carrier, customer, S.ACCEPTED)

    response = send.post(body(order, "order.picked_up", minutes_ago(15), picked_up_data(pickup_code=None)))

    assert response.json() == {"result": "applied"}
    order.refresh_from_db()
    assert order.status == S.PICKED_UP


def test_a_wrong_code_is_refused_even_from_a_carrier_that_does_not_require_it(
    api_client, other_carrier, customer
):
    send = Sender(api_client, other_carrier.code, carrier_credentials_rotate(carrier=other_carrier))
    order = order_at(other_carrier, customer, S.ACCEPTED)

    response = send.post(
        body(order, "order.picked_up", minutes_ago(15), picked_up_data(pickup_code="111111"))
    )

    assert response.status_code == 409 and response.json()["error"] == "pickup_code_mismatch"


def test_in_transit_moves_once_and_further_scans_are_timeline_entries(send, carrier, customer):
    order = order_at(carrier, customer, S.PICKED_UP)

    first = send.post(
        body(
            order, "order.in_transit", minutes_ago(40), {"location": "深圳转运中心", "description": "已发出"}
        )
    )
    second = send.post(
        body(
            order, "order.in_transit", minutes_ago(20), {"location": "北京转运中心", "description": "已到达"}
        )
    )

    assert first.json() == {"result": "applied"} and second.json() == {"result": "recorded"}
    order.refresh_from_db()
    assert (order.status, order.status_changed_at) == (S.IN_TRANSIT, minutes_ago(40))
    events = list(OrderEvent.objects.filter(order=order).order_by("id"))
    assert [(e.old_status, e.new_status, e.note) for e in events] == [
        (S.PICKED_UP, S.IN_TRANSIT, "深圳转运中心 · 已发出"),
        (S.IN_TRANSIT, S.IN_TRANSIT, "北京转运中心 · 已到达"),
    ]
    assert notices(order) == []


def test_out_for_delivery_keeps_the_delivery_courier_in_the_timeline(send, carrier, customer):
    order = order_at(carrier, customer, S.IN_TRANSIT, courier_name="王师傅")

    response = send.post(body(order, "order.out_for_delivery", minutes_ago(10), {"courier": OTHER_COURIER}))

    assert response.json() == {"result": "applied"}
    order.refresh_from_db()
    assert order.status == S.OUT_FOR_DELIVERY
    assert order.courier_name == "王师傅"  # the pickup courier the user verified stays
    assert only_event(order).data == {"courier": OTHER_COURIER}


def test_out_for_delivery_without_a_courier(send, carrier, customer):
    order = order_at(carrier, customer, S.PICKED_UP)

    assert send.post(body(order, "order.out_for_delivery", minutes_ago(10))).json() == {"result": "applied"}


def test_problem_notifies_the_user(send, carrier, customer):
    order = order_at(carrier, customer, S.OUT_FOR_DELIVERY)

    response = send.post(body(order, "order.problem", minutes_ago(10), {"description": "收件人电话无法接通"}))

    assert response.json() == {"result": "applied"}
    order.refresh_from_db()
    assert order.status == S.PROBLEM
    assert only_event(order).note == "收件人电话无法接通"
    [notice] = notices(order)
    assert notice.kind == "problem" and "收件人电话无法接通" in notice.body


def test_signed_with_a_remark_stores_it(send, carrier, customer):
    order = order_at(carrier, customer, S.OUT_FOR_DELIVERY)

    response = send.post(
        body(order, "order.signed", minutes_ago(5), {"signed_by": "前台", "remark": "外箱破损"})
    )

    assert response.json() == {"result": "applied"}
    order.refresh_from_db()
    assert order.status == S.SIGNED
    event = only_event(order)
    assert event.data == {"signed_by": "前台", "remark": "外箱破损", "intact": False}
    assert event.note == "外箱破损"
    [notice] = notices(order)
    assert notice.kind == "signed" and "前台" in notice.body and "外箱破损" in notice.body


def test_signed_without_a_remark_counts_as_intact(send, carrier, customer):
    order = order_at(carrier, customer, S.IN_TRANSIT)

    send.post(body(order, "order.signed", minutes_ago(5)))

    assert only_event(order).data == {"intact": True}


def test_rejected_notifies_the_user(send, carrier, customer):
    order = order_at(carrier, customer, S.OUT_FOR_DELIVERY)

    response = send.post(
        body(order, "order.rejected", minutes_ago(5), {"reason": "refused", "note": "收件人拒收"})
    )

    assert response.json() == {"result": "applied"}
    order.refresh_from_db()
    assert (order.status, order.reject_reason, order.return_state) == (S.REJECTED, "refused", "")
    [notice] = notices(order)
    assert notice.kind == "rejected" and "收件人拒收" in notice.body


def test_carrier_cancels_before_pickup(send, carrier, customer):
    order = order_at(carrier, customer, S.ACCEPTED)

    response = send.post(body(order, "order.cancelled", minutes_ago(5), {"reason": "超出服务范围"}))

    assert response.json() == {"result": "applied"}
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == (S.CANCELLED, "")
    event = only_event(order)
    assert (event.kind, event.actor, event.note) == ("order.cancelled", Actor.CARRIER, "超出服务范围")
    [notice] = notices(order)
    assert notice.kind == "cancelled"
    assert (
        "物流公司取消了该订单。" in notice.body
    )  # "The carrier cancelled the order.", in the user's language
    assert "超出服务范围" in notice.body


def test_carrier_cannot_cancel_after_pickup(send, carrier, customer):
    order = order_at(carrier, customer, S.PICKED_UP)

    response = send.post(body(order, "order.cancelled", minutes_ago(5), {"reason": "x"}))

    assert response.status_code == 409
    assert response.json()["error"] == "illegal_transition"
    assert response.json()["status"] == S.PICKED_UP
    order.refresh_from_db()
    assert order.status == S.PICKED_UP


def test_a_carrier_confirming_the_cancel_of_an_expired_order_is_recorded(send, carrier, customer):
    # The platform expired it and told the carrier; the carrier confirms it cancelled its booking.
    order = order_at(carrier, customer, S.EXPIRED)

    response = send.post(body(order, "order.cancelled", minutes_ago(5), {"reason": "订单已失效"}))

    assert (response.status_code, response.json()) == (200, {"result": "recorded"})
    order.refresh_from_db()
    assert order.status == S.EXPIRED
    [entry] = OrderEvent.objects.filter(order=order, actor="carrier")
    assert (entry.kind, entry.new_status, entry.note) == ("order.cancelled", S.EXPIRED, "订单已失效")


def test_contraband_found_moves_to_problem_and_records_a_violation(send, carrier, customer):
    order = order_at(carrier, customer, S.IN_TRANSIT)

    response = send.post(
        body(order, "order.contraband_found", minutes_ago(5), {"category": "打火机", "note": "安检发现"})
    )

    assert response.json() == {"result": "applied"}
    order.refresh_from_db()
    assert order.status == S.PROBLEM
    event = only_event(order)
    assert (event.kind, event.old_status, event.new_status) == (
        "order.contraband_found",
        S.IN_TRANSIT,
        S.PROBLEM,
    )
    [violation] = Violation.objects.all()
    assert (violation.user, violation.kind, violation.order, violation.carrier, violation.recorded_by) == (
        customer,
        ViolationKind.FALSE_INFORMATION,
        order,
        carrier,
        None,
    )
    assert "打火机" in violation.note
    [notice] = notices(order)
    assert notice.kind == "problem" and "打火机" in notice.body


def test_contraband_found_while_problem_records_the_violation_without_a_move(send, carrier, customer):
    order = order_at(carrier, customer, S.PROBLEM)

    response = send.post(
        body(order, "order.contraband_found", minutes_ago(5), {"category": "打火机", "note": ""})
    )

    assert response.json() == {"result": "applied"}
    assert (only_event(order).old_status, only_event(order).new_status) == (S.PROBLEM, S.PROBLEM)
    assert Violation.objects.filter(user=customer).count() == 1


def test_contraband_before_pickup_is_illegal(send, carrier, customer):
    order = order_at(carrier, customer, S.ACCEPTED)

    response = send.post(
        body(order, "order.contraband_found", minutes_ago(5), {"category": "打火机", "note": ""})
    )

    assert response.status_code == 409
    assert not Violation.objects.exists()


def test_the_return_leg_after_rejection(send, carrier, customer):
    order = order_at(carrier, customer, S.REJECTED)
    fee = {"amount": "12.00", "currency": "CNY"}

    returning = send.post(body(order, "order.returning", minutes_ago(30), {"reason": "拒收退回", "fee": fee}))
    again = send.post(body(order, "order.returning", minutes_ago(25), {"reason": "途中"}))
    returned = send.post(
        body(order, "order.returned", minutes_ago(20), {"reason": "已退回寄件人", "fee": fee})
    )
    disposed = send.post(body(order, "order.disposed", minutes_ago(10), {"reason": "x", "fee": fee}))

    assert [r.status_code for r in (returning, again, returned, disposed)] == [200, 200, 200, 409]
    assert [r.json().get("result") for r in (returning, again, returned)] == [
        "applied",
        "recorded",
        "applied",
    ]
    order.refresh_from_db()
    assert (order.status, order.return_state, order.status_changed_at) == (
        S.REJECTED,
        ReturnState.RETURNED,
        minutes_ago(60),
    )
    events = list(OrderEvent.objects.filter(order=order).order_by("id"))
    assert [(e.kind, e.new_status) for e in events] == [
        ("order.returning", S.REJECTED),
        ("order.returning", S.REJECTED),
        ("order.returned", S.REJECTED),
    ]
    assert events[0].data == {"reason": "拒收退回", "fee": fee}


def test_disposed_straight_after_rejection(send, carrier, customer):
    order = order_at(carrier, customer, S.REJECTED)

    response = send.post(body(order, "order.disposed", minutes_ago(10), {"reason": "无法退回，已销毁"}))

    assert response.json() == {"result": "applied"}
    order.refresh_from_db()
    assert order.return_state == ReturnState.DISPOSED


@pytest.mark.parametrize("status", [S.SIGNED, S.IN_TRANSIT, S.CANCELLED])
def test_the_return_leg_needs_a_rejected_order(send, carrier, customer, status):
    order = order_at(carrier, customer, status)

    response = send.post(body(order, "order.returning", minutes_ago(10), {"reason": ""}))

    assert response.status_code == 409
    order.refresh_from_db()
    assert order.return_state == ""


def test_a_user_deleted_order_goes_on_without_notices(send, carrier, customer):
    order = order_at(carrier, customer, S.ACCEPTED, hidden_by_user_at=minutes_ago(50))

    response = send.post(body(order, "order.picked_up", minutes_ago(15), picked_up_data()))

    assert response.json() == {"result": "applied"}
    order.refresh_from_db()
    assert order.status == S.PICKED_UP
    assert notices(order) == []


def test_an_anonymised_order_goes_on_without_notices_or_violations(send, carrier, customer):
    # A deleted account leaves its orders without a user (DESIGN §6); carriers finish them.
    order = order_at(carrier, None, S.IN_TRANSIT)

    response = send.post(
        body(order, "order.contraband_found", minutes_ago(5), {"category": "打火机", "note": ""})
    )

    assert response.json() == {"result": "applied"}
    order.refresh_from_db()
    assert order.status == S.PROBLEM
    assert not Violation.objects.exists()
    assert notices(order) == []
