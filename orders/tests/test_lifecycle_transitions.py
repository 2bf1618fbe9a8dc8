"""The legal-move table of DESIGN §3.1, checked pair by pair through the one transition service."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from orders.models import Actor, Order, OrderEvent, Status
from orders.services.lifecycle import IllegalTransition, order_event_record, order_transition
from orders.services.statuses import LEGAL_MOVES, order_transitioned
from orders.tests.factories import OrderFactory

S = Status

# Written out from DESIGN §3.1 on purpose (not imported): the test fails if the code's table drifts.
DESIGN_MOVES = {
    S.PLACED: {S.DISPATCHING, S.ACCEPTED, S.PICKED_UP, S.CANCELLED, S.EXPIRED},
    S.DISPATCHING: {S.ACCEPTED, S.PICKED_UP, S.CANCELLED, S.EXPIRED},
    S.ACCEPTED: {S.PICKED_UP, S.CANCELLED, S.EXPIRED},
    S.PICKED_UP: {S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.PROBLEM, S.SIGNED, S.REJECTED},
    S.IN_TRANSIT: {S.OUT_FOR_DELIVERY, S.PROBLEM, S.SIGNED, S.REJECTED},
    S.OUT_FOR_DELIVERY: {S.IN_TRANSIT, S.PROBLEM, S.SIGNED, S.REJECTED},
    S.PROBLEM: {S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.SIGNED, S.REJECTED},
}
ALL_PAIRS = list(itertools.product(S.values, S.values))
LEGAL_PAIRS = [(a, b) for a, b in ALL_PAIRS if b in DESIGN_MOVES.get(a, set())]
ILLEGAL_PAIRS = [(a, b) for a, b in ALL_PAIRS if b not in DESIGN_MOVES.get(a, set())]


def test_pairs_cover_every_status_pair():
    assert len(ALL_PAIRS) == 121
    assert len(LEGAL_PAIRS) == 5 + 4 + 3 + 5 + 4 + 4 + 4
    assert {k: set(v) for k, v in LEGAL_MOVES.items() if v} == DESIGN_MOVES
    assert {k for k, v in LEGAL_MOVES.items() if not v} == {S.SIGNED, S.REJECTED, S.CANCELLED, S.EXPIRED}


@pytest.mark.django_db
@pytest.mark.parametrize(("old", "new"), LEGAL_PAIRS)
def test_legal_move_is_applied_with_its_event(old, new, django_capture_on_commit_callbacks):
    before = timezone.now() - timedelta(hours=1)
    order = OrderFactory(status=old, status_changed_at=before)
    occurred = timezone.now() - timedelta(minutes=5)
    received = []

    def receiver(**kwargs):
        received.append(kwargs)

    order_transitioned.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            result, event = order_transition(
                order=order,
                to=new,
                actor=Actor.CARRIER,
                source_event_id="msg_1",
                occurred_at=occurred,
                note="scan",
                data={"k": "v"},
            )
    finally:
        order_transitioned.disconnect(receiver)

    assert result is order and order.status == new
    order.refresh_from_db()
    assert order.status == new
    assert order.status_changed_at == occurred
    events = list(OrderEvent.objects.filter(order=order))
    assert len(events) == 1
    assert events[0] == event
    assert (event.kind, event.old_status, event.new_status) == ("status", old, new)
    assert (event.actor, event.actor_user, event.source_event_id) == (Actor.CARRIER, None, "msg_1")
    assert (event.occurred_at, event.note, event.data) == (occurred, "scan", {"k": "v"})
    assert len(callbacks) == 1
    assert received == [
        {
            "signal": order_transitioned,
            "sender": Order,
            "order_id": order.pk,
            "event_id": event.pk,
            "old_status": old,
            "new_status": new,
            "actor": Actor.CARRIER,
        }
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(("old", "new"), ILLEGAL_PAIRS)
def test_illegal_move_is_refused_and_writes_nothing(old, new, django_capture_on_commit_callbacks):
    before = timezone.now() - timedelta(hours=1)
    deadline = timezone.now() + timedelta(hours=3)
    order = OrderFactory(status=old, status_changed_at=before, deadline=deadline)

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(IllegalTransition) as exc:
        order_transition(order=order, to=new, actor=Actor.CARRIER, changes={"waybill_no": "SF1"})

    assert (exc.value.from_status, exc.value.to_status) == (old, new)
    assert callbacks == []
    assert OrderEvent.objects.count() == 0
    order.refresh_from_db()
    assert (order.status, order.status_changed_at, order.deadline, order.waybill_no) == (
        old,
        before,
        deadline,
        "",
    )


@pytest.mark.django_db
def test_stale_instance_cannot_skip_the_table():
    """The table is checked against the locked row, not the caller's possibly stale copy."""
    order = OrderFactory(status=S.PLACED)
    Order.objects.filter(pk=order.pk).update(status=S.SIGNED)

    with pytest.raises(IllegalTransition) as exc:
        order_transition(order=order, to=S.CANCELLED, actor=Actor.ADMIN)

    assert exc.value.from_status == S.SIGNED
    assert Order.objects.get(pk=order.pk).status == S.SIGNED
    assert not OrderEvent.objects.exists()


