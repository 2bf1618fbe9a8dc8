"""The midnight expiry job (DESIGN §3.2, 次日零点).

An order not accepted by 00:00 Asia/Shanghai of the day after it was placed, or whose pickup
exception is still open at 00:00 of the day after the report, is expired. The lifecycle keeps
``Order.deadline`` (set at booking and by an exception report, cleared by acceptance, resolution and
progress), so "due" is simply ``deadline <= now`` in a status that may still expire.

The job works in set-based batches of :data:`BATCH_SIZE`, each in one transaction: the claim (on
PostgreSQL one ``UPDATE … FROM (SELECT … FOR UPDATE SKIP LOCKED) RETURNING``, guarded by the
status; elsewhere a select and the guarded update), one ``INSERT`` each for the event rows, the
outbox messages and their links, the notices and their deliveries, and after commit one task to the
delivery engine for the whole batch. The number of statements per batch does not depend on its size. Each order's expiry happened at its deadline, whenever the job runs: a late run, a
repeated run or a run ``as of`` a past moment expires exactly the orders that were due, once.

Nor can a late run change which orders expire: every single-order writer (a transition, a timeline
entry, a carrier event) first expires the order it locked if it is overdue, with the same rows
(:func:`order_expire_overdue`), and then judges its action against the expired order.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.db.models import DEFERRED
from django.db.models.functions import Greatest
from django.dispatch import Signal
from django.utils import timezone

from carriers.sending import CHANNEL as CARRIER_CHANNEL
from delivery.bulk import rows_insert
from delivery.tasks import messages_queue
from notifications.services import notify_orders
from orders.models import Actor, Order, OrderEvent, OutboxEventType, Status
from orders.services import outbox
from orders.services.statuses import EXPIRABLE, transition_after_commit

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
# A batch whose rows changed under it is rolled back and selected again; this many times at most.
MAX_BATCH_RETRIES = 3

# Sent after every run of :func:`orders_expire_due` with its :class:`ExpiryRun` (``run``): the
# operations app records it for /readyz and the operators.
expiry_run_finished = Signal()


@dataclass(frozen=True)
class ExpiryRun:
    """What one run of the job did: as of when, how many orders, batches, notices, seconds."""

    as_of: datetime
    started_at: datetime
    expired: int
    batches: int
    notices: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.expired / self.seconds if self.seconds > 0 else 0.0


class _BatchChanged(Exception):
    """Rows of the batch changed between the locked select and the update (should not happen)."""


class _Progress:
    """What the workers of one run have done so far (shared by its threads)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.expired = self.notices = self.batches = 0

    def add(self, *, expired: int, notices: int) -> tuple[int, int]:
        with self.lock:
            self.expired += expired
            self.notices += notices
            self.batches += 1
            return self.batches, self.expired


def _expire_until_done(*, now: datetime, batch_size: int, progress: _Progress) -> None:
    """Take batches until none is left that another worker does not hold."""
    retries = 0
    while True:
        batch_started = time.perf_counter()
        try:
            expired, noticed = _expire_batch(now=now, batch_size=batch_size)
        except _BatchChanged:
            retries += 1
            if retries > MAX_BATCH_RETRIES:
                raise RuntimeError("expiry batches keep changing under the job") from None
            continue
        if not expired:
            return
        batch, so_far = progress.add(expired=expired, notices=noticed)
        seconds = time.perf_counter() - batch_started
        logger.info(
            "expiry batch %d: %d orders expired, %d notices, in %.2f s (%.0f orders/s); %d so far",
            batch,
            expired,
            noticed,
            seconds,
            expired / seconds if seconds > 0 else 0.0,
            so_far,
        )


