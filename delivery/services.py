"""The delivery engine: write messages, send them once each, retry what failed, give up visibly.

- **Written** by the app that has something to say, usually in the transaction that caused it
  (:func:`messages_add` writes any number in one ``INSERT``), and **queued after commit**
  (``delivery.tasks.messages_queue_on_commit``: one Celery task per message, or per batch).
- **Sent** by :func:`message_deliver`, one attempt at a time through the sender registered for the
  message's channel. The attempt is claimed with a compare-and-swap on ``attempts``, so of two
  workers (a retried task, a duplicate task, the sweeper) only one sends it; the claim pushes the
  due time out by a lease, so a worker that dies mid-send leaves the message due again later, not
  stuck. Every attempt is recorded (``Attempt``).
- **Retried** with exponential backoff (30 s, 1 min, 2 min … capped at 1 h) while the channel's
  attempts last; a failed message stays ``pending`` with its error and its next due time, and the
  sweeper (``delivery.tasks.sweep``, beat every minute) queues every pending message that is due,
  whatever its last attempt did. Then it is a dead letter (``failed``) until an admin retries it
  (``delivery.tasks.messages_retry``).
- **Ordered** where it matters: a message waits while one of a lower ``rank`` about the same
  subject on the same channel is pending (``HELD``), and goes as soon as that one is sent.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from delivery.bulk import rows_insert
from delivery.models import Attempt, Message, Status
from delivery.models import Outcome as AttemptOutcome
from delivery.registry import Delivered, FailedForGood, RetryLater, UnknownChannel, sender_for

logger = logging.getLogger(__name__)

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
SWEEP_LIMIT = 1000
ERROR_MAX_LENGTH = 2000


class Outcome(StrEnum):
    SENT = "sent"
    SKIPPED = "skipped"  # gone, already sent or failed, or another worker claimed it first
    NOT_DUE = "not_due"  # backing off: the next attempt is later
    HELD = "held"  # waits for a message of a lower rank about the same subject
    RETRY = "retry"  # this attempt failed; due again at next_attempt_at
    FAILED = "failed"  # this attempt failed for good, or it was the last one: a dead letter


def backoff_delay(attempts: int) -> timedelta:
    """How long after the ``attempts``-th attempt the next one is due: 30 s × 2^(n−1), at most 1 h."""
    exponent = min(max(attempts, 1) - 1, 20)  # 30 s × 2^7 already passes the cap
    return min(BACKOFF_BASE * 2**exponent, BACKOFF_CAP)


def sweep_grace() -> timedelta:
    """A new message is queued the moment its transaction commits; the sweeper waits this long
    before it assumes the queueing failed (broker down) and sends it itself."""
    return timedelta(seconds=settings.DELIVERY_SWEEP_GRACE_SECONDS)


def lease() -> timedelta:
    """How long a claimed attempt may take before the message is due again (a dead worker)."""
    return timedelta(seconds=settings.DELIVERY_LEASE_SECONDS)


# --- writing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """One message to write. ``sent`` records one that was delivered by being written (the
    in-app inbox): it is kept for the record and never sent."""

    channel: str
    event_type: str
    subject: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    recipient: str = ""
    rank: int = 0
    sent: bool = False


# The columns of a new message, in the order :func:`_values` gives them.
_COLUMNS = (
    "id",
    "channel",
    "event_type",
    "subject",
    "rank",
    "recipient",
    "payload",
    "status",
    "attempts",
    "next_attempt_at",
    "last_attempt_at",
    "last_error",
    "created_at",
    "sent_at",
)


def _values(draft: Draft, now: datetime, due: datetime) -> tuple:
    """A new message's row (:data:`_COLUMNS`): its id made here (uuid4), due once the sweeper's
    grace is over (``due``), or already sent if it was delivered by being written."""
    sent = now if draft.sent else None
    return (
        uuid.uuid4(),
        draft.channel,
        str(draft.event_type),
        draft.subject,
        draft.rank,
        draft.recipient,
        dict(draft.payload),
        Status.SENT if draft.sent else Status.PENDING,
        1 if draft.sent else 0,
        due,
        sent,
        "",
        now,
        sent,
    )


def messages_add(*, drafts: Sequence[Draft], now: datetime | None = None) -> list[Message]:
    """Write many messages in one ``INSERT`` (in the caller's transaction). The ids are made here
    (uuid4), so no database needs to return them."""
    now = now or timezone.now()
    due = now + sweep_grace()
    return Message.objects.bulk_create(
        [Message(**dict(zip(_COLUMNS, _values(draft, now, due), strict=True))) for draft in drafts]
    )


def messages_insert(*, drafts: Sequence[Draft], now: datetime | None = None) -> list[tuple[UUID, str, str]]:
    """:func:`messages_add` for batch jobs: the same rows, written from plain values instead of model
    instances (on PostgreSQL one ``INSERT … SELECT FROM unnest``; elsewhere :func:`messages_add`).
    Returns each message's id, status and channel, in the order of ``drafts`` (what
    ``delivery.tasks.messages_queue`` needs to queue them without reading them back)."""
    if connection.vendor != "postgresql":
        return [
            (message.pk, message.status, message.channel) for message in messages_add(drafts=drafts, now=now)
        ]
    now = now or timezone.now()
    due = now + sweep_grace()
    rows = [_values(draft, now, due) for draft in drafts]
    rows_insert(model=Message, fields=_COLUMNS, rows=rows)
    return [(row[0], row[7], row[1]) for row in rows]


def message_add(*, draft: Draft, now: datetime | None = None) -> Message:
    [message] = messages_add(drafts=[draft], now=now)
    return message


# --- sending -------------------------------------------------------------------------------------


def _attempt(message: Message) -> tuple[Outcome, str]:
    """Ask the channel's sender; anything it raises is a failed attempt worth retrying."""
    try:
        result = sender_for(message.channel).send(message)
    except UnknownChannel as error:
        return Outcome.RETRY, str(error)
    except Exception as error:  # noqa: BLE001  (every failure is recorded and retried, never lost)
        return Outcome.RETRY, str(error) or type(error).__name__
    if result is None or isinstance(result, Delivered):
        return Outcome.SENT, ""
    if isinstance(result, FailedForGood):
        return Outcome.FAILED, result.reason
    if isinstance(result, RetryLater):
        return Outcome.RETRY, result.reason
    return Outcome.RETRY, f"the sender answered {result!r}"


