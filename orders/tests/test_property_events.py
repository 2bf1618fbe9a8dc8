"""Property: a carrier's event stream delivered late, out of order and more than once (DESIGN §3.1).

The carrier's "true" stream is accepted → picked_up → in_transit ×n → out_for_delivery → signed,
with increasing ``occurred_at``. Hypothesis delivers it in any order, with some webhook ids sent
twice, straight to the service. Whatever the order:

- the results and the final status are those of the judgement written out below from DESIGN §3.1
  (late → recorded; same status → recorded; legal → applied; else → illegal);
- the status never went backwards: the status-changing timeline rows, in order of creation, form
  one chain along the legal table with strictly increasing ``occurred_at``;
- no webhook id was applied or recorded twice;
- once the carrier retries what was refused (as a Standard Webhooks sender does), the order is signed.
"""

import itertools
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carriers.models import CARRIER_EVENT_TAKEN, CarrierEvent
from orders.models import OrderEvent, Status
from orders.services.carrier_events import carrier_event_apply
from orders.tests.carrier_events_support import COURIER, PICKUP_CODE, order_at, picked_up_data

S = Status

# Written out from DESIGN §3.1 (the part this stream can reach), not imported from the code.
LEGAL = {
    S.PLACED: {S.DISPATCHING, S.ACCEPTED, S.PICKED_UP, S.CANCELLED, S.EXPIRED},
    S.ACCEPTED: {S.PICKED_UP, S.CANCELLED, S.EXPIRED},
    S.PICKED_UP: {S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.PROBLEM, S.SIGNED, S.REJECTED},
    S.IN_TRANSIT: {S.OUT_FOR_DELIVERY, S.PROBLEM, S.SIGNED, S.REJECTED},
    S.OUT_FOR_DELIVERY: {S.IN_TRANSIT, S.PROBLEM, S.SIGNED, S.REJECTED},
    S.SIGNED: set(),
}
TARGET = {
    "order.accepted": S.ACCEPTED,
    "order.picked_up": S.PICKED_UP,
    "order.in_transit": S.IN_TRANSIT,
    "order.out_for_delivery": S.OUT_FOR_DELIVERY,
    "order.signed": S.SIGNED,
}
DATA = {
    "order.accepted": {"courier": COURIER},
    "order.picked_up": picked_up_data(pickup_code=PICKUP_CODE),
    "order.in_transit": {"location": "转运中心", "description": "扫描"},
    "order.out_for_delivery": {},
    "order.signed": {"signed_by": "本人"},
}
_runs = itertools.count(1)


@st.composite
def deliveries(draw):
    """(number of in_transit scans, delivery order as indexes into the true stream)."""
    scans = draw(st.integers(min_value=1, max_value=3))
    size = 4 + scans
    order = list(draw(st.permutations(range(size))))
    for index in draw(st.lists(st.integers(min_value=0, max_value=size - 1), max_size=size)):
        order.insert(draw(st.integers(min_value=0, max_value=len(order))), index)
    return scans, order


def true_stream(scans: int, start):
    types = [
        "order.accepted",
        "order.picked_up",
        *["order.in_transit"] * scans,
        "order.out_for_delivery",
        "order.signed",
    ]
    return [(kind, start + timedelta(minutes=i + 1)) for i, kind in enumerate(types)]


def judge(status, since, kind, at):
    """DESIGN §3.1 for one event; returns (result, status, since)."""
    target = TARGET[kind]
    if at < since or (at == since and target != status and target not in LEGAL[status]):
        return "recorded", status, since
    if target == status:
        return ("applied" if kind == "order.accepted" else "recorded"), status, since
    if target in LEGAL[status]:
        return "applied", target, at
    return "illegal", status, since


@pytest.mark.django_db
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=deliveries())
def test_any_delivery_order_ends_where_the_rules_say_and_never_goes_back(plan, carrier, customer):
    scans, sequence = plan
    placed_at = timezone.now() - timedelta(hours=2)
    order = order_at(carrier, customer, S.PLACED, since=placed_at)
    stream = true_stream(scans, placed_at)
    run = next(_runs)
    ids = [f"prop-{run}-{i}" for i in range(len(stream))]

    def deliver(index):
        kind, at = stream[index]
        return carrier_event_apply(
            carrier=carrier,
            webhook_id=ids[index],
            order_number=order.number,
            type=kind,
            occurred_at=at,
            data=DATA[kind],
        ).result

    # The reference judgement, delivery by delivery.
    status, since, taken, expected = S.PLACED, placed_at, set(), []
    for index in sequence:
        if ids[index] in taken:
            expected.append("duplicate")
            continue
        result, status, since = judge(status, since, *stream[index])
        if result != "illegal":
            taken.add(ids[index])
        expected.append(result)

    results = [deliver(index) for index in sequence]

    assert results == expected
    order.refresh_from_db()
    assert order.status == status
    assert order.status_changed_at == since
    _assert_never_backwards(order, placed_at)
    _assert_each_id_taken_at_most_once(ids)

    # The carrier retries what was refused, in its own order: everything lands, signed last.
    refused = [index for index in range(len(stream)) if ids[index] not in taken]
    for index in refused:
        assert deliver(index) in ("applied", "recorded")
    order.refresh_from_db()
    assert order.status == S.SIGNED
    assert order.status_changed_at == stream[-1][1]
    _assert_never_backwards(order, placed_at)
    _assert_each_id_taken_at_most_once(ids)
    assert Counter(
        OrderEvent.objects.filter(order=order).values_list("source_event_id", flat=True)
    ) == Counter(ids)


def _assert_never_backwards(order, placed_at):
    moves = OrderEvent.objects.filter(order=order).order_by("id")
    status, since = S.PLACED, placed_at
    for event in moves:
        if event.old_status == event.new_status:
            assert event.new_status == status  # a timeline entry in the status of its time
            continue
        assert event.old_status == status
        assert event.new_status in LEGAL[status]
        assert event.occurred_at > since  # only a newer event moves the status
        status, since = event.new_status, event.occurred_at
    assert status == order.status


def _assert_each_id_taken_at_most_once(ids):
    taken = Counter(
        CarrierEvent.objects.filter(webhook_id__in=ids, result__in=CARRIER_EVENT_TAKEN).values_list(
            "webhook_id", flat=True
        )
    )
    assert all(count == 1 for count in taken.values())
    timeline = Counter(
        OrderEvent.objects.filter(source_event_id__in=ids).values_list("source_event_id", flat=True)
    )
    assert all(count == 1 for count in timeline.values())
    assert set(timeline) == set(taken)
