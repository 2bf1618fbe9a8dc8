"""The delivery engine through its services and tasks: due times, backoff with a cap, dead letters,
ordering, batches, and never sending twice."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from delivery import services, tasks
from delivery.models import Attempt, Message, Status
from delivery.registry import FailedForGood, RetryLater, queue_for
from delivery.services import Draft, Outcome, message_add, message_deliver, messages_add
from delivery.tasks import messages_sweep
from delivery.tests.conftest import CHANNEL

pytestmark = pytest.mark.django_db


def _message(subject="parcel:1", rank=0, event_type="parcel.sent", **fields) -> Message:
    message = message_add(draft=Draft(channel=CHANNEL, event_type=event_type, subject=subject, rank=rank))
    if fields:
        Message.objects.filter(pk=message.pk).update(**fields)
        message.refresh_from_db()
    return message


BACKOFF = [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600, 3600]


def test_backoff_doubles_from_30_seconds_and_is_capped_at_an_hour():
    assert [services.backoff_delay(n).total_seconds() for n in range(1, 12)] == BACKOFF
    assert services.backoff_delay(10_000) == timedelta(hours=1)


def test_a_failing_message_backs_off_then_becomes_a_dead_letter(pigeon, clock):
    message = _message()
    pigeon.answers = [RetryLater(f"busy {n}") for n in range(1, 6)]
    started = timezone.now()

    for attempt in range(1, 5):
        assert message_deliver(message_id=message.pk) == Outcome.RETRY
        message.refresh_from_db()
        assert (message.status, message.attempts, message.last_error) == (
            "pending",
            attempt,
            f"busy {attempt}",
        )
        assert message.next_attempt_at == timezone.now() + timedelta(seconds=BACKOFF[attempt - 1])
        # Not a second early, neither by a task nor by the sweeper.
        clock.move_to(message.next_attempt_at - timedelta(seconds=1))
        assert message_deliver(message_id=message.pk) == Outcome.NOT_DUE
        assert messages_sweep() == 0
        clock.move_to(message.next_attempt_at)

    # The fifth attempt is the channel's last: a dead letter, left alone by tasks and sweeper.
    assert message_deliver(message_id=message.pk) == Outcome.FAILED
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error, message.sent_at) == (
        "failed",
        5,
        "busy 5",
        None,
    )
    clock.shift(timedelta(days=1))
    assert message_deliver(message_id=message.pk) == Outcome.SKIPPED
    assert messages_sweep() == 0
    assert pigeon.sent == []
    # Every attempt is on record.
    assert list(message.attempt_log.values_list("number", "outcome", "error")) == [
        (1, "retry", "busy 1"),
        (2, "retry", "busy 2"),
        (3, "retry", "busy 3"),
        (4, "retry", "busy 4"),
        (5, "failed", "busy 5"),
    ]
    assert message.attempt_log.get(number=1).started_at == started


def test_a_sender_that_raises_is_a_failed_attempt_retried_later(pigeon, clock):
    message = _message()
    pigeon.answers = [ConnectionResetError("connection reset by peer")]

    assert message_deliver(message_id=message.pk) == Outcome.RETRY
    message.refresh_from_db()
    assert (message.status, message.last_error) == ("pending", "connection reset by peer")


def test_failed_for_good_goes_straight_to_the_dead_letters(pigeon):
    message = _message()
    pigeon.answers = [FailedForGood("no such address")]

    assert message_deliver(message_id=message.pk) == Outcome.FAILED
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("failed", 1, "no such address")


def test_a_channel_nobody_registered_is_a_failed_attempt(clock):
    message = message_add(draft=Draft(channel="smoke-signal", event_type="x", subject="s:1"))

    assert message_deliver(message_id=message.pk) == Outcome.RETRY
    message.refresh_from_db()
    assert (message.status, message.last_error) == (
        "pending",
        "no sender registered for channel 'smoke-signal'",
    )


def test_the_sweeper_requeues_whatever_is_due_whatever_its_last_outcome(pigeon, clock):
    never_tried = _message(subject="parcel:1")  # its task was lost with the broker
    failed_once = _message(subject="parcel:2")
    pigeon.answers = [RetryLater("busy")]
    assert message_deliver(message_id=failed_once.pk) == Outcome.RETRY
    claimed_by_a_dead_worker = _message(subject="parcel:3", attempts=1, next_attempt_at=timezone.now())
    Message.objects.filter(pk=claimed_by_a_dead_worker.pk).update(
        next_attempt_at=timezone.now() + services.lease()
    )
    dead_letter = _message(subject="parcel:4", status=Status.FAILED, attempts=5)
    sent = _message(subject="parcel:5", status=Status.SENT, attempts=1)

    # Within the grace after commit, and before backoff and lease end, nothing is due.
    assert services.messages_due() == []
    clock.shift(services.sweep_grace())
    assert set(services.messages_due()) == {never_tried.pk, failed_once.pk}
    clock.shift(services.lease())
    assert set(services.messages_due()) == {never_tried.pk, failed_once.pk, claimed_by_a_dead_worker.pk}

    assert tasks.sweep() == 3  # eager in tests: each is sent by its task
    assert sorted(pigeon.sent) == sorted(
        str(m.pk) for m in (never_tried, failed_once, claimed_by_a_dead_worker)
    )
    statuses = dict(Message.objects.values_list("pk", "status"))
    assert statuses[dead_letter.pk] == "failed" and statuses[sent.pk] == "sent"


def test_a_higher_rank_waits_for_the_lower_one_about_the_same_subject(pigeon):
    first = _message(subject="order:7", rank=0, event_type="order.created")
    second = _message(subject="order:7", rank=1, event_type="order.cancelled")
    unrelated = _message(subject="order:8", rank=1, event_type="order.cancelled")

    assert message_deliver(message_id=second.pk) == Outcome.HELD
    assert message_deliver(message_id=unrelated.pk) == Outcome.SENT
    assert tasks.deliver(str(first.pk)) == "sent"  # and queues what waited behind it

    assert pigeon.sent == [str(unrelated.pk), str(first.pk), str(second.pk)]


def test_many_messages_are_written_in_one_insert(django_assert_num_queries):
    drafts = [Draft(channel=CHANNEL, event_type="parcel.sent", subject=f"parcel:{n}") for n in range(60)]
    with django_assert_num_queries(1):
        written = messages_add(drafts=drafts)
    assert len(written) == Message.objects.count() == 60
    assert len({m.pk for m in written}) == 60


def test_a_message_is_written_once_per_channel_subject_and_type(pigeon):
    _message(subject="parcel:1")
    with pytest.raises(Exception, match="(?i)unique"), transaction.atomic():
        _message(subject="parcel:1")
    assert Message.objects.count() == 1


def test_a_batch_is_queued_as_one_task_per_batch(pigeon, monkeypatch):
    written = messages_add(
        drafts=[Draft(channel=CHANNEL, event_type="parcel.sent", subject=f"parcel:{n}") for n in range(5)]
    )
    queued = []
    monkeypatch.setattr(tasks.deliver_many, "apply_async", lambda args, **kw: queued.append(args[0]))

    assert tasks.messages_queue([m.pk for m in written], per_task=2) == 5

    assert queued == [[str(m.pk) for m in written[i : i + 2]] for i in (0, 2, 4)]
    assert tasks.deliver_many(queued[0]) == {"sent": 2}
    assert pigeon.sent == queued[0]


def test_a_batch_whose_channels_are_given_is_queued_without_reading_them(
    pigeon, monkeypatch, django_assert_num_queries
):
    written = messages_add(
        drafts=[Draft(channel=CHANNEL, event_type="parcel.sent", subject=f"parcel:{n}") for n in range(3)]
    )
    queued = []
    monkeypatch.setattr(
        tasks.deliver_many, "apply_async", lambda args, queue, **kw: queued.append((queue, args[0]))
    )

    with django_assert_num_queries(0):
        count = tasks.messages_queue(
            [m.pk for m in written], per_task=3, channels={str(m.pk): CHANNEL for m in written}
        )

    assert count == 3
    assert queued == [(queue_for(CHANNEL), [str(m.pk) for m in written])]


def test_queued_after_commit_and_never_for_a_rollback(pigeon, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = _message()
        tasks.messages_queue_on_commit([message.pk])
    assert len(callbacks) == 1
    assert pigeon.sent == [str(message.pk)]

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        rolled_back = _message(subject="parcel:2")
        tasks.messages_queue_on_commit([rolled_back.pk])
        raise RuntimeError("the caller's change failed")
    assert callbacks == []
    assert not Message.objects.filter(subject="parcel:2").exists()


def test_a_retried_or_duplicate_task_sends_nothing_twice(pigeon):
    message = _message()

    assert tasks.deliver(str(message.pk)) == "sent"
    assert tasks.deliver(str(message.pk)) == "skipped"
    assert tasks.deliver_many([str(message.pk)]) == {"skipped": 1}

    assert pigeon.sent == [str(message.pk)]
    assert Attempt.objects.filter(message=message).count() == 1


def test_retry_gives_a_dead_letter_one_more_attempt(pigeon, clock, django_capture_on_commit_callbacks):
    dead = _message(subject="parcel:1", status=Status.FAILED, attempts=5, last_error="busy")
    sent = _message(subject="parcel:2", status=Status.SENT, attempts=1)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.messages_retry(messages=Message.objects.filter(pk__in=[dead.pk, sent.pk])) == 1

    dead.refresh_from_db()
    assert (dead.status, dead.attempts, dead.last_error) == ("sent", 6, "")
    assert pigeon.sent == [str(dead.pk)]


def test_send_due_command_sends_without_the_broker(pigeon, clock, capsys):
    due = _message(subject="parcel:1", next_attempt_at=timezone.now())
    _message(subject="parcel:2", attempts=2, next_attempt_at=timezone.now() + timedelta(minutes=2))

    call_command("send_due")

    assert capsys.readouterr().out.strip() == "1 message(s) due: 1 sent."
    assert pigeon.sent == [str(due.pk)]
