"""Order statuses and the one way to change them (DESIGN §3.1, §3.2).

Every single-order status change goes through :func:`order_transition`: it checks the legal-move
table, locks the row, writes the order and its event row in one transaction — and, for a cancel or
an expiry the carrier did not make itself, the outbox message that tells the carrier (§7.1) — and
defers side effects to ``transaction.on_commit``. Pages, the API, the admin and carrier callbacks
call the public services below or those of ``orders.services.cancellation`` (cancel, expire,
delete); none of them writes ``Order.status`` itself. The midnight expiry
job (``orders.services.expiry``) is the one set-based writer: it applies the same guard and writes
the same rows for a whole batch at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.models import Actor, Order, OrderEvent, OutboxMessage, Status
from orders.rows import RowInsert, RowSelect
from orders.services import outbox
from orders.services.expiry import order_expire_overdue
from orders.services.statuses import (
    DEADLINE_KEPT_ON,
    LEGAL_MOVES,
    MUTABLE_FIELDS,
    PROGRESS,
    PUSHED_TO_CARRIER,
    is_legal_move,
    transition_after_commit,
)

logger = logging.getLogger(__name__)

S = Status


class OrderError(Exception):
    """A refused order operation; ``message`` is translated when rendered."""

    code = "order_error"
    default_message = _("This operation is not possible for this order.")

    def __init__(self, message: Any = None):
        self.message = message if message is not None else self.default_message
        super().__init__(str(self.message))

    def __str__(self) -> str:
        return str(self.message)


class IllegalTransition(OrderError):
    """The move is not in :data:`LEGAL_MOVES` (or another writer changed the status first)."""

    code = "illegal_transition"

    def __init__(self, from_status: str, to_status: str, message: Any = None):
        self.from_status = from_status
        self.to_status = to_status
        if message is None:
            message = _("The order cannot go from “%(old)s” to “%(new)s”.") % {
                "old": _status_label(from_status),
                "new": _status_label(to_status),
            }
        super().__init__(message)


def _status_label(status: str) -> str:
    try:
        return str(Status(status).label)
    except ValueError:
        return status


def _check_changes(changes: Mapping[str, Any]) -> None:
    unknown = set(changes) - MUTABLE_FIELDS
    if unknown:
        # A programming error, not user input: booked orders are never edited.
        raise ValueError(f"lifecycle services cannot change {sorted(unknown)}")


def _expire_if_overdue(order: Order) -> OrderEvent | None:
    """Expire the locked ``order`` first if it is overdue (``expiry.order_expire_overdue``)."""
    return order_expire_overdue(order=order)


def _transition(
    *,
    order: Order,
    to: str,
    actor: str,
    actor_user=None,
    source_event_id: str = "",
    occurred_at: datetime | None = None,
    note: str = "",
    data: Mapping[str, Any] | None = None,
    changes: Mapping[str, Any] | None = None,
    check: Callable[[Order], None] | None = None,
    kind: str = "status",
    notice: Callable[[int], None] | None = None,
    locked: bool = False,
) -> tuple[Order, OrderEvent]:
    """Move ``order`` to ``to`` or raise, writing nothing but an overdue expiry.

    ``locked``: the caller holds ``order``'s row lock in its open transaction, has expired it if it
    was overdue and judged the move legal (the carrier callback path): the row is neither selected
    nor locked again and no savepoint is taken.

    An order past its deadline that no midnight run has expired yet is expired first, exactly as
    the run would have, and the move is judged against the expired order; that expiry stands even
    when the move is then refused (and is the result when the move asked for was the expiry).
    ``check`` runs against the freshly locked row before the table is consulted, so a service can
    refuse with a clearer message (e.g. cancel after pickup). ``notice(order_id)`` tells the user,
    in the same transaction. On success the caller's ``order`` instance is updated in place and
    returned with the event row.
    """
    changes = dict(changes or {})
    _check_changes(changes)
    if to not in LEGAL_MOVES:
        raise IllegalTransition(order.status, to)
    now = timezone.now()
    occurred_at = occurred_at or now
    if locked:
        _require_lock_held()
        if check is not None:
            check(order)
        if not is_legal_move(order.status, to):
            raise IllegalTransition(order.status, to)
        fields, event = _write_move(
            current=order,
            to=to,
            actor=actor,
            actor_user=actor_user,
            source_event_id=source_event_id,
            occurred_at=occurred_at,
            now=now,
            note=note,
            data=data,
            changes=changes,
            kind=kind,
        )
        if notice is not None:
            notice(order.pk)
        for name, value in fields.items():
            setattr(order, name, value)
        return order, event

    refusal: OrderError | None = None
    fields: dict[str, Any] = {}
    with transaction.atomic():
        # The lock makes a racing writer wait and then see our status; the compare-and-swap below
        # keeps the guarantee on databases where SELECT … FOR UPDATE is a no-op (SQLite).
        current = (
            Order.objects.select_for_update()
            .only("pk", "status", "status_changed_at", "number", "carrier_id", "deadline", "exception_code")
            .get(pk=order.pk)
        )
        expiry_event = _expire_if_overdue(current)
        if expiry_event is not None and to == S.EXPIRED:
            event = expiry_event  # done, as the midnight run does it (notice included)
        else:
            try:
                if check is not None:
                    check(current)
                if not is_legal_move(current.status, to):
                    raise IllegalTransition(current.status, to)
            except OrderError as error:
                if expiry_event is None:
                    raise
                refusal = error  # raised once the expiry has committed
            else:
                fields, event = _write_move(
                    current=current,
                    to=to,
                    actor=actor,
                    actor_user=actor_user,
                    source_event_id=source_event_id,
                    occurred_at=occurred_at,
                    now=now,
                    note=note,
                    data=data,
                    changes=changes,
                    kind=kind,
                )
                if notice is not None:
                    notice(order.pk)
    if expiry_event is not None:
        for name in ("status", "status_changed_at", "deadline", "updated_at"):
            setattr(order, name, getattr(current, name))
    if refusal is not None:
        raise refusal

    for name, value in fields.items():
        setattr(order, name, value)
    return order, event


def _require_lock_held() -> None:
    if not transaction.get_connection().in_atomic_block:
        # A programming error: "locked" promises a lock that only lives inside a transaction.
        raise RuntimeError("locked=True needs the caller's transaction holding the order's row lock")


def _write_move(
    *,
    current: Order,
    to: str,
    actor: str,
    actor_user,
    source_event_id: str,
    occurred_at: datetime,
    now: datetime,
    note: str,
    data: Mapping[str, Any] | None,
    changes: Mapping[str, Any],
    kind: str,
) -> tuple[dict[str, Any], OrderEvent]:
    """The writes of one judged move on the locked row; returns the fields set and the event row."""
    old = current.status
    fields: dict[str, Any] = {"status": to, "status_changed_at": occurred_at, "updated_at": now}
    if to not in DEADLINE_KEPT_ON:
        fields["deadline"] = None
    if to in PROGRESS:
        fields["exception_code"] = ""
        fields["exception_note"] = ""
    fields.update(changes)

    if Order.objects.filter(pk=current.pk, status=old).update(**fields) != 1:
        raise IllegalTransition(old, to)
    event = OrderEvent.objects.create(
        order_id=current.pk,
        kind=kind,
        old_status=old,
        new_status=to,
        actor=actor,
        actor_user=actor_user,
        source_event_id=source_event_id,
        occurred_at=occurred_at,
        note=note,
        data=dict(data or {}),
    )
    messages = ()
    if to in PUSHED_TO_CARRIER and actor != Actor.CARRIER:
        messages = (
            _push_message(current=current, to=to, actor=actor, occurred_at=occurred_at, fields=fields).pk,
        )
    transaction.on_commit(
        partial(
            transition_after_commit,
            order_id=current.pk,
            event_id=event.pk,
            old=old,
            new=to,
            actor=actor,
            messages=messages,
        )
    )
    return fields, event


def _push_message(
    *, current: Order, to: str, actor: str, occurred_at: datetime, fields: Mapping[str, Any]
) -> OutboxMessage:
    """The outbox message telling the carrier about a cancel or an expiry, in the same transaction."""
    if to == S.CANCELLED:
        payload = outbox.order_cancelled_payload(
            number=current.number, reason=fields.get("cancel_reason", ""), by=actor, occurred_at=occurred_at
        )
    else:
        payload = outbox.order_expired_payload(
            number=current.number,
            reason=outbox.expiry_reason(fields.get("exception_code", current.exception_code)),
            deadline=current.deadline,
            occurred_at=occurred_at,
        )
    return outbox.outbox_message_add(
        order_id=current.pk, carrier_id=current.carrier_id, event_type=PUSHED_TO_CARRIER[to], payload=payload
    )


def order_transition(
    *,
    order: Order,
    to: str,
    actor: str,
    actor_user=None,
    source_event_id: str = "",
    occurred_at: datetime | None = None,
    note: str = "",
    data: Mapping[str, Any] | None = None,
    changes: Mapping[str, Any] | None = None,
    kind: str = "status",
    check: Callable[[Order], None] | None = None,
    notice: Callable[[int], None] | None = None,
    locked: bool = False,
) -> tuple[Order, OrderEvent]:
    """Apply one legal move for a carrier, the system or an admin; raise :class:`IllegalTransition`.

    ``check(current)`` may refuse with a clearer :class:`OrderError` against the freshly locked row;
    ``notice(order_id)`` tells the user in the same transaction (see ``_transition``).

    ``changes`` may set only :data:`MUTABLE_FIELDS` (courier, waybill, fee, …). ``occurred_at`` is
    when it happened (a carrier event's own time) and becomes ``status_changed_at``. ``locked``:
    the caller already holds the row lock (see :func:`order_lock`).
    """
    return _transition(
        order=order,
        to=to,
        actor=actor,
        actor_user=actor_user,
        source_event_id=source_event_id,
        occurred_at=occurred_at,
        note=note,
        data=data,
        changes=changes,
        kind=kind,
        check=check,
        notice=notice,
        locked=locked,
    )


# Compiling the ORM's select of every column was the largest CPU cost of a callback. The booking's
# own columns, which no carrier event reads or changes, are left out of the lock's select (reading
# and converting them was a fifteenth of a callback's CPU); a service that reads one anyway loads it
# with one more query (Django's deferred fields), and the query-count tests would show it.
ORDER_LOCK_DEFERRED = (
    "sender_name",
    "sender_phone",
    "sender_province",
    "sender_city",
    "sender_district",
    "sender_address",
    "recipient_name",
    "recipient_phone",
    "recipient_province",
    "recipient_city",
    "recipient_district",
    "recipient_address",
    "length_cm",
    "width_cm",
    "height_cm",
    "item_type",
    "description",
    "quantity",
    "original_packaging",
    "keep_upright",
    "bag_size",
    "receipt_attested",
    "surcharge_accepted",
    "items",
    "estimate_breakdown",
    "screening",
)
_ORDER_LOCK = RowSelect(Order, "carrier_id = %s AND number = %s", for_update=True, defer=ORDER_LOCK_DEFERRED)


def order_lock(*, carrier_id: int, number: str) -> Order | None:
    """The carrier's order ``number``, locked for the rest of the caller's transaction, or None.

    The one lock of a carrier callback: the services called afterwards with ``locked=True`` neither
    select nor lock the row again. The caller expires the order first if it is overdue
    (``expiry.order_expire_overdue``), as every writer does.
    """
    _require_lock_held()
    return _ORDER_LOCK.get([carrier_id, number])


def order_event_record(
    *,
    order: Order,
    kind: str,
    actor: str,
    actor_user=None,
    source_event_id: str = "",
    occurred_at: datetime | None = None,
    note: str = "",
    data: Mapping[str, Any] | None = None,
    changes: Mapping[str, Any] | None = None,
    locked: bool = False,
) -> OrderEvent:
    """A timeline entry without a status change (another scan, a new courier, an exception).

    Takes the same row lock as a transition so it cannot interleave with one, and like it first
    expires an overdue order, so the entry lands on the expired order. ``locked``: the caller
    already holds the row lock (see :func:`order_lock`).
    """
    changes = dict(changes or {})
    _check_changes(changes)
    now = timezone.now()
    if locked:
        _require_lock_held()
        if changes:
            Order.objects.filter(pk=order.pk).update(updated_at=now, **changes)
            for name, value in changes.items():
                setattr(order, name, value)
            order.updated_at = now
        return _event_create(
            order_id=order.pk,
            status=order.status,
            kind=kind,
            actor=actor,
            actor_user=actor_user,
            source_event_id=source_event_id,
            occurred_at=occurred_at or now,
            note=note,
            data=data,
        )
    with transaction.atomic():
        current = (
            Order.objects.select_for_update()
            .only("pk", "status", "status_changed_at", "number", "carrier_id", "deadline", "exception_code")
            .get(pk=order.pk)
        )
        if _expire_if_overdue(current) is not None:
            for name in ("status_changed_at", "deadline", "updated_at"):
                setattr(order, name, getattr(current, name))
        if changes:
            Order.objects.filter(pk=order.pk).update(updated_at=now, **changes)
        event = _event_create(
            order_id=order.pk,
            status=current.status,
            kind=kind,
            actor=actor,
            actor_user=actor_user,
            source_event_id=source_event_id,
            occurred_at=occurred_at or now,
            note=note,
            data=data,
        )
    for name, value in changes.items():
        setattr(order, name, value)
    if changes:
        order.updated_at = now
    order.status = current.status
    return event


_EVENT_INSERT = RowInsert(OrderEvent)


def _event_create(*, order_id: int, status: str, data: Mapping[str, Any] | None, **fields: Any) -> OrderEvent:
    return _EVENT_INSERT.create(
        order_id=order_id, old_status=status, new_status=status, data=dict(data or {}), **fields
    )
