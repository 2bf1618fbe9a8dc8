"""The delivery engine's side of Celery: its tasks (thin, by id, safe to run twice) and the
functions that hand messages to them, each on its channel's queue (``delivery.registry.queue_for``:
carrier messages and notifications have workers of their own). Whatever cannot be queued (the
broker is down) stays pending in the database, and the sweeper sends it when it is due: queueing
never raises into a caller.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import partial
from itertools import islice
from uuid import UUID

from celery import shared_task
from django.db import transaction
from django.db.models import QuerySet

from delivery import services
from delivery.models import Message
from delivery.registry import queue_for

logger = logging.getLogger(__name__)

RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


@shared_task(ignore_result=True, acks_late=True)
def deliver(message_id: str) -> str:
    """One attempt at one message; a failed one is queued again for when its backoff ends."""
    outcome = services.message_deliver(message_id=message_id)
    if outcome == services.Outcome.SENT:
        # What waited behind this message (a cancel behind its order.created) can go now.
        messages_queue(services.messages_held_behind(message_id=message_id))
    elif outcome == services.Outcome.RETRY:
        row = Message.objects.filter(pk=message_id).values_list("attempts", "channel").first()
        if row is None:  # deleted meanwhile (an account deleted with its notices)
            return outcome.value
        attempts, channel = row
        countdown = services.backoff_delay(attempts).total_seconds()
        try:
            deliver.apply_async(args=[message_id], countdown=countdown, queue=queue_for(channel))
        except Exception:  # noqa: BLE001  (broker down: the sweeper sends it when it is due)
            logger.warning("could not re-queue message %s", message_id, exc_info=True)
    return outcome.value


@shared_task(ignore_result=True, acks_late=True)
def deliver_many(message_ids: list[str]) -> dict[str, int]:
    """One attempt at each of a batch of messages (batch jobs queue one task per batch); what
    failed is left to the sweeper, which sends it when its backoff ends."""
    outcomes: dict[str, int] = {}
    for message_id in message_ids:
        outcome = services.message_deliver(message_id=message_id)
        outcomes[outcome.value] = outcomes.get(outcome.value, 0) + 1
        if outcome == services.Outcome.SENT:
            messages_queue(services.messages_held_behind(message_id=message_id))
    return outcomes


@shared_task(ignore_result=True)
def sweep() -> int:
    """Periodic (every minute): queue every message that is due (``manage.py send_due`` by hand)."""
    return messages_sweep()


def _batches(items: Iterable[str], size: int) -> Iterable[list[str]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _by_queue(
    message_ids: Iterable[UUID | str], channels: Mapping[str, str] | None = None
) -> dict[str, list[str]]:
    """The messages' ids by the queue of their channel, each in the order given. The channels are
    read in one query (a message that no longer exists has nothing to send and is left out) unless
    the caller gives them (``channels``: id → channel, for messages it has just written)."""
    ids = [str(i) for i in message_ids]
    if not ids:
        return {}
    if channels is None:
        channels = {
            str(pk): channel
            for pk, channel in Message.objects.filter(pk__in=ids).values_list("pk", "channel")
        }
    queues: dict[str, list[str]] = {}
    for message_id in ids:
        if message_id in channels:
            queues.setdefault(queue_for(channels[message_id]), []).append(message_id)
    return queues


def messages_queue(
    message_ids: Iterable[UUID | str], *, per_task: int = 1, channels: Mapping[str, str] | None = None
) -> int:
    """Hand messages to Celery on their channels' queues, one task per message or one per
    ``per_task`` of them on the same queue (a mixed batch is one task per queue); returns how many
    messages were queued. A caller that has just written the messages passes their ``channels``
    (id as text → channel) and saves reading them back."""
    queued = 0
    for queue, ids in _by_queue(message_ids, channels).items():
        for batch in _batches(ids, max(per_task, 1)):
            task, args = (deliver, [batch[0]]) if per_task <= 1 else (deliver_many, [batch])
            try:
                task.apply_async(args=args, queue=queue, retry=True, retry_policy=RETRY_POLICY)
            except Exception:  # noqa: BLE001  (any broker failure: the rows stay pending for the sweeper)
                logger.warning(
                    "could not queue message %s; the sweeper will send it", ", ".join(batch), exc_info=True
                )
            else:
                queued += len(batch)
    return queued


def messages_queue_on_commit(message_ids: Sequence[UUID | str], *, per_task: int = 1) -> None:
    """Queue the messages once the caller's transaction commits (never for one that rolls back)."""
    if message_ids:
        transaction.on_commit(partial(messages_queue, list(message_ids), per_task=per_task), robust=True)


def messages_sweep(
    *, now: datetime | None = None, limit: int = services.SWEEP_LIMIT, channels: Iterable[str] | None = None
) -> int:
    """Queue every pending message that is due, whatever its last attempt did (never tried because
    the broker was down, failed and done backing off, or claimed by a worker that died).

    Queueing one twice is harmless: the second task finds it sent, claimed or not due.
    """
    return messages_queue(services.messages_due(now=now, limit=limit, channels=channels))


def messages_retry(*, messages: QuerySet[Message] | Iterable[Message], now: datetime | None = None) -> int:
    """The admin's retry: dead letters get one more attempt, pending ones are sent now, sent ones
    are left alone. Returns how many were queued (after commit)."""
    with transaction.atomic():
        requeued = services.messages_requeue(messages=messages, now=now)
        messages_queue_on_commit(requeued)
    return len(requeued)
