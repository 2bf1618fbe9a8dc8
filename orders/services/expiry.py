"""The midnight expiry job (DESIGN §3.2, 次日零点).

An order not accepted by 00:00 Asia/Shanghai of the day after it was placed, or whose pickup
exception is still open at 00:00 of the day after the report, is expired. The lifecycle keeps
``Order.deadline`` (set at booking and by an exception report, cleared by acceptance, resolution and
progress), so "due" is simply ``deadline <= now`` in a status that may still expire.

The job works in set-based batches: per batch one locked select of ids, one conditional ``UPDATE``,
one ``bulk_create`` each for the event rows and the outbox messages, and the notices, all in one
transaction. Each order's expiry happened at its deadline, whenever the job runs: a late run, a
repeated run or a run ``as of`` a past moment expires exactly the orders that were due, once.

Nor can a late run change which orders expire: every single-order writer (a transition, a timeline
entry, a carrier event) first expires the order it locked if it is overdue, with the same rows
(:func:`order_expire_overdue`), and then judges its action against the expired order.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial

from django.db import connection, transaction
from django.db.models.functions import Greatest
from django.utils import timezone

from notifications.services import notify_orders
from orders.models import Actor, Order, OrderEvent, OutboxEventType, Status
from orders.services import outbox
from orders.services.statuses import EXPIRABLE, transition_after_commit

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
# A batch whose rows changed under it is rolled back and selected again; this many times at most.
MAX_BATCH_RETRIES = 3


class _BatchChanged(Exception):
    """Rows of the batch changed between the locked select and the update (should not happen)."""


def orders_expire_due(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Expire every order due at ``now`` (default: the present); returns how many were expired."""
    now = now or timezone.now()
    total = 0
    retries = 0
    while True:
        try:
            expired = _expire_batch(now=now, batch_size=batch_size)
        except _BatchChanged:
            retries += 1
            if retries > MAX_BATCH_RETRIES:
                raise RuntimeError("expiry batches keep changing under the job") from None
            continue
        if not expired:
            break
        total += expired
    if total:
        logger.info("expired %d orders due by %s", total, now.isoformat())
    return total


# The columns the expiry writes read, per order, in this order.
_ROW = ("pk", "status", "deadline", "status_changed_at", "number", "carrier_id", "exception_code")


def _due(now: datetime):
    return Order.objects.filter(status__in=EXPIRABLE, deadline__lte=now)


def _expire_batch(*, now: datetime, batch_size: int) -> int:
    due = _due(now)
    with transaction.atomic():
        locking = due.select_for_update(skip_locked=connection.features.has_select_for_update_skip_locked)
        # Rows locked in primary-key order (STYLE); rows another writer holds are left for it.
        rows = list(locking.order_by("pk").values_list(*_ROW)[:batch_size])
        if not rows:
            return 0
        _expire_rows(due=due, rows=rows, wall_clock=timezone.now())
    return len(rows)


def order_expire_overdue(*, order: Order, now: datetime | None = None) -> OrderEvent | None:
    """Expire ``order`` now if it is past its deadline and no run has expired it yet.

    A late or missed midnight run must not change outcomes: every single-order writer calls this
    under the order's row lock, before judging what it was asked to do, so the order expires
    exactly as the job would have expired it (at its deadline, with the same event, outbox message
    and notice) and the action is then judged against the expired order. The caller holds the
    lock in its transaction. Updates ``order`` in place; returns the expiry's event row, or None.
    """
    now = now or timezone.now()
    if order.status not in EXPIRABLE or order.deadline is None or order.deadline > now:
        return None
    due = _due(now).filter(pk=order.pk)
    rows = list(due.values_list(*_ROW))
    if not rows:
        return None
    wall_clock = timezone.now()
    (event,) = _expire_rows(due=due, rows=rows, wall_clock=wall_clock)
    _pk, _old, deadline, changed_at, *_rest = rows[0]
    order.status = Status.EXPIRED
    order.status_changed_at = max(deadline, changed_at)
    order.deadline = None
    order.updated_at = wall_clock
    return event


def expired_orders_notify(*, order_ids: list[int]) -> int:
    """The ``expired`` notice to each order's owner, keyed so that no run sends it twice."""
    return notify_orders(orders=Order.objects.filter(pk__in=order_ids).select_related("user"), kind="expired")


def _expire_rows(*, due, rows: list[tuple], wall_clock: datetime) -> list[OrderEvent]:
    """Expire the locked ``rows`` (of :data:`_ROW`) of the ``due`` queryset, set-based.

    Writes the status, one event row and one outbox message per order and the notices, and queues
    the push and the signal after commit. Runs in the caller's transaction; returns the events.
    """
    ids = [row[0] for row in rows]
    # The same guard as a single transition: only orders still expirable and due move. The status
    # changed when the deadline passed (or at the last change, should that be later). updated_at
    # is the wall clock: carriers that pull find the expiry through updated_since (§7.2).
    updated = due.filter(pk__in=ids).update(
        status=Status.EXPIRED,
        status_changed_at=Greatest("deadline", "status_changed_at"),
        deadline=None,
        updated_at=wall_clock,
    )
    if updated != len(ids):
        raise _BatchChanged

    events = []
    messages = []
    for pk, old, deadline, changed_at, number, carrier_id, exception_code in rows:
        occurred_at = max(deadline, changed_at)
        reason = outbox.expiry_reason(exception_code)
        events.append(
            OrderEvent(
                order_id=pk,
                kind="status",
                old_status=old,
                new_status=Status.EXPIRED,
                actor=Actor.SYSTEM,
                occurred_at=occurred_at,
                data={"reason": reason},
            )
        )
        payload = outbox.order_expired_payload(
            number=number, reason=reason, deadline=deadline, occurred_at=occurred_at
        )
        messages.append((pk, carrier_id, OutboxEventType.EXPIRED, payload))
    events = OrderEvent.objects.bulk_create(events)
    sent = outbox.outbox_messages_add(messages=messages, now=wall_clock)
    expired_orders_notify(order_ids=ids)
    transaction.on_commit(partial(_after_batch, rows=rows, events=events, message_ids=[m.pk for m in sent]))
    return events


def _after_batch(*, rows: list[tuple], events: list[OrderEvent], message_ids: list) -> None:
    outbox.outbox_queue(message_ids)
    # The same signal a single transition sends, for receivers that follow every status change.
    for (pk, old, *_rest), event in zip(rows, events, strict=True):
        if event.pk is not None:
            transition_after_commit(
                order_id=pk, event_id=event.pk, old=old, new=Status.EXPIRED, actor=Actor.SYSTEM
            )
