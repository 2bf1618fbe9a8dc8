"""Two workers, one message: it is sent once (a retried task, a duplicate task, the sweeper's task
racing the original). Needs PostgreSQL."""

import threading
import time

import pytest
from django.db import connection

from delivery.models import Attempt, Message
from delivery.services import Draft, Outcome, message_add, message_deliver
from delivery.tests.conftest import CHANNEL
from orders.tests.concurrency import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent claims are only meaningful on PostgreSQL")


class SlowPigeon:
    """Takes a while to deliver, so the racing worker arrives mid-send."""

    def __init__(self):
        self.sent: list[str] = []
        self.lock = threading.Lock()

    def send(self, message):
        time.sleep(0.2)
        with self.lock:
            self.sent.append(str(message.pk))


@pytest.fixture
def slow_pigeon(pigeon):
    slow = SlowPigeon()
    pigeon.send = slow.send
    return slow


@pytest.fixture
def pigeon(monkeypatch):
    from delivery import registry

    class Holder:
        send = None

    holder = Holder()
    monkeypatch.setitem(
        registry._SENDERS,
        CHANNEL,
        registry.Sender(
            channel=CHANNEL, send=lambda m: holder.send(m), max_attempts=lambda: 5, queue=lambda: "default"
        ),
    )
    return holder


@pytest.mark.parametrize("attempt", range(5))
def test_two_workers_racing_for_one_message_send_it_once(attempt, slow_pigeon):
    message = message_add(draft=Draft(channel=CHANNEL, event_type="parcel.sent", subject=f"parcel:{attempt}"))

    results = race(
        lambda: message_deliver(message_id=message.pk),
        lambda: message_deliver(message_id=message.pk),
        lambda: message_deliver(message_id=message.pk),
    )

    # One sends; the others lose the claim (SKIPPED) or find it claimed and not due (NOT_DUE).
    assert results.count(Outcome.SENT) == 1
    assert set(results) - {Outcome.SENT} <= {Outcome.SKIPPED, Outcome.NOT_DUE}
    assert slow_pigeon.sent == [str(message.pk)]
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 1)
    assert Attempt.objects.filter(message=message).count() == 1


def test_a_duplicate_task_arriving_mid_send_finds_the_message_claimed(pigeon, slow_pigeon):
    message = message_add(draft=Draft(channel=CHANNEL, event_type="parcel.sent", subject="parcel:x"))
    started = threading.Event()

    def send(m):
        started.set()
        slow_pigeon.send(m)

    pigeon.send = send
    results: list = []

    def first():
        from django.db import connection as thread_connection

        try:
            results.append(message_deliver(message_id=message.pk))
        finally:
            thread_connection.close()

    worker = threading.Thread(target=first)
    worker.start()
    assert started.wait(5)
    duplicate = message_deliver(message_id=message.pk)  # the claim is out, the send not yet done
    worker.join()

    assert (results, duplicate) == ([Outcome.SENT], Outcome.NOT_DUE)
    assert slow_pigeon.sent == [str(message.pk)]
    assert Message.objects.get(pk=message.pk).status == "sent"
