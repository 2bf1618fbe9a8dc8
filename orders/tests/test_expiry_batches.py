"""The midnight expiry at scale (DESIGN §3.2): constant statements per batch, one task per batch and queue,
a run killed halfway and two runs at once (PostgreSQL), each batch logged, every run recorded."""

import logging
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from delivery import tasks as delivery_tasks
from delivery.models import Message
from notifications.models import Notification
from orders.models import Order, OrderEvent, OutboxMessage, Status
from orders.services import expiry
from orders.tests.concurrency import race
from orders.tests.factories import OrderFactory, OrderUserFactory

MIDNIGHT = datetime(2026, 11, 23, tzinfo=ZoneInfo("Asia/Shanghai"))
S = Status
ROOT = Path(__file__).resolve().parents[2]


def _due_orders(count: int, **kwargs) -> list[Order]:
    return OrderFactory.create_batch(count, status=S.PLACED, deadline=MIDNIGHT, **kwargs)


def _statements_per_batch() -> int:
    # The batch's transaction (a savepoint inside the test's: two statements), the claim (which
    # also reads what the notices need of the orders and their owners), the events, the outbox
    # messages and their links, the notices and their deliveries. PostgreSQL: one UPDATE …
    # RETURNING claims, and the notices are one INSERT that skips those that exist. Elsewhere a
    # select and the guarded update claim, and the notices that exist are looked up first, then
    # the notices written in a savepoint of their own.
    return 8 if connection.vendor == "postgresql" else 12


# The last batch finds nothing (its transaction and its claim); then the run is recorded (one upsert).
EMPTY_CLAIM = 3 + 1


@pytest.mark.django_db
# At most 15 orders: their deliveries fit one INSERT under SQLite's 999 parameters per statement
# (beyond it Django splits an INSERT there; PostgreSQL has no such limit).
@pytest.mark.parametrize("orders", [3, 15])
def test_a_batch_issues_the_same_statements_whatever_its_size(orders, django_assert_num_queries):
    _due_orders(orders, user=OrderUserFactory(email="owner@example.com"))
    with django_assert_num_queries(_statements_per_batch() + EMPTY_CLAIM):
        assert expiry.orders_expire_due(now=MIDNIGHT, batch_size=50) == orders


@pytest.mark.django_db
def test_each_batch_adds_the_same_statements(django_assert_num_queries):
    _due_orders(9, user=OrderUserFactory(email="owner@example.com"))
    with django_assert_num_queries(3 * _statements_per_batch() + EMPTY_CLAIM):
        assert expiry.orders_expire_due(now=MIDNIGHT, batch_size=3) == 9


