"""Carrier callbacks racing each other and the user, with real threads (DESIGN §7.2, §11). PostgreSQL."""

import json
import threading
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import F
from django.utils import timezone
from rest_framework.test import APIClient

from carriers.models import CARRIER_EVENT_TAKEN, CarrierEvent
from carriers.services import carrier_credentials_rotate
from carriers.webhooks import sign_payload
from notifications.models import Notification
from orders.models import Order, OrderEvent, Status
from orders.services.lifecycle import OrderNotCancellable, order_cancel
from orders.tests.carrier_events_support import COURIER, EVENTS_URL, body, order_at, picked_up_data

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent unique checks are only meaningful on PostgreSQL")


def _race(*calls):
    """Run the calls at the same moment in their own threads; return what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - the outcome under test
            results[index] = error
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _poster(carrier_code, secret, payload, msg_id):
    raw = json.dumps(payload, ensure_ascii=False).encode()

    def post():
        headers = sign_payload(secret=secret, msg_id=msg_id, timestamp=timezone.now(), body=raw)
        response = APIClient().post(
            EVENTS_URL.format(code=carrier_code), data=raw, content_type="application/json", headers=headers
        )
        return response.status_code, response.json()

    return post


def _outbox_count(order, event_type) -> int | None:
    try:
        message = apps.get_model("orders", "OutboxMessage")
    except LookupError:  # the outbox is another part of issue 3
        return None
    return message.objects.filter(order=order, event_type=event_type).count()


@pytest.mark.parametrize("attempt", range(3))
def test_the_same_event_id_posted_concurrently_is_applied_once(attempt, carrier, customer):
    secret = carrier_credentials_rotate(carrier=carrier)
    order = order_at(carrier, customer, Status.PLACED, since=timezone.now() - timedelta(hours=1))
    payload = body(order, "order.accepted", timezone.now() - timedelta(minutes=5), {"courier": COURIER})

    results = _race(*[_poster(carrier.code, secret, payload, "evt-concurrent") for _ in range(5)])

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

    results = _race(*[_poster(carrier.code, secret, payload, "evt-reassign") for _ in range(4)])

    assert sorted(r[1]["result"] for r in results) == ["applied"] + ["duplicate"] * 3
    assert OrderEvent.objects.filter(order=order, source_event_id="evt-reassign").count() == 1


@pytest.mark.parametrize(
    ("pickup_happened", "carrier_told_when_cancel_wins"),
    [
        # The courier scanned it before the user's cancel landed: a late event, kept in the timeline.
        (timedelta(minutes=-1), (200, {"result": "recorded"})),
        # Scanned after the cancel: an illegal move.
        (timedelta(minutes=1), (409, "illegal_transition")),
    ],
)
@pytest.mark.parametrize("attempt", range(3))
def test_a_user_cancel_racing_a_pickup_callback_has_one_outcome(
    attempt, pickup_happened, carrier_told_when_cancel_wins, carrier, customer
):
    secret = carrier_credentials_rotate(carrier=carrier)
    order = order_at(carrier, customer, Status.ACCEPTED, since=timezone.now() - timedelta(hours=1))
    payload = body(order, "order.picked_up", timezone.now() + pickup_happened, picked_up_data())

    cancel, pickup = _race(
        lambda: order_cancel(order=Order.objects.get(pk=order.pk), actor_user=customer),
        _poster(carrier.code, secret, payload, f"evt-pickup-{attempt}"),
    )

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
        assert (order.waybill_no, order.fee_amount) == ("", None)
        entries = OrderEvent.objects.filter(order=order, kind="order.picked_up")
        assert [(e.old_status, e.new_status) for e in entries] == (
            [(Status.CANCELLED, Status.CANCELLED)] if status_code == 200 else []
        )
        assert _outbox_count(order, "order.cancelled") in (None, 1)
    else:
        assert order.status == Status.PICKED_UP
        assert isinstance(cancel, OrderNotCancellable)
        assert pickup == (200, {"result": "applied"})
        assert order.waybill_no == "SF1234567890"
        assert _outbox_count(order, "order.cancelled") in (None, 0)