def _max_attempts(channel: str) -> int:
    try:
        return sender_for(channel).max_attempts()
    except UnknownChannel:
        return settings.DELIVERY_MAX_ATTEMPTS


def message_is_held(message: Message) -> bool:
    return (
        bool(message.rank)
        and Message.objects.filter(
            channel=message.channel, subject=message.subject, rank__lt=message.rank, status=Status.PENDING
        ).exists()
    )


def message_deliver(*, message_id: UUID | str, now: datetime | None = None) -> Outcome:
    """Make one attempt to send one message. Safe to run twice, or in two workers at once."""
    message = Message.objects.filter(pk=message_id).first()
    if message is None or message.status != Status.PENDING:
        return Outcome.SKIPPED
    now = now or timezone.now()
    # A fresh message goes at once (it was just queued on commit); a retried one waits its backoff.
    if message.attempts and message.next_attempt_at > now:
        return Outcome.NOT_DUE
    if message_is_held(message):
        return Outcome.HELD

    attempt = message.attempts + 1
    claimed = Message.objects.filter(pk=message.pk, status=Status.PENDING, attempts=message.attempts).update(
        attempts=attempt, last_attempt_at=now, next_attempt_at=now + lease()
    )
    if not claimed:
        return Outcome.SKIPPED
    message.attempts, message.last_attempt_at = attempt, now

    outcome, error = _attempt(message)
    error = error[:ERROR_MAX_LENGTH]
    finished = timezone.now()
    if outcome == Outcome.RETRY and attempt >= _max_attempts(message.channel):
        outcome = Outcome.FAILED
    Attempt.objects.create(
        message_id=message.pk,
        number=attempt,
        started_at=now,
        finished_at=finished,
        outcome=AttemptOutcome(outcome.value),
        error=error,
    )
    mine = Message.objects.filter(pk=message.pk, status=Status.PENDING, attempts=attempt)
    if outcome == Outcome.SENT:
        mine.update(status=Status.SENT, sent_at=finished, last_error="")
        logger.info("%s %s %s sent", message.channel, message.event_type, message.pk)
        return outcome
    if outcome == Outcome.FAILED:
        mine.update(status=Status.FAILED, last_error=error)
        logger.error(
            "%s %s %s: attempt %d failed, giving up: %s",
            message.channel,
            message.event_type,
            message.pk,
            attempt,
            error,
        )
        return outcome
    mine.update(last_error=error, next_attempt_at=now + backoff_delay(attempt))
    logger.warning(
        "%s %s %s: attempt %d failed: %s", message.channel, message.event_type, message.pk, attempt, error
    )
    return outcome


def messages_held_behind(*, message_id: UUID | str) -> list[UUID]:
    """Pending messages that were waiting for this one (same channel and subject, higher rank)."""
    message = Message.objects.filter(pk=message_id).only("channel", "subject", "rank").first()
    if message is None:
        return []
    return list(
        Message.objects.filter(
            channel=message.channel, subject=message.subject, rank__gt=message.rank, status=Status.PENDING
        ).values_list("pk", flat=True)
    )


def messages_due(
    *, now: datetime | None = None, limit: int | None = SWEEP_LIMIT, channels: Iterable[str] | None = None
) -> list[UUID]:
    """Pending messages past their due time, lower ranks first (what follows them is held)."""
    due = Message.objects.filter(status=Status.PENDING, next_attempt_at__lte=now or timezone.now())
    if channels is not None:
        due = due.filter(channel__in=list(channels))
    due = due.order_by("rank", "next_attempt_at").values_list("pk", flat=True)
    return list(due[:limit] if limit else due)


def messages_send_due(
    *, now: datetime | None = None, limit: int | None = None, channels: Iterable[str] | None = None
) -> Counter:
    """Send every due message here and now, without the broker; returns a count of outcomes."""
    now = now or timezone.now()
    outcomes: Counter = Counter()
    for message_id in messages_due(now=now, limit=limit, channels=channels):
        outcomes[message_deliver(message_id=message_id, now=now)] += 1
    return outcomes


def messages_requeue(
    *, messages: QuerySet[Message] | Iterable[Message], now: datetime | None = None
) -> list[UUID]:
    """The admin's retry, in the database: dead letters get one more attempt, pending ones are due
    now; sent messages are left alone. Returns the ids to queue (``delivery.tasks.messages_retry``
    queues them after commit)."""
    now = now or timezone.now()
    ids = [m.pk for m in messages if m.status in (Status.FAILED, Status.PENDING)]
    if not ids:
        return []
    with transaction.atomic():
        requeued = list(
            Message.objects.select_for_update()
            .filter(pk__in=ids, status__in=[Status.FAILED, Status.PENDING])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Message.objects.filter(pk__in=requeued).update(status=Status.PENDING, next_attempt_at=now)
    return requeued
