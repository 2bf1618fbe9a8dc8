"""One worker pool per queue (README, "Production topology"), with real processes and a real broker.

A worker that consumes only the carrier-messages queue sends an order's carrier message and leaves
the notices' deliveries, whose tasks wait in the notifications queue; a worker on that queue then
sends them. Database and broker as in ``test_celery_worker`` (the test's own SQLite file or
PostgreSQL database, ``CELERY_BROKER_URL``'s broker under the test's own queue names).
"""

import subprocess  # noqa: S404  (starts the project's own processes)
import time
from pathlib import Path

import pytest

from tests.integration.test_celery_worker import CELERY, Database, Platform

pytestmark = pytest.mark.integration

DEADLINE = 120  # seconds for a worker to send what is on its queue (seconds when idle)

# An order cancelled by its owner (a carrier message, order.cancelled; the owner is not told of
# their own cancellation) and a pickup exception told to the owner (in-app, e-mail and SMS): one
# transaction, queued when it commits.
WRITE = """
from django.db import transaction
from notifications.models import Kind
from notifications.services import notify
from orders.services.cancellation import order_cancel
from orders.tests.factories import OrderFactory
from tests.factories import UserFactory

user = UserFactory(phone="+8613600136000", email="wang@example.com")
order = OrderFactory(user=user)
with transaction.atomic():
    order_cancel(order=order, actor_user=user)
    notify(user=user, kind=Kind.PICKUP_EXCEPTION, order=order)
"""

# How many tasks wait in the notifications queue (the name the test's settings give it; not a
# passive declaration: Redis forgets a queue once it is empty).
WAITING = """
from django.conf import settings
from courier_platform.celery import app
with app.connection_for_read() as connection:
    print(connection.default_channel.queue_declare(queue=settings.QUEUE_NOTIFICATIONS).message_count)
"""


def _worker(platform: Platform, name: str, queue: str) -> subprocess.Popen:
    platform.start(
        name,
        CELERY,
        "-A",
        "courier_platform",
        "worker",
        "-Q",
        f"{platform.env['ITEST_QUEUE']}-{queue}",
        "--loglevel=INFO",
        "--concurrency=1",
        "--without-gossip",
        "--without-mingle",
    )
    return platform.processes[name]


def _messages(database: Database) -> dict[str, list[tuple]]:
    rows = database.rows(
        "SELECT channel, event_type, status, attempts FROM delivery_message ORDER BY channel"
    )
    messages: dict[str, list[tuple]] = {}
    for channel, event_type, status, attempts in rows:
        messages.setdefault("carrier" if channel == "carrier" else "notices", []).append(
            (channel, event_type, status, attempts)
        )
    return messages


def _wait(platform: Platform, database: Database, done) -> dict[str, list[tuple]]:
    give_up = time.monotonic() + DEADLINE
    messages = _messages(database)
    while not done(messages) and time.monotonic() < give_up:
        platform.check_alive()
        time.sleep(0.5)
        messages = _messages(database)
    return messages


def test_a_carrier_messages_worker_sends_carrier_messages_and_leaves_the_notices(tmp_path: Path):
    database = Database(tmp_path)
    database.create()
    platform = Platform(tmp_path, database)
    try:
        platform.manage("migrate", "--noinput", timeout=600)  # minutes on a busy 2-core machine
        _worker(platform, "carrier-worker", "carrier-messages")
        platform.manage("shell", "--no-imports", "-c", WRITE)

        messages = _wait(
            platform, database, lambda m: all(status == "sent" for _c, _e, status, _a in m.get("carrier", []))
        )
        assert messages["carrier"] == [("carrier", "order.cancelled", "sent", 1)], platform.logs()
        # The notices: in-app delivered by being written; e-mail and SMS untouched, their tasks
        # waiting in the notifications queue, which this worker does not consume.
        assert messages["notices"] == [
            ("email", "pickup_exception", "pending", 0),
            ("in_app", "pickup_exception", "sent", 1),
            ("sms", "pickup_exception", "pending", 0),
        ], platform.logs()
        assert platform.manage("shell", "--no-imports", "-c", WAITING).split() == ["2"]

        _worker(platform, "notifications-worker", "notifications")
        messages = _wait(
            platform, database, lambda m: all(status == "sent" for _c, _e, status, _a in m["notices"])
        )
        assert [status for _c, _e, status, _a in messages["notices"]] == ["sent"] * 3, platform.logs()
        assert platform.manage("shell", "--no-imports", "-c", WAITING).split() == ["0"]
    finally:
        platform.stop()
        database.drop()
