"""A late or missed midnight run changes no outcome (DESIGN §3.2 次日零点, §3.1 judgement).

An order past its deadline that the job has not expired yet is expired by whichever writer locks it
first — a carrier event, a user's or an admin's action — exactly as the job would have, and the
action is judged against the expired order. Each scenario runs twice: with the job on time (it ran
at midnight) and with the job late (it has not run yet); both must end the same.
"""

from datetime import datetime, timedelta

import pytest
from django.db.models import F

from carriers.models import CarrierEvent
from carriers.services import carrier_credentials_rotate
from notifications.models import Notification
from notifications.services import dedupe_key_for
from orders.models import Actor, Order, OrderEvent, OutboxMessage, Status
from orders.services import expiry
from orders.services.cancellation import OrderNotCancellable, order_cancel, order_expire
from orders.services.lifecycle import order_event_record
from orders.tests.carrier_events_support import COURIER, SHANGHAI, Sender, body, order_at

pytestmark = pytest.mark.django_db
S = Status

MIDNIGHT = datetime(2026, 11, 23, 0, 0, tzinfo=SHANGHAI)
PLACED_AT = MIDNIGHT - timedelta(hours=10)
# The morning after: the job should have run at 00:00.
MORNING = MIDNIGHT + timedelta(hours=9)
EXPIRED_MESSAGE = "该订单已失效，无需取消。"


@pytest.fixture(autouse=True)
def _morning(time_machine):
    time_machine.move_to(MORNING, tick=False)


@pytest.fixture(params=["on_time", "late"])
def run(request):
    """Whether the midnight job ran on time before the action (``on_time``) or has not yet."""
    return request.param


@pytest.fixture
def send(api_client, carrier):
    return Sender(api_client, carrier.code, carrier_credentials_rotate(carrier=carrier))


def overdue(carrier, customer, status=S.PLACED, *, run: str, **fields) -> Order:
    order = order_at(carrier, customer, status, since=PLACED_AT, deadline=MIDNIGHT, **fields)
    if run == "on_time":
        assert expiry.orders_expire_due(now=MIDNIGHT) == 1
    return order


def moves(order) -> list[tuple]:
    return list(
        OrderEvent.objects.filter(order=order)
        .exclude(old_status=F("new_status"))
        .values_list("old_status", "new_status", "actor", "occurred_at")
        .order_by("id")
    )


def assert_expired_once(order, *, old=S.PLACED, reason="not_accepted"):
    """The rows of one expiry at the deadline, as the job writes them, and nothing twice."""
    order.refresh_from_db()
    assert (order.status, order.status_changed_at, order.deadline) == (S.EXPIRED, MIDNIGHT, None)
    assert moves(order) == [(old, S.EXPIRED, Actor.SYSTEM, MIDNIGHT)]
    assert OrderEvent.objects.get(order=order, new_status=S.EXPIRED, kind="status").data == {"reason": reason}
    [message] = OutboxMessage.objects.filter(order=order)
    assert message.event_type == "order.expired"
    assert message.payload["occurred_at"] == "2026-11-23T00:00:00+08:00"
    [notice] = Notification.objects.filter(order=order)
    assert notice.kind == "expired"
    assert notice.dedupe_key == dedupe_key_for(kind="expired", order=order)
    # Whatever came first, the job finds nothing left to do.
    assert expiry.orders_expire_due() == 0
    assert OrderEvent.objects.filter(order=order, new_status=S.EXPIRED, kind="status").count() == 1
    assert OutboxMessage.objects.filter(order=order).count() == 1
    assert Notification.objects.filter(order=order).count() == 1


# --- carrier events ------------------------------------------------------------------------------


def test_an_acceptance_after_the_deadline_is_refused_and_the_order_expired(run, send, carrier, customer):
    order = overdue(carrier, customer, run=run)

    response = send.post(body(order, "order.accepted", MIDNIGHT + timedelta(hours=8), {"courier": COURIER}))

    assert response.status_code == 409
    assert response.json()["error"] == "illegal_transition"
    assert_expired_once(order)
    order.refresh_from_db()
    assert order.courier_name == ""
    assert not OrderEvent.objects.filter(order=order, kind="order.accepted").exists()
    assert CarrierEvent.objects.get(webhook_id=send.last_msg_id).result == "illegal"


def test_an_acceptance_before_the_deadline_that_arrives_late_is_recorded(run, send, carrier, customer):
    order = overdue(carrier, customer, run=run)
    accepted_at = MIDNIGHT - timedelta(minutes=30)

    response = send.post(body(order, "order.accepted", accepted_at, {"courier": COURIER}))

    assert (response.status_code, response.json()) == (200, {"result": "recorded"})
    assert_expired_once(order)
    entry = OrderEvent.objects.get(order=order, kind="order.accepted")
    assert (entry.old_status, entry.new_status, entry.occurred_at) == (S.EXPIRED, S.EXPIRED, accepted_at)
    assert entry.data["late"] is True
    order.refresh_from_db()
    assert order.courier_name == ""


