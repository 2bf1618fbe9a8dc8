"""The expiry job racing other writers (DESIGN §3.2, §11). Needs PostgreSQL for real row locks."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction

from notifications.models import Notification
from orders.models import Actor, Order, OrderEvent, OutboxMessage, Status
from orders.services import expiry
from orders.services.cancellation import OrderNotCancellable, order_cancel
from orders.services.lifecycle import IllegalTransition, order_transition
from orders.tests.factories import OrderFactory

MIDNIGHT = datetime(2026, 11, 23, tzinfo=ZoneInfo("Asia/Shanghai"))
S = Status

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgres(settings):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are only meaningful on PostgreSQL")
    settings.CARRIER_SIMULATOR = False


@pytest.fixture(autouse=True)
def _before_midnight(time_machine):
    # The other writers act before the deadline: after it they would expire the order themselves.
    time_machine.move_to(MIDNIGHT - timedelta(minutes=1), tick=True)


def _in_thread(call):
    result: list = []

    def run():
        from django.db import connection as thread_connection

        try:
            result.append(call())
        except Exception as error:  # noqa: BLE001 - the outcome under test
            result.append(error)
        finally:
            thread_connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def test_a_row_another_writer_holds_is_skipped_and_expired_next_run(customer):
    held = OrderFactory(user=customer, status=S.PLACED, deadline=MIDNIGHT)
    free = OrderFactory(user=customer, status=S.PLACED, deadline=MIDNIGHT)
    locked = threading.Event()
    release = threading.Event()

    def hold_the_row():
        with transaction.atomic():
            Order.objects.select_for_update().get(pk=held.pk)
            locked.set()
            release.wait(10)

    holder, _ = _in_thread(hold_the_row)
    assert locked.wait(10)
    try:
        # The job does not wait for the held row: it expires the rest and leaves that one.
        assert expiry.orders_expire_due(now=MIDNIGHT) == 1
    finally:
        release.set()
        holder.join()

    assert Order.objects.get(pk=free.pk).status == S.EXPIRED
    assert Order.objects.get(pk=held.pk).status == S.PLACED
    assert expiry.orders_expire_due(now=MIDNIGHT) == 1
    assert Order.objects.get(pk=held.pk).status == S.EXPIRED
    assert OrderEvent.objects.filter(new_status=S.EXPIRED).count() == 2
    assert OutboxMessage.objects.filter(event_type="order.expired").count() == 2


@pytest.mark.parametrize("attempt", range(5))
def test_acceptance_racing_the_job_has_exactly_one_outcome(attempt, customer):
    order = OrderFactory(user=customer, status=S.DISPATCHING, deadline=MIDNIGHT)
    barrier = threading.Barrier(2)

    def accept():
        barrier.wait()
        return order_transition(order=Order.objects.get(pk=order.pk), to=S.ACCEPTED, actor=Actor.CARRIER)

    def expire():
        barrier.wait()
        return expiry.orders_expire_due(now=MIDNIGHT)

    threads = [_in_thread(accept), _in_thread(expire)]
    for thread, _result in threads:
        thread.join()
    accepted, expired = threads[0][1][0], threads[1][1][0]

    order.refresh_from_db()
    events = list(OrderEvent.objects.filter(order=order).values_list("new_status", flat=True))
    messages = list(OutboxMessage.objects.filter(order=order).values_list("event_type", flat=True))
    if order.status == S.EXPIRED:
        assert isinstance(accepted, IllegalTransition)
        assert (expired, events, messages) == (1, [S.EXPIRED], ["order.expired"])
    else:
        assert order.status == S.ACCEPTED
        # The job either ran first and found the row taken, or after and found nothing due.
        assert (expired, events, messages) == (0, [S.ACCEPTED], [])


@pytest.mark.parametrize("attempt", range(5))
def test_a_late_cancel_racing_the_late_job_expires_the_order_once(attempt, customer, time_machine):
    """Both find the order overdue: whichever locks it first expires it, the other finds it done."""
    placed_at = MIDNIGHT - timedelta(hours=10)
    order = OrderFactory(user=customer, status=S.PLACED, deadline=MIDNIGHT, status_changed_at=placed_at)
    time_machine.move_to(MIDNIGHT + timedelta(hours=9), tick=True)
    barrier = threading.Barrier(2)

    def cancel():
        barrier.wait()
        return order_cancel(order=Order.objects.get(pk=order.pk), actor_user=customer)

    def expire():
        barrier.wait()
        return expiry.orders_expire_due()

    threads = [_in_thread(cancel), _in_thread(expire)]
    for thread, _result in threads:
        thread.join()
    cancelled, expired = threads[0][1][0], threads[1][1][0]

    assert isinstance(cancelled, OrderNotCancellable)
    assert expired in (0, 1)  # 0: the cancel expired it first (or held the row)
    assert expiry.orders_expire_due() == 0
    order.refresh_from_db()
    assert (order.status, order.status_changed_at) == (S.EXPIRED, MIDNIGHT)
    assert list(OrderEvent.objects.filter(order=order).values_list("new_status", "actor")) == [
        (S.EXPIRED, Actor.SYSTEM)
    ]
    assert list(OutboxMessage.objects.filter(order=order).values_list("event_type", flat=True)) == [
        "order.expired"
    ]
    assert list(Notification.objects.filter(order=order).values_list("kind", flat=True)) == ["expired"]
