"""Order statuses, the legal moves between them and what follows a committed move (DESIGN §3.1).

The tables every writer reads; :mod:`orders.services.lifecycle` (one order) and
:mod:`orders.services.expiry` (the set-based midnight job) both change statuses by them and announce
each committed change with :data:`order_transitioned`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from uuid import UUID

from django.dispatch import Signal

from orders.models import Order, OutboxEventType, Status
from orders.services import outbox

S = Status

# The legal moves of §3.1: from → the statuses it may become. Terminal statuses map to nothing.
LEGAL_MOVES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        S.PLACED: frozenset({S.DISPATCHING, S.ACCEPTED, S.PICKED_UP, S.CANCELLED, S.EXPIRED}),
        S.DISPATCHING: frozenset({S.ACCEPTED, S.PICKED_UP, S.CANCELLED, S.EXPIRED}),
        S.ACCEPTED: frozenset({S.PICKED_UP, S.CANCELLED, S.EXPIRED}),
        S.PICKED_UP: frozenset({S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.PROBLEM, S.SIGNED, S.REJECTED}),
        S.IN_TRANSIT: frozenset({S.OUT_FOR_DELIVERY, S.PROBLEM, S.SIGNED, S.REJECTED}),
        S.OUT_FOR_DELIVERY: frozenset({S.IN_TRANSIT, S.PROBLEM, S.SIGNED, S.REJECTED}),
        S.PROBLEM: frozenset({S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.SIGNED, S.REJECTED}),
        S.SIGNED: frozenset(),
        S.REJECTED: frozenset(),
        S.CANCELLED: frozenset(),
        S.EXPIRED: frozenset(),
    }
)

TERMINAL: frozenset[str] = frozenset(s for s, targets in LEGAL_MOVES.items() if not targets)
# Statuses an order can be cancelled from (before pickup) and expired from (not yet picked up).
CANCELLABLE: frozenset[str] = frozenset(s for s, t in LEGAL_MOVES.items() if S.CANCELLED in t)
EXPIRABLE: frozenset[str] = frozenset(s for s, t in LEGAL_MOVES.items() if S.EXPIRED in t)
# Picked up or beyond: the parcel is with the carrier.
AFTER_PICKUP: frozenset[str] = frozenset(
    {S.PICKED_UP, S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.PROBLEM, S.SIGNED, S.REJECTED}
)
# Moves that show the carrier is working the order: they clear the open pickup exception (§3.2
# "cleared by exception_resolved or by progress").
PROGRESS: frozenset[str] = frozenset({S.ACCEPTED} | AFTER_PICKUP)
# Moves the carrier is told about through the outbox (§7.1), unless the carrier made them itself.
PUSHED_TO_CARRIER: Mapping[str, str] = MappingProxyType(
    {S.CANCELLED: OutboxEventType.CANCELLED, S.EXPIRED: OutboxEventType.EXPIRED}
)
# The booking deadline keeps running while the carrier is still looking for a courier; every other
# move either meets it (acceptance, progress) or ends the order.
DEADLINE_KEPT_ON: frozenset[str] = frozenset({S.DISPATCHING})

# The only fields a lifecycle service may change besides the status: what the carrier reports and
# what the platform tracks. Booking fields are never edited (§3.2, "immutable after booking").
MUTABLE_FIELDS: frozenset[str] = frozenset(
    {
        "courier_name",
        "courier_phone",
        "courier_employee_id",
        "waybill_no",
        "fee_amount",
        "fee_currency",
        "cancel_reason",
        "deadline",
        "actual_weight_kg",
        "exception_code",
        "exception_note",
        "return_state",
        "fee_paid",
        "reject_reason",
        "return_fee_amount",
        "disposal_proceeds_amount",
        "return_currency",
    }
)

# Sent after the transaction that changed the status commits (notifications, the outbound push).
# Receivers get: order_id, event_id, old_status, new_status, actor.
order_transitioned = Signal()


def is_legal_move(old: str, new: str) -> bool:
    return new in LEGAL_MOVES.get(old, frozenset())


def transition_after_commit(
    *, order_id: int, event_id: int, old: str, new: str, actor: str, messages: tuple[UUID, ...] = ()
) -> None:
    # The outbound push first: it never raises, and a failing signal receiver must not hold it up.
    if messages:
        outbox.outbox_queue(messages)
    order_transitioned.send(
        sender=Order, order_id=order_id, event_id=event_id, old_status=old, new_status=new, actor=actor
    )
