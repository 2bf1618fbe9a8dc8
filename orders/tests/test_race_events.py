"""Carrier callbacks racing each other and the user, with real threads (DESIGN §7.2, §11). PostgreSQL."""

import json
import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from rest_framework.test import APIClient

from carriers.models import CARRIER_EVENT_TAKEN, CarrierEvent
from carriers.services import carrier_credentials_rotate
from carriers.webhooks import sign_payload
from notifications.models import Notification
from orders.models import Order, OrderEvent, OutboxMessage, Status
from orders.services.cancellation import OrderNotCancellable, order_cancel
from orders.tests.carrier_events_support import COURIER, EVENTS_URL, body, order_at, picked_up_data
from orders.tests.concurrency import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent unique checks are only meaningful on PostgreSQL")


def _poster(carrier_code, secret, payload, msg_id):
    raw = json.dumps(payload, ensure_ascii=False).encode()

    def post():
        headers = sign_payload(secret=secret, msg_id=msg_id, timestamp=timezone.now(), body=raw)
        response = APIClient().post(
            EVENTS_URL.format(code=carrier_code), data=raw, content_type="application/json", headers=headers
        )
        return response.status_code, response.json()

    return post


def _first_then_second(order_pk, first, second):
    """Run ``first`` while it holds the order's row lock and ``second`` waits for that lock.

    Forces one ordering of a race deterministically: ``second`` starts only once ``first`` holds the
    lock, and ``first`` goes on only once PostgreSQL shows a session waiting for a lock.
    """
    locked = threading.Event()
    results: list = [None, None]

    def run_first():
        from django.db import connection as thread_connection

        try:
            with transaction.atomic():
                Order.objects.select_for_update().get(pk=order_pk)
                locked.set()
                _wait_for_a_lock_waiter(thread_connection)
                results[0] = first()
        except Exception as error:  # noqa: BLE001 - the outcome under test
            results[0] = error
        finally:
            locked.set()
            thread_connection.close()

    def run_second():
        from django.db import connection as thread_connection

        try:
            assert locked.wait(10)
            results[1] = second()
        except Exception as error:  # noqa: BLE001 - the outcome under test
            results[1] = error
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _wait_for_a_lock_waiter(thread_connection, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    with thread_connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # Activity is read once per transaction unless the snapshot is cleared.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError("the second writer never waited for the row lock")


def _outbox_count(order, event_type) -> int:
    return OutboxMessage.objects.filter(order=order, event_type=event_type).count()


@pytest.mark.parametrize("attempt", range(3))
def test_the_same_event_id_posted_concurrently_is_applied_once(attempt, carrier, customer):
    secret = carrier_credentials_rotate(carrier=carrier)
    order = order_at(carrier, customer, Status.PLACED, since=timezone.now() - timedelta(hours=1))
    payload = body(order, "order.accepted", timezone.now() - timedelta(minutes=5), {"courier": COURIER})

    results = race(*[_poster(carrier.code, secret, payload, "evt-concurrent") for _ in range(5)])

    assert sorted(r[1]["result"] for r in results) == ["applied"] + ["duplicate"] * 4
    assert all(r[0] == 200 for r in results)
    order.refresh_from_db()
    assert order.status == Status.ACCEPTED
    assert OrderEvent.objects.filter(order=order).count() == 1
    assert (
        CarrierEvent.objects.filter(webhook_id="evt-concurrent", result__in=CARRIER_EVENT_TAKEN).count() == 1
    )
    assert CarrierEvent.objects.filter(webhook_id="evt-concurrent", result="duplicate").count() == 4
    assert Notification.objects.filter(order=order, kind="accepted").count() == 1


@pytest.mark.parametrize("attempt", range(2))
def test_concurrent_reassignments_with_one_id_change_the_courier_once(attempt, carrier, customer):
    secret = carrier_credentials_rotate(carrier=carrier)
    order = order_at(carrier, customer, Status.ACCEPTED, since=timezone.now() - timedelta(hours=1))
    payload = body(
        order,
        "order.accepted",
        timezone.now() - timedelta(minutes=5),
        {"courier": {**COURIER, "name": "赵师傅"}},
    )

    results = race(*[_poster(carrier.code, secret, payload, "evt-reassign") for _ in range(4)])

    assert sorted(r[1]["result"] for r in results) == ["applied"] + ["duplicate"] * 3
    assert OrderEvent.objects.filter(order=order, source_event_id="evt-reassign").count() == 1


PICKUP_TIMES = pytest.mark.parametrize(
    ("pickup_happened", "carrier_told_when_cancel_wins"),
    [
        # The courier scanned it before the user's cancel landed: a late event, kept in the timeline.
        (timedelta(minutes=-1), (200, {"result": "recorded"})),
        # Scanned after the cancel: an illegal move.
        (timedelta(minutes=1), (409, "illegal_transition")),
    ],
)


def _cancel_and_pickup(carrier, customer, pickup_happened, msg_id):
    secret = carrier_credentials_rotate(carrier=carrier)
    order = order_at(carrier, customer, Status.ACCEPTED, since=timezone.now() - timedelta(hours=1))
    payload = body(order, "order.picked_up", timezone.now() + pickup_happened, picked_up_data())
    cancel = lambda: order_cancel(order=Order.objects.get(pk=order.pk), actor_user=customer)  # noqa: E731
    return order, cancel, _poster(carrier.code, secret, payload, msg_id)


def _assert_one_outcome(order, cancel, pickup, carrier_told_when_cancel_wins) -> str:
    """Exactly one of the two won, with everything that goes with it; returns which."""
    order.refresh_from_db()
    # Status changes only: timeline entries have old == new.
    moves = list(OrderEvent.objects.filter(order=order).exclude(old_status=F("new_status")).order_by("id"))
    assert len(moves) == 1, moves
    assert moves[0].new_status == order.status
    if order.status == Status.CANCELLED:
        assert isinstance(cancel, Order)
        status_code, answer = pickup
        expected_code, expected = carrier_told_when_cancel_wins
        assert status_code == expected_code
        assert answer == expected or answer.get("error") == expected
        assert (order.waybill_no, order.fee_amount, order.actual_weight_kg) == ("", None, None)
        entries = OrderEvent.objects.filter(order=order, kind="order.picked_up")
        assert [(e.old_status, e.new_status) for e in entries] == (
            [(Status.CANCELLED, Status.CANCELLED)] if status_code == 200 else []
        )
        assert _outbox_count(order, "order.cancelled") == 1
        # The user cancelled it themselves, and a refused or late pickup tells nobody anything.
        assert not Notification.objects.filter(order=order).exists()
        return "cancel"
    assert order.status == Status.PICKED_UP
    assert isinstance(cancel, OrderNotCancellable)
    assert pickup == (200, {"result": "applied"})
    assert (order.waybill_no, order.actual_weight_kg) == ("SF1234567890", Decimal("1.600"))
    assert _outbox_count(order, "order.cancelled") == 0
    assert list(Notification.objects.filter(order=order).values_list("kind", flat=True)) == ["picked_up"]
    return "pickup"


@PICKUP_TIMES
@pytest.mark.parametrize("first", ["cancel", "pickup"])
def test_a_user_cancel_and_a_pickup_callback_waiting_on_each_other_have_one_outcome(
    first, pickup_happened, carrier_told_when_cancel_wins, carrier, customer
):
    """Each ordering of the race, forced: the loser waits on the row lock, then sees the winner."""
    order, cancel, pickup = _cancel_and_pickup(carrier, customer, pickup_happened, f"evt-pickup-{first}")

    if first == "cancel":
        cancelled, picked_up = _first_then_second(order.pk, cancel, pickup)
    else:
        picked_up, cancelled = _first_then_second(order.pk, pickup, cancel)

    assert _assert_one_outcome(order, cancelled, picked_up, carrier_told_when_cancel_wins) == first


@PICKUP_TIMES
@pytest.mark.parametrize("attempt", range(3))
def test_a_user_cancel_racing_a_pickup_callback_has_one_outcome(
    attempt, pickup_happened, carrier_told_when_cancel_wins, carrier, customer
):
    """Free races, started together: whichever wins (the test above forces each), one outcome."""
    order, cancel, pickup = _cancel_and_pickup(carrier, customer, pickup_happened, f"evt-pickup-{attempt}")
    cancelled, picked_up = race(cancel, pickup)
    assert _assert_one_outcome(order, cancelled, picked_up, carrier_told_when_cancel_wins) in {
        "cancel",
        "pickup",
    }