def test_a_pickup_exception_after_the_deadline_does_not_move_it(run, send, carrier, customer):
    order = overdue(carrier, customer, run=run)

    response = send.post(
        body(
            order,
            "order.pickup_exception",
            MIDNIGHT + timedelta(hours=8),
            {"code": "unreachable", "note": ""},
        )
    )

    assert response.status_code == 409
    assert_expired_once(order)
    order.refresh_from_db()
    assert (order.exception_code, order.deadline) == ("", None)
    assert not OrderEvent.objects.filter(order=order, kind="order.pickup_exception").exists()
    assert not Notification.objects.filter(order=order, kind="pickup_exception").exists()


def test_a_pickup_exception_from_before_the_deadline_is_only_a_timeline_entry(run, send, carrier, customer):
    order = overdue(carrier, customer, run=run)

    response = send.post(
        body(
            order,
            "order.pickup_exception",
            MIDNIGHT - timedelta(hours=1),
            {"code": "unreachable", "note": ""},
        )
    )

    assert (response.status_code, response.json()) == (200, {"result": "recorded"})
    assert_expired_once(order)
    order.refresh_from_db()
    assert (order.exception_code, order.deadline) == ("", None)
    assert OrderEvent.objects.get(order=order, kind="order.pickup_exception").data["late"] is True


def test_an_unresolved_exception_expires_before_its_late_resolution(run, send, carrier, customer):
    order = overdue(
        carrier, customer, S.ACCEPTED, run=run, exception_code="unreachable", courier_name=COURIER["name"]
    )

    response = send.post(body(order, "order.exception_resolved", MIDNIGHT + timedelta(hours=1), {"note": ""}))

    assert response.status_code == 409
    assert_expired_once(order, old=S.ACCEPTED, reason="exception_unresolved")
    order.refresh_from_db()
    assert order.exception_code == "unreachable"


def test_a_duplicate_delivery_judged_after_the_catch_up_stays_a_duplicate(send, carrier, customer):
    order = overdue(carrier, customer, run="late")
    payload = body(order, "order.dispatching", MIDNIGHT - timedelta(hours=2))

    first = send.post(payload, msg_id="evt-1")
    again = send.post(payload, msg_id="evt-1")

    assert [first.json(), again.json()] == [{"result": "recorded"}, {"result": "duplicate"}]
    assert_expired_once(order)


# --- users and admins ----------------------------------------------------------------------------


def test_a_user_cancel_after_the_deadline_is_refused_as_expired(run, carrier, customer, customer_client):
    order = overdue(carrier, customer, run=run)

    response = customer_client.post(f"/api/v1/orders/{order.number}/cancel/", {"reason": "other"})

    assert (response.status_code, response.json()) == (409, {"error": EXPIRED_MESSAGE})
    assert_expired_once(order)
    order.refresh_from_db()
    assert order.cancel_reason == ""


def test_an_admin_cancel_after_the_deadline_is_refused_as_expired(run, carrier, customer, moderator):
    order = overdue(carrier, customer, run=run)

    with pytest.raises(OrderNotCancellable, match=EXPIRED_MESSAGE):
        order_cancel(order=Order.objects.get(pk=order.pk), actor_user=moderator, actor=Actor.ADMIN)

    assert_expired_once(order)
    assert not Notification.objects.filter(order=order, kind="cancelled").exists()


def test_the_caller_sees_the_expiry_even_when_refused(carrier, customer):
    order = overdue(carrier, customer, run="late")

    with pytest.raises(OrderNotCancellable):
        order_cancel(order=order, actor_user=customer)

    assert (order.status, order.status_changed_at, order.deadline) == (S.EXPIRED, MIDNIGHT, None)


def test_an_admin_expiry_of_an_overdue_order_is_the_jobs_expiry(carrier, customer, moderator):
    order = overdue(carrier, customer, run="late")

    result = order_expire(order=order, actor=Actor.ADMIN, actor_user=moderator)

    assert result.status == S.EXPIRED
    # It expired at its deadline, by the rule, as the on-time job would have written it.
    assert_expired_once(order)


def test_a_timeline_entry_on_an_overdue_order_lands_on_the_expired_order(carrier, customer):
    order = overdue(carrier, customer, run="late")

    entry = order_event_record(order=order, kind="note", actor=Actor.ADMIN, note="called the user")

    assert (entry.old_status, entry.new_status) == (S.EXPIRED, S.EXPIRED)
    assert (order.status, order.deadline) == (S.EXPIRED, None)
    assert_expired_once(order)


def test_an_order_not_yet_due_is_left_alone(send, carrier, customer):
    order = order_at(carrier, customer, S.PLACED, since=PLACED_AT, deadline=MORNING + timedelta(seconds=1))

    response = send.post(body(order, "order.accepted", MORNING - timedelta(minutes=1), {"courier": COURIER}))

    assert response.json() == {"result": "applied"}
    order.refresh_from_db()
    assert (order.status, order.deadline) == (S.ACCEPTED, None)
    assert not OutboxMessage.objects.filter(order=order).exists()