def orders_expire_due(
    *, now: datetime | None = None, batch_size: int = BATCH_SIZE, workers: int | None = None
) -> int:
    """Expire every order due at ``now`` (default: the present); returns how many were expired.

    Each batch commits on its own, so a run killed halfway has expired whole batches and the next
    run (the catch-up a few minutes later) goes on from there; two runs at once share the work,
    each batch skipping the rows the other holds. ``workers`` (default ``EXPIRY_WORKERS``) threads
    take batches side by side, each on its own database connection, the way two runs share them:
    while one waits for PostgreSQL to write its batch, another prepares the next.
    """
    now = now or timezone.now()
    started_at = timezone.now()
    started = time.perf_counter()
    workers = max(1, settings.EXPIRY_WORKERS if workers is None else workers)
    progress = _Progress()
    if workers == 1:
        _expire_until_done(now=now, batch_size=batch_size, progress=progress)
    else:
        errors: list[BaseException] = []

        def work() -> None:
            try:
                _expire_until_done(now=now, batch_size=batch_size, progress=progress)
            except BaseException as error:  # noqa: BLE001  (raised again by the run below)
                errors.append(error)
            finally:
                connection.close()  # this thread's own connection

        threads = [threading.Thread(target=work, name=f"expiry-{n}") for n in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
    total, notices, batches = progress.expired, progress.notices, progress.batches
    run = ExpiryRun(
        as_of=now,
        started_at=started_at,
        expired=total,
        batches=batches,
        notices=notices,
        seconds=time.perf_counter() - started,
    )
    logger.info(
        "expiry run: %d orders due by %s expired in %d batches, %d notices, %.2f s (%.0f orders/s)",
        run.expired,
        now.isoformat(),
        run.batches,
        run.notices,
        run.seconds,
        run.rate,
    )
    expiry_run_finished.send(sender=ExpiryRun, run=run)
    return total


# The columns the expiry writes read, per order, in this order (the values before the update),
# then what the expired notice reads of the order and of its owner (texts, language, channels):
# the claim reads them all, so no batch loads its orders again.
_ROW = ("pk", "status", "deadline", "status_changed_at", "number", "carrier_id", "exception_code")
_OWNER_ORDER = (
    "user_id",
    "hidden_by_user_at",
    "courier_name",
    "courier_phone",
    "courier_employee_id",
    "exception_note",
    "waybill_no",
    "fee_amount",
    "fee_currency",
)
_OWNER_USER = ("email", "phone", "language", "notification_channels")
_CLAIMED = (*_ROW, *_OWNER_ORDER, *(f"user__{name}" for name in _OWNER_USER))


def _due(now: datetime):
    return Order.objects.filter(status__in=EXPIRABLE, deadline__lte=now)


def _expire_batch(*, now: datetime, batch_size: int) -> tuple[int, int]:
    """Expire up to ``batch_size`` due orders in one transaction; returns (orders, notices)."""
    with transaction.atomic():
        rows = _claim(now=now, batch_size=batch_size, wall_clock=timezone.now())
        if not rows:
            return 0, 0
        _events, _ids, notices = _expire_rows(rows=rows, wall_clock=timezone.now())
    return len(rows), notices


def _claim(*, now: datetime, batch_size: int, wall_clock: datetime) -> list[tuple]:
    """Move up to ``batch_size`` due orders to ``expired``; returns their :data:`_CLAIMED` values
    (those of :data:`_ROW` as they were before). Due orders are taken by deadline through the ``order_due`` index; rows another
    writer holds (a carrier event, a cancel, a second run) are skipped and left to it."""
    if connection.vendor == "postgresql":
        return _claim_returning(now=now, batch_size=batch_size, wall_clock=wall_clock)
    # SQLite serialises writers: the select and the guarded update in one transaction are the claim.
    due = _due(now)
    rows = list(due.order_by("deadline", "pk").values_list(*_CLAIMED)[:batch_size])
    if rows:
        _update(due.filter(pk__in=[row[0] for row in rows]), expected=len(rows), wall_clock=wall_clock)
    return rows


_CLAIM = """
UPDATE {order} AS o
SET {status} = %(expired)s, {changed} = GREATEST(d.{deadline}, d.{changed}), {deadline} = NULL,
    {updated} = %(wall_clock)s
FROM (
    SELECT {pk}, {status}, {deadline}, {changed}, {owner} FROM {order}
    WHERE {status} IN %(expirable)s AND {deadline} <= %(now)s
    ORDER BY {deadline}, {pk}
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
) AS d
LEFT JOIN {user} AS u ON u.{user_pk} = d.{owner}
WHERE o.{pk} = d.{pk} AND o.{status} = d.{status}
RETURNING o.{pk}, d.{status}, d.{deadline}, d.{changed}, o.{number}, o.{carrier}, o.{exception}, {returning}
"""


def _claim_returning(*, now: datetime, batch_size: int, wall_clock: datetime) -> list[tuple]:
    # One statement: lock the batch in deadline order, skipping held rows (not their owners'),
    # and move it, guarded by the status it was selected in; RETURNING gives the values from
    # before the update and what the notice reads.
    quote = connection.ops.quote_name
    meta = Order._meta
    user_meta = meta.get_field("user").related_model._meta
    sql = _CLAIM.format(
        order=quote(meta.db_table),
        user=quote(user_meta.db_table),
        user_pk=quote(user_meta.pk.column),
        returning=", ".join(
            [f"o.{quote(meta.get_field(name).column)}" for name in _OWNER_ORDER]
            + [f"u.{quote(user_meta.get_field(name).column)}" for name in _OWNER_USER]
        ),
        **{
            key: quote(meta.get_field(name).column)
            for key, name in {
                "pk": "id",
                "status": "status",
                "deadline": "deadline",
                "changed": "status_changed_at",
                "updated": "updated_at",
                "number": "number",
                "carrier": "carrier",
                "exception": "exception_code",
                "owner": "user",
            }.items()
        },
    )
    params = {
        "expired": Status.EXPIRED.value,
        "wall_clock": wall_clock,
        "expirable": tuple(sorted(EXPIRABLE)),
        "now": now,
        "limit": batch_size,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # Raw rows: the owner's channels (jsonb) arrive as text.
    channels = user_meta.get_field("notification_channels")
    return sorted((*row[:-1], channels.from_db_value(row[-1], None, connection)) for row in rows)


def _update(due, *, expected: int, wall_clock: datetime) -> None:
    # The same guard as a single transition: only orders still expirable and due move. The status
    # changed when the deadline passed (or at the last change, should that be later). updated_at
    # is the wall clock: carriers that pull find the expiry through updated_since (§7.2).
    updated = due.update(
        status=Status.EXPIRED,
        status_changed_at=Greatest("deadline", "status_changed_at"),
        deadline=None,
        updated_at=wall_clock,
    )
    if updated != expected:
        raise _BatchChanged


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
    rows = list(due.values_list(*_CLAIMED))
    if not rows:
        return None
    wall_clock = timezone.now()
    _update(due, expected=1, wall_clock=wall_clock)
    (values,), (event_id,), _notices = _expire_rows(rows=rows, wall_clock=wall_clock)
    event = OrderEvent(pk=event_id, **dict(zip(_EVENT_FIELDS, values, strict=True)))
    _pk, _old, deadline, changed_at, *_rest = rows[0]
    order.status = Status.EXPIRED
    order.status_changed_at = max(deadline, changed_at)
    order.deadline = None
    order.updated_at = wall_clock
    return event


def expired_orders_notify(*, order_ids: list[int], unsent: list | None = None) -> int:
    """The ``expired`` notice to each order's owner, keyed so that no run sends it twice."""
    orders = Order.objects.filter(pk__in=order_ids).select_related("user").only(*_NOTICE_FIELDS)
    return notify_orders(orders=orders, kind="expired", unsent=unsent)


# What the expired notice reads of an order and its owner (texts, language, channels): a batch
# loads these columns, not the whole rows.
_NOTICE_FIELDS = (
    "number",
    "deadline",
    "courier_name",
    "courier_phone",
    "courier_employee_id",
    "exception_code",
    "exception_note",
    "waybill_no",
    "fee_amount",
    "fee_currency",
    "hidden_by_user_at",
    "user__email",
    "user__phone",
    "user__language",
    "user__notification_channels",
)


# An expiry's timeline event, in the order :func:`_expire_rows` writes its values.
_EVENT_FIELDS = (
    "order_id",
    "kind",
    "old_status",
    "new_status",
    "actor",
    "actor_user_id",
    "source_event_id",
    "occurred_at",
    "created_at",
    "note",
    "data",
)


def _expire_rows(*, rows: list[tuple], wall_clock: datetime) -> tuple[list[tuple], list[int], int]:
    """Write what follows from expiring the ``rows`` (of :data:`_ROW`, already moved): one event
    row and one outbox message per order and the notices, set-based; after commit the messages
    and the notices' deliveries go to the delivery engine in one task, and the signal is sent.
    Runs in the caller's transaction; returns the events' values (:data:`_EVENT_FIELDS`) and ids,
    in the order of ``rows``, and how many notices were written."""
    events = []
    messages = []
    for pk, old, deadline, changed_at, number, carrier_id, exception_code, *_owner in rows:
        occurred_at = max(deadline, changed_at)
        reason = outbox.expiry_reason(exception_code)
        events.append(
            (
                pk,
                "status",
                old,
                Status.EXPIRED,
                Actor.SYSTEM,
                None,
                "",
                occurred_at,
                wall_clock,
                "",
                {"reason": reason},
            )
        )
        payload = outbox.order_expired_payload(
            number=number, reason=reason, deadline=deadline, occurred_at=occurred_at
        )
        messages.append((pk, carrier_id, OutboxEventType.EXPIRED, payload))
    event_ids = _events_insert(events)
    # What is left to send, as (id, channel): the carrier messages, then the notices' deliveries.
    unsent = [
        (pk, CARRIER_CHANNEL) for pk in outbox.outbox_messages_insert(messages=messages, now=wall_clock)
    ]
    notices = notify_orders(orders=_noticed_orders(rows), kind="expired", unsent=unsent)
    transaction.on_commit(partial(_after_batch, rows=rows, event_ids=event_ids, unsent=unsent))
    return events, event_ids, notices


def _noticed_orders(rows: list[tuple]) -> list[Order]:
    """The claimed orders as the expired notice reads them (expired, without a deadline), each
    with its owner, built from the claimed rows instead of loaded again."""
    owner = Order._meta.get_field("user")
    order_of = _reader(
        Order, ("id", "number", "carrier_id", "exception_code", "status", "deadline", *_OWNER_ORDER)
    )
    user_of = _reader(owner.related_model, ("id", *_OWNER_USER))
    orders = []
    for pk, _old, _deadline, _changed, number, carrier_id, exception_code, *rest in rows:
        order = order_of(
            (pk, number, carrier_id, exception_code, Status.EXPIRED, None, *rest[: len(_OWNER_ORDER)])
        )
        if order.user_id is not None:
            owner.set_cached_value(order, user_of((order.user_id, *rest[len(_OWNER_ORDER) :])))
        orders.append(order)
    return orders


def _reader(model, names: tuple[str, ...]):
    """Instances of ``model`` from values of the fields ``names``, the others deferred, as the ORM
    reads a row with ``only()``."""
    fields = model._meta.concrete_fields
    positions = [[field.attname for field in fields].index(name) for name in names]
    deferred = [DEFERRED] * len(fields)

    def read(values: tuple):
        row = deferred.copy()
        for position, value in zip(positions, values, strict=True):
            row[position] = value
        return model.from_db(connection.alias, names, row)

    return read


def _events_insert(events: list[tuple]) -> list[int]:
    """The event rows in one ``INSERT``, from plain values on PostgreSQL; their ids in order."""
    if connection.vendor != "postgresql":
        rows = [OrderEvent(**dict(zip(_EVENT_FIELDS, values, strict=True))) for values in events]
        return [event.pk for event in OrderEvent.objects.bulk_create(rows)]
    written = dict(
        rows_insert(model=OrderEvent, fields=_EVENT_FIELDS, rows=events, returning=("order", "id"))
    )
    return [written[values[0]] for values in events]


def _after_batch(*, rows: list[tuple], event_ids: list[int], unsent: list[tuple]) -> None:
    # The carrier messages first (order.expired is held behind an unsent order.created anyway),
    # then the notices' deliveries: one task for the whole batch. It never raises; what cannot be
    # queued stays pending for the sweeper.
    # Their channels are known (just written), so nothing is read back to route them.
    messages_queue(
        [pk for pk, _channel in unsent],
        per_task=len(unsent),
        channels={str(pk): channel for pk, channel in unsent},
    )
    # The same signal a single transition sends, for receivers that follow every status change.
    for (pk, old, *_rest), event_id in zip(rows, event_ids, strict=True):
        transition_after_commit(
            order_id=pk, event_id=event_id, old=old, new=Status.EXPIRED, actor=Actor.SYSTEM
        )
