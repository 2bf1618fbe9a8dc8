"""The midnight expiry job (DESIGN §3.2, 次日零点).

An order not accepted by 00:00 Asia/Shanghai of the day after it was placed, or whose pickup
exception is still open at 00:00 of the day after the report, is expired. The lifecycle keeps
``Order.deadline`` (set at booking and by an exception report, cleared by acceptance, resolution and
progress), so "due" is simply ``deadline <= now`` in a status that may still expire.

The job works in set-based batches: per batch one locked select of ids, one conditional ``UPDATE``,
one ``bulk_create`` each for the event rows and the outbox messages, and the notices, all in one
transaction. Each order's expiry happened at its deadline, whenever the job runs: a late run, a
repeated run or a run ``as of`` a past moment expires exactly the orders that were due, once.
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
from orders.services.lifecycle import EXPIRABLE, _after_commit

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


def _expire_batch(*, now: datetime, batch_size: int) -> int:
    due = Order.objects.filter(status__in=EXPIRABLE, deadline__lte=now)
    with transaction.atomic():
        locking = due.select_for_update(skip_locked=connection.features.has_select_for_update_skip_locked)
        # Rows locked in primary-key order (STYLE); rows another writer holds are left for it.
        rows = list(
            locking.order_by("pk").values_list(
                "pk", "status", "deadline", "status_changed_at", "number", "carrier_id", "exception_code"
            )[:batch_size]
        )
        if not rows:
            return 0
        ids = [row[0] for row in rows]
        wall_clock = timezone.now()
        # The same guard as a single transition: only orders still expirable and due move. The
        # status changed when the deadline passed (or at the last change, should that be later).
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
        notify_orders(orders=Order.objects.filter(pk__in=ids).select_related("user"), kind="expired")
        transaction.on_commit(
            partial(_after_batch, rows=rows, events=events, message_ids=[m.pk for m in sent])
        )
    return len(rows)


def _after_batch(*, rows: list[tuple], events: list[OrderEvent], message_ids: list) -> None:
    outbox.outbox_queue(message_ids)
    # The same signal a single transition sends, for receivers that follow every status change.
    for (pk, old, *_rest), event in zip(rows, events, strict=True):
        if event.pk is not None:
            _after_commit(order_id=pk, event_id=event.pk, old=old, new=Status.EXPIRED, actor=Actor.SYSTEM)