@pytest.mark.django_db
def test_one_task_per_batch_and_queue_carries_the_messages_and_the_deliveries(
    monkeypatch, django_capture_on_commit_callbacks
):
    owner = OrderUserFactory(email="owner@example.com")  # in-app (written sent) and e-mail (to send)
    _due_orders(5, user=owner)
    queued: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(
        delivery_tasks.deliver_many,
        "apply_async",
        lambda args, queue, **kwargs: queued.append((queue, list(args[0]))),
    )
    monkeypatch.setattr(
        delivery_tasks.deliver,
        "apply_async",
        lambda args, queue, **kwargs: queued.append((queue, list(args))),
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert expiry.orders_expire_due(now=MIDNIGHT, batch_size=3) == 5

    carrier_messages = {str(pk) for pk in OutboxMessage.objects.values_list("pk", flat=True)}
    to_send = {
        str(pk)
        for pk in Message.objects.exclude(channel="carrier")
        .filter(status="pending")
        .values_list("pk", flat=True)
    }
    per_order = len(to_send) // 5  # the channels besides in-app the owner gets notices on
    assert len(carrier_messages) == 5
    assert per_order >= 1
    # Two batches, 3 orders then 2: each one task for its carrier messages (on their queue) and
    # one for its notices' deliveries (on theirs).
    assert [(queue, len(batch)) for queue, batch in queued] == [
        ("carrier-messages", 3),
        ("notifications", 3 * per_order),
        ("carrier-messages", 2),
        ("notifications", 2 * per_order),
    ]
    assert {m for queue, batch in queued if queue == "carrier-messages" for m in batch} == carrier_messages
    assert {m for queue, batch in queued if queue == "notifications" for m in batch} == to_send


@pytest.mark.django_db
def test_every_batch_is_logged_with_its_counts_and_rate(caplog):
    _due_orders(5, user=OrderUserFactory())
    with caplog.at_level(logging.INFO, logger="orders.services.expiry"):
        expiry.orders_expire_due(now=MIDNIGHT, batch_size=2)
    lines = [r.getMessage() for r in caplog.records if r.name == "orders.services.expiry"]
    assert [line.split(" in ")[0] for line in lines[:3]] == [
        "expiry batch 1: 2 orders expired, 2 notices,",
        "expiry batch 2: 2 orders expired, 2 notices,",
        "expiry batch 3: 1 orders expired, 1 notices,",
    ]
    assert all("orders/s); " in line for line in lines[:3])
    assert lines[3].startswith(
        "expiry run: 5 orders due by 2026-11-23T00:00:00+08:00 expired in 3 batches, 5 notices"
    )


@pytest.mark.django_db
def test_a_batch_tells_each_owner_in_their_language_on_their_channels(settings):
    settings.NOTIFICATIONS_CHANNELS = ["email", "sms"]
    owners = [
        OrderUserFactory(language="zh-hant", email="hk@example.com", phone="+85291234567"),
        OrderUserFactory(language="en", email="en@example.com", notification_channels={"email": False}),
        OrderUserFactory(language="", email=None, phone="+12025550123"),  # no language, no SMS mobile
    ]
    orders = [_due_orders(1, user=owner)[0] for owner in owners]
    deleted = _due_orders(1, user=owners[0], hidden_by_user_at=MIDNIGHT)[0]

    assert expiry.orders_expire_due(now=MIDNIGHT, batch_size=10) == 4

    notices = {n.order_id: n for n in Notification.objects.filter(kind="expired")}
    assert {pk: (n.user_id, n.title) for pk, n in notices.items()} == {
        orders[0].pk: (owners[0].pk, f"訂單 {orders[0].number} 已失效"),
        orders[1].pk: (owners[1].pk, f"Order {orders[1].number} expired"),
        orders[2].pk: (owners[2].pk, f"订单 {orders[2].number} 已失效"),
    }
    assert notices[orders[1].pk].body.startswith("No courier accepted the order in time")
    assert all(n.requires_action and n.dedupe_key == f"order:{pk}:expired" for pk, n in notices.items())
    channels = {
        (notices[pk].order_id, channel, status)
        for pk in notices
        for channel, status in Message.objects.filter(subject=f"notification:{notices[pk].pk}").values_list(
            "channel", "status"
        )
    }
    assert channels == {
        (orders[0].pk, "in_app", "sent"),
        (orders[0].pk, "email", "pending"),
        (orders[0].pk, "sms", "pending"),  # the expiry notice goes by SMS whatever the owner chose
        (orders[1].pk, "in_app", "sent"),
        (orders[1].pk, "sms", "pending"),
        (orders[2].pk, "in_app", "sent"),
    }
    assert Order.objects.get(pk=deleted.pk).status == S.EXPIRED
    assert OutboxMessage.objects.filter(order=deleted).count() == 1


# --- PostgreSQL: a run killed halfway, two runs at once --------------------------------------------


def _needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("the crash and the concurrent runs need PostgreSQL's row locks and processes")


def _exactly_once_each(orders: list[Order]) -> None:
    ids = {o.pk for o in orders}
    assert set(Order.objects.filter(status=S.EXPIRED).values_list("pk", flat=True)) == ids
    for model, lookup in (
        (OrderEvent, {"new_status": S.EXPIRED}),
        (OutboxMessage, {"event_type": "order.expired"}),
        (Notification, {"kind": "expired"}),
    ):
        per_order = list(model.objects.filter(**lookup).values_list("order_id", flat=True))
        assert sorted(per_order) == sorted(ids), model.__name__


# The child: the job with small batches, SIGKILLed by itself inside its third batch's transaction
# (after that batch's writes, before its commit), as a worker killed by the OOM killer would be.
KILLED_HALFWAY = """
import os, signal, django
django.setup()
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo
from orders.services import expiry
batches = []
write = expiry._expire_rows
def dying(**kwargs):
    result = write(**kwargs)
    batches.append(1)
    if len(batches) == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return result
expiry._expire_rows = dying
expiry.orders_expire_due(
    now=datetime(2026, 11, 23, tzinfo=ZoneInfo("Asia/Shanghai")), batch_size=4, workers=int(os.environ["WORKERS"])
)
"""


def _child_env() -> dict[str, str]:
    settings = connection.settings_dict
    url = f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "courier_platform.settings",
        "DEV_MODE": "1",
        "CELERY_BROKER_URL": "memory://",
        "PYTHONPATH": str(ROOT),
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("workers", [1, 2])
def test_a_run_killed_halfway_is_finished_by_the_next_exactly_once(settings, workers):
    _needs_postgres()
    settings.CARRIER_SIMULATOR = False
    orders = _due_orders(18, user=OrderUserFactory(email="owner@example.com"))

    child = subprocess.run(
        [sys.executable, "-c", KILLED_HALFWAY],
        cwd=ROOT,
        env={**_child_env(), "WORKERS": str(workers)},
        capture_output=True,
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()[-2000:]
    # Whole batches committed, the one being written died with its transaction: with one worker
    # the first two; with two, the other thread's latest batch may not have committed yet.
    expired = Order.objects.filter(status=S.EXPIRED).count()
    assert expired == 8 if workers == 1 else expired in (4, 8)
    assert OrderEvent.objects.filter(new_status=S.EXPIRED).count() == expired

    assert expiry.orders_expire_due(now=MIDNIGHT, batch_size=4) == 18 - expired
    _exactly_once_each(orders)
    assert expiry.orders_expire_due(now=MIDNIGHT, batch_size=4) == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
# Two runs of one worker each (three attempts), and two runs of two workers each.
@pytest.mark.parametrize(("workers", "attempt"), [(1, 0), (1, 1), (1, 2), (2, 0)])
def test_two_runs_at_once_expire_each_order_exactly_once(workers, attempt, settings):
    _needs_postgres()
    settings.CARRIER_SIMULATOR = False
    orders = _due_orders(60, user=OrderUserFactory(email="owner@example.com"))

    def run() -> int:
        return expiry.orders_expire_due(now=MIDNIGHT, batch_size=5, workers=workers)

    first, second = race(run, run)
    assert (isinstance(first, int), isinstance(second, int)) == (True, True), (first, second)
    assert first + second == 60
    _exactly_once_each(orders)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_run_of_several_workers_expires_each_order_exactly_once(settings):
    # EXPIRY_WORKERS threads take batches side by side, each on its own connection (production's
    # default on PostgreSQL is 2); the run counts every batch of every worker.
    _needs_postgres()
    settings.CARRIER_SIMULATOR = False
    orders = _due_orders(60, user=OrderUserFactory(email="owner@example.com"))
    runs = []

    def recorded(sender, run, **kwargs):
        runs.append(run)

    expiry.expiry_run_finished.connect(recorded)
    try:
        assert expiry.orders_expire_due(now=MIDNIGHT, batch_size=5, workers=3) == 60
    finally:
        expiry.expiry_run_finished.disconnect(recorded)
    _exactly_once_each(orders)
    [run] = runs
    assert (run.expired, run.batches, run.notices) == (60, 12, 60)
    settings.EXPIRY_WORKERS = 2
    assert expiry.orders_expire_due(now=MIDNIGHT, batch_size=5) == 0


def test_a_worker_that_fails_fails_the_run(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(expiry, "_expire_batch", broken)
    with pytest.raises(RuntimeError, match="the database went away"):
        expiry.orders_expire_due(now=MIDNIGHT, workers=2)


# --- the catch-up ------------------------------------------------------------------------------------


def test_beat_catches_up_every_five_minutes_but_never_at_midnight_itself(settings):
    from celery.schedules import crontab

    entry = settings.CELERY_BEAT_SCHEDULE["orders-expire-catch-up"]
    assert (entry["task"], entry["schedule"]) == ("orders.tasks.expire_orders", crontab(minute="2-59/5"))
    assert sorted(entry["schedule"].minute) == [2, 7, 12, 17, 22, 27, 32, 37, 42, 47, 52, 57]
    assert entry["schedule"].hour == set(range(24))


@pytest.mark.django_db
def test_a_machine_down_at_midnight_is_caught_up_by_the_next_run(time_machine):
    time_machine.move_to(MIDNIGHT - timedelta(hours=3), tick=False)
    orders = _due_orders(4, user=OrderUserFactory())
    # Nothing ran at 00:00; the catch-up at 00:02 expires every order, each at its deadline.
    time_machine.move_to(MIDNIGHT + timedelta(minutes=2), tick=False)
    assert expiry.orders_expire_due() == 4
    assert set(Order.objects.values_list("status", "status_changed_at")) == {(S.EXPIRED, MIDNIGHT)}
    assert OrderEvent.objects.filter(new_status=S.EXPIRED, occurred_at=MIDNIGHT).count() == len(orders)
    # The catch-up five minutes on finds nothing more to do.
    time_machine.move_to(MIDNIGHT + timedelta(minutes=7), tick=False)
    assert expiry.orders_expire_due() == 0


# Owners in every language, on every channel mix: a batch of many owners issues the same statements
# as a batch of one, and each notice is written in its owner's language.
LANGUAGES = ["zh-hans", "zh-hant", "en", ""]
TITLES = {
    "zh-hans": "订单 {} 已失效",
    "zh-hant": "訂單 {} 已失效",
    "en": "Order {} expired",
    "": "订单 {} 已失效",
}


def _owners(count: int, prefix: str = "owner") -> list:
    channel_mixes = [
        {"sms": False, "email": True, "push": False, "wechat": False},
        {"sms": True, "email": False, "push": False, "wechat": False},
        {"sms": True, "email": True, "push": False, "wechat": False},
        {"sms": False, "email": False, "push": False, "wechat": False},
    ]
    return [
        OrderUserFactory(
            language=LANGUAGES[i % 4],
            email=f"{prefix}{i}@example.com" if i % 3 else None,
            notification_channels=channel_mixes[(i // 4) % 4],
        )
        for i in range(count)
    ]


def _statements(orders_and_owners: int, prefix: str, batch_size: int = 50) -> int:
    from django.test.utils import CaptureQueriesContext

    for owner in _owners(orders_and_owners, prefix):
        _due_orders(1, user=owner)
    with CaptureQueriesContext(connection) as captured:
        assert expiry.orders_expire_due(now=MIDNIGHT, batch_size=batch_size) == orders_and_owners
    return len(captured.captured_queries)


@pytest.mark.django_db
def test_a_batch_of_many_owners_in_every_language_issues_as_many_statements_as_one_of_a_few():
    few = _statements(4, "few")
    many = _statements(15, "many")

    assert many == few


@pytest.mark.django_db
def test_each_notice_of_a_batch_is_in_its_owners_language():
    owners = _owners(12)
    orders = [_due_orders(1, user=owner)[0] for owner in owners]

    assert expiry.orders_expire_due(now=MIDNIGHT, batch_size=50) == 12

    titles = dict(Notification.objects.filter(kind="expired").values_list("order__number", "title"))
    assert titles == {o.number: TITLES[o.user.language].format(o.number) for o in orders}