@pytest.mark.django_db
def test_illegal_move_message_is_in_chinese():
    order = OrderFactory(status=S.SIGNED)
    with pytest.raises(IllegalTransition) as exc:
        order_transition(order=order, to=S.IN_TRANSIT, actor=Actor.CARRIER)
    assert str(exc.value) == "订单不能从“已签收”变为“运输中”。"


@pytest.mark.django_db
def test_deadline_runs_on_while_dispatching_and_is_cleared_on_acceptance():
    deadline = timezone.now() + timedelta(hours=5)
    order = OrderFactory(status=S.PLACED, deadline=deadline)

    order_transition(order=order, to=S.DISPATCHING, actor=Actor.CARRIER)
    order.refresh_from_db()
    assert order.deadline == deadline

    order_transition(
        order=order,
        to=S.ACCEPTED,
        actor=Actor.CARRIER,
        changes={"courier_name": "王师傅", "courier_phone": "+8613700000000"},
    )
    order.refresh_from_db()
    assert order.deadline is None
    assert (order.courier_name, order.courier_phone) == ("王师傅", "+8613700000000")


@pytest.mark.django_db
def test_progress_clears_an_open_pickup_exception_and_its_deadline():
    deadline = timezone.now() + timedelta(hours=5)
    order = OrderFactory(
        status=S.ACCEPTED, deadline=deadline, exception_code="unreachable", exception_note="无人接听"
    )

    order_transition(order=order, to=S.PICKED_UP, actor=Actor.CARRIER, changes={"waybill_no": "SF123"})

    order.refresh_from_db()
    assert (order.deadline, order.exception_code, order.exception_note) == (None, "", "")
    assert order.waybill_no == "SF123"


@pytest.mark.django_db
def test_expiry_keeps_the_exception_that_caused_it():
    order = OrderFactory(status=S.ACCEPTED, deadline=timezone.now(), exception_code="unreachable")

    order_transition(order=order, to=S.EXPIRED, actor=Actor.SYSTEM)

    order.refresh_from_db()
    assert (order.status, order.deadline, order.exception_code) == (S.EXPIRED, None, "unreachable")


@pytest.mark.django_db
def test_booking_fields_cannot_be_changed_by_a_transition():
    order = OrderFactory(status=S.PLACED)
    with pytest.raises(ValueError):
        order_transition(order=order, to=S.ACCEPTED, actor=Actor.CARRIER, changes={"weight_kg": 3})
    order.refresh_from_db()
    assert order.status == S.PLACED
    assert not OrderEvent.objects.exists()


@pytest.mark.django_db
def test_unknown_target_status_is_illegal():
    order = OrderFactory(status=S.PLACED)
    with pytest.raises(IllegalTransition):
        order_transition(order=order, to="teleported", actor=Actor.CARRIER)
    assert not OrderEvent.objects.exists()


@pytest.mark.django_db
def test_timeline_entry_without_status_change(django_capture_on_commit_callbacks):
    order = OrderFactory(status=S.IN_TRANSIT)
    with django_capture_on_commit_callbacks() as callbacks:
        event = order_event_record(
            order=order,
            kind="order.in_transit",
            actor=Actor.CARRIER,
            note="北京转运中心",
            changes={"exception_note": ""},
        )
    assert callbacks == []
    assert (event.old_status, event.new_status, event.note) == (S.IN_TRANSIT, S.IN_TRANSIT, "北京转运中心")
    order.refresh_from_db()
    assert order.status == S.IN_TRANSIT
