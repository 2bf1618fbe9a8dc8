"""The midnight expiry job (DESIGN §3.2, 次日零点): the boundary, late and repeated runs, batches."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carriers.shipment import Party, Shipment
from notifications.models import Notification
from orders import tasks
from orders.clock import next_local_midnight
from orders.models import Actor, Order, OrderEvent, OutboxMessage, Status
from orders.services import booking, expiry
from orders.services.statuses import order_transitioned
from orders.tests.factories import OrderFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
S = Status
PLACED_AT = datetime(2026, 11, 22, 23, 59, tzinfo=SHANGHAI)
MIDNIGHT = datetime(2026, 11, 23, 0, 0, tzinfo=SHANGHAI)

pytestmark = pytest.mark.django_db


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def book_at(user, moment: datetime) -> Order:
    next_morning = next_local_midnight(moment)
    with time_machine.travel(moment, tick=False):
        shipment = Shipment(
            sender=Party("张三", "+8613800138000", "广东省", "深圳市", "南山区", "科技园科苑路1号"),
            recipient=Party("李四", "+8613900139000", "北京市", "北京市", "朝阳区", "建国路88号"),
            pickup_start=next_morning + timedelta(hours=10),
            pickup_end=next_morning + timedelta(hours=12),
            weight_kg=Decimal("1.5"),
            item_type="clothing",
            description="冬季外套",
        )
        return booking.order_place(
            user=user, shipment=shipment, carrier_code="swift-express", contract_version="v1"
        )


def expire_at(moment: datetime, **kwargs) -> int:
    with time_machine.travel(moment, tick=False):
        return expiry.orders_expire_due(**kwargs)


def expired_events():
    return OrderEvent.objects.filter(new_status=S.EXPIRED)


def test_an_order_placed_at_2359_expires_at_midnight_not_a_second_before(demo_carriers, customer):
    order = book_at(customer, PLACED_AT)
    assert order.deadline == MIDNIGHT

    assert expire_at(at(2026, 11, 22, 23, 59, 59)) == 0
    order.refresh_from_db()
    assert order.status == S.PLACED

    assert expire_at(MIDNIGHT) == 1
    order.refresh_from_db()
    assert (order.status, order.status_changed_at, order.deadline) == (S.EXPIRED, MIDNIGHT, None)
    event = expired_events().get()
    assert (event.order, event.kind, event.old_status, event.actor, event.occurred_at) == (
        order,
        "status",
        S.PLACED,
        Actor.SYSTEM,
        MIDNIGHT,
    )
    assert event.data == {"reason": "not_accepted"}
    message = OutboxMessage.objects.get(event_type="order.expired")
    assert (message.order, message.carrier, message.status) == (order, order.carrier, "pending")
    assert message.payload == {
        "order": order.number,
        "reason": "not_accepted",
        "deadline": "2026-11-23T00:00:00+08:00",
        "occurred_at": "2026-11-23T00:00:00+08:00",
    }
    notice = Notification.objects.get(kind="expired")
    assert (notice.user, notice.order, notice.requires_action) == (customer, order, True)
    assert notice.title == f"订单 {order.number} 已失效"


def test_a_late_run_two_days_on_expires_each_due_order_once_at_its_deadline(demo_carriers, customer):
    first = book_at(customer, PLACED_AT)
    second = book_at(customer, at(2026, 11, 23, 9, 0))  # deadline 2026-11-24 00:00
    not_yet = book_at(customer, at(2026, 11, 25, 8, 0))  # deadline 2026-11-26 00:00

    assert expire_at(at(2026, 11, 25, 9, 30)) == 2

    events = {e.order_id: e.occurred_at for e in expired_events()}
    assert events == {first.pk: MIDNIGHT, second.pk: at(2026, 11, 24, 0, 0)}
    assert Order.objects.get(pk=not_yet.pk).status == S.PLACED

    # Repeated runs, late or not, find nothing more.
    assert expire_at(at(2026, 11, 25, 9, 31)) == 0
    assert expire_at(at(2026, 11, 25, 23, 59, 59)) == 0
    assert expired_events().count() == 2
    assert OutboxMessage.objects.filter(event_type="order.expired").count() == 2
    assert Notification.objects.filter(kind="expired").count() == 2


def test_what_may_expire(customer):
    due = MIDNIGHT
    placed = OrderFactory(user=customer, status=S.PLACED, deadline=due)
    dispatching = OrderFactory(user=customer, status=S.DISPATCHING, deadline=due)
    # Accepted, then a pickup exception set the deadline again and nobody resolved it.
    exception = OrderFactory(user=customer, status=S.ACCEPTED, deadline=due, exception_code="unreachable")
    accepted = OrderFactory(user=customer, status=S.ACCEPTED, deadline=None)
    picked_up = OrderFactory(user=customer, status=S.PICKED_UP, deadline=due)  # a stale deadline
    cancelled = OrderFactory(user=customer, status=S.CANCELLED, deadline=due)

    assert expire_at(at(2026, 12, 31, 12, 0)) == 3

    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses == {
        placed.pk: S.EXPIRED,
        dispatching.pk: S.EXPIRED,
        exception.pk: S.EXPIRED,
        accepted.pk: S.ACCEPTED,
        picked_up.pk: S.PICKED_UP,
        cancelled.pk: S.CANCELLED,
    }
    reasons = {e.order_id: (e.old_status, e.data["reason"]) for e in expired_events()}
    assert reasons == {
        placed.pk: (S.PLACED, "not_accepted"),
        dispatching.pk: (S.DISPATCHING, "not_accepted"),
        exception.pk: (S.ACCEPTED, "exception_unresolved"),
    }
    notice = Notification.objects.get(order=exception)
    assert notice.body.startswith("揽件异常未能按时解决，订单已失效。")
    assert OutboxMessage.objects.get(order=exception).payload["reason"] == "exception_unresolved"


def test_accepted_orders_without_an_exception_never_expire(customer):
    OrderFactory(user=customer, status=S.ACCEPTED, deadline=None, status_changed_at=at(2020, 1, 1, 0, 0))
    assert expire_at(at(2030, 1, 1, 0, 0)) == 0


def test_the_status_never_goes_back_in_time(customer):
    """An order dispatched after its deadline but before the job ran expires at that later change."""
    dispatched = at(2026, 11, 23, 0, 0, 30)
    order = OrderFactory(user=customer, status=S.DISPATCHING, deadline=MIDNIGHT, status_changed_at=dispatched)
    assert expire_at(at(2026, 11, 23, 0, 1)) == 1
    order.refresh_from_db()
    assert order.status_changed_at == dispatched
    assert expired_events().get().occurred_at == dispatched


def test_deleted_orders_expire_without_a_notice(customer):
    order = OrderFactory(user=customer, status=S.PLACED, deadline=MIDNIGHT, hidden_by_user_at=MIDNIGHT)
    assert expire_at(MIDNIGHT) == 1
    assert Order.objects.get(pk=order.pk).status == S.EXPIRED
    assert not Notification.objects.exists()
    assert OutboxMessage.objects.filter(order=order).count() == 1  # the carrier is still told


def test_batches_are_set_based(customer):
    def run(count: int) -> int:
        OrderFactory.create_batch(count, user=customer, status=S.PLACED, deadline=MIDNIGHT)
        with CaptureQueriesContext(connection) as queries:
            assert expire_at(MIDNIGHT, batch_size=500) == count
        return len(queries)

    few = run(3)
    # Each expired order writes two messages (in-app and SMS): 30 orders stay within SQLite's 999
    # parameters per INSERT, so the count compares the SQL the job issues, not SQLite's splitting.
    many = run(30)
    assert few == many  # the number of queries does not grow with the number of orders


def test_many_batches_expire_everything(customer):
    OrderFactory.create_batch(7, user=customer, status=S.PLACED, deadline=MIDNIGHT)
    assert expire_at(MIDNIGHT, batch_size=3) == 7
    assert expired_events().count() == 7
    assert OutboxMessage.objects.count() == 7
    assert Notification.objects.filter(kind="expired").count() == 7


def test_a_failing_batch_writes_nothing(customer, monkeypatch):
    order = OrderFactory(user=customer, status=S.PLACED, deadline=MIDNIGHT)

    def broken(**kwargs):
        raise RuntimeError("notices are down")

    monkeypatch.setattr(expiry, "notify_orders", broken)
    with pytest.raises(RuntimeError):
        expire_at(MIDNIGHT)

    order.refresh_from_db()
    assert (order.status, order.deadline) == (S.PLACED, MIDNIGHT)
    assert not OrderEvent.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_after_commit_the_push_is_queued_and_the_signal_sent(
    customer, settings, django_capture_on_commit_callbacks
):
    settings.CARRIER_SIMULATOR = False
    order = OrderFactory(user=customer, status=S.PLACED, deadline=MIDNIGHT)
    received = []

    def receiver(**kwargs):
        received.append((kwargs["order_id"], kwargs["old_status"], kwargs["new_status"], kwargs["actor"]))

    order_transitioned.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            expire_at(MIDNIGHT)
    finally:
        order_transitioned.disconnect(receiver)

    assert received == [(order.pk, S.PLACED, S.EXPIRED, Actor.SYSTEM)]
    assert OutboxMessage.objects.get().status == "sent"  # the carrier's manual integration took it


def test_the_task_runs_the_job(customer):
    OrderFactory(user=customer, status=S.PLACED, deadline=MIDNIGHT)
    with time_machine.travel(MIDNIGHT, tick=False):
        assert tasks.expire_orders() == 1


# --- the command ---------------------------------------------------------------------------------


def test_command_expires_what_was_due_as_of_a_time(customer, capsys):
    early = OrderFactory(user=customer, status=S.PLACED, deadline=MIDNIGHT)
    later = OrderFactory(user=customer, status=S.PLACED, deadline=at(2026, 11, 24, 0, 0))

    call_command("expire_orders", "--as-of", "2026-11-22T23:59:59")
    assert capsys.readouterr().out == "Expired 0 order(s) due by 2026-11-22T23:59:59+08:00.\n"

    call_command("expire_orders", "--as-of", "2026-11-23T00:00:00+08:00")
    assert capsys.readouterr().out == "Expired 1 order(s) due by 2026-11-23T00:00:00+08:00.\n"
    assert Order.objects.get(pk=early.pk).status == S.EXPIRED
    assert Order.objects.get(pk=later.pk).status == S.PLACED

    call_command("expire_orders", "--as-of", "2026-11-23")  # a date is its 00:00
    assert capsys.readouterr().out == "Expired 0 order(s) due by 2026-11-23T00:00:00+08:00.\n"


def test_command_without_as_of_uses_now(customer, capsys):
    OrderFactory(user=customer, status=S.PLACED, deadline=MIDNIGHT)
    with time_machine.travel(MIDNIGHT + timedelta(minutes=5), tick=False):
        call_command("expire_orders")
    assert capsys.readouterr().out == "Expired 1 order(s) due by 2026-11-23T00:05:00+08:00.\n"


def test_command_refuses_a_bad_time(db):
    with pytest.raises(CommandError, match="not an ISO 8601"):
        call_command("expire_orders", "--as-of", "tomorrow")


def test_command_refuses_fewer_than_one_worker(customer):
    order = OrderFactory(user=customer, status=S.PLACED, deadline=MIDNIGHT)
    with pytest.raises(CommandError, match="--workers must be at least 1"):
        call_command("expire_orders", "--as-of", "2026-11-23", "--workers", "0")
    assert Order.objects.get(pk=order.pk).status == S.PLACED


# --- the beat schedule ---------------------------------------------------------------------------


def test_beat_runs_the_expiry_job_at_midnight_in_shanghai():
    from courier_platform.celery import app

    entry = django_settings.CELERY_BEAT_SCHEDULE["orders-expire-at-midnight"]
    assert entry["task"] == "orders.tasks.expire_orders"
    assert entry["task"] in app.tasks
    schedule = entry["schedule"]
    assert schedule == crontab(hour=0, minute=0)
    assert (schedule.hour, schedule.minute) == ({0}, {0})
    assert schedule.day_of_week == set(range(7)) and schedule.day_of_month == set(range(1, 32))
    assert django_settings.CELERY_TIMEZONE == "Asia/Shanghai"
    assert str(app.timezone) == "Asia/Shanghai"

    schedule = crontab(hour=0, minute=0, app=app)
    last_run = at(2026, 11, 22, 0, 0)
    with time_machine.travel(at(2026, 11, 22, 23, 59, 30), tick=False):
        due, wait = schedule.is_due(last_run)
        assert (due, wait) == (False, 30.0)
    with time_machine.travel(at(2026, 11, 23, 0, 0, 1), tick=False):
        due, _wait = schedule.is_due(last_run)
        assert due


def test_beat_sweeps_the_outbox_every_minute():
    entry = django_settings.CELERY_BEAT_SCHEDULE["delivery-sweep"]
    assert (entry["task"], entry["schedule"]) == ("delivery.tasks.sweep", 60.0)
    from courier_platform.celery import app

    app.loader.import_default_modules()  # what a worker does at start: autodiscover every tasks.py
    for name, entry in django_settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name
