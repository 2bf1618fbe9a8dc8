"""The carrier event types of DESIGN §7.2 and the tables their judgement reads (§3.1)."""

from __future__ import annotations

from collections.abc import Mapping

from orders.models import ReturnState, Status

S = Status

DISPATCHING = "order.dispatching"
DISPATCH_FAILED = "order.dispatch_failed"
ACCEPTED = "order.accepted"
PICKUP_EXCEPTION = "order.pickup_exception"
EXCEPTION_RESOLVED = "order.exception_resolved"
PICKED_UP = "order.picked_up"
IN_TRANSIT = "order.in_transit"
OUT_FOR_DELIVERY = "order.out_for_delivery"
PROBLEM = "order.problem"
SIGNED = "order.signed"
REJECTED = "order.rejected"
CANCELLED = "order.cancelled"
CONTRABAND_FOUND = "order.contraband_found"
RETURNING = "order.returning"
RETURNED = "order.returned"
DISPOSED = "order.disposed"

EVENT_TYPES: tuple[str, ...] = (
    DISPATCHING,
    DISPATCH_FAILED,
    ACCEPTED,
    PICKUP_EXCEPTION,
    EXCEPTION_RESOLVED,
    PICKED_UP,
    IN_TRANSIT,
    OUT_FOR_DELIVERY,
    PROBLEM,
    SIGNED,
    REJECTED,
    CANCELLED,
    CONTRABAND_FOUND,
    RETURNING,
    RETURNED,
    DISPOSED,
)

# The status each status-moving event sets (order.contraband_found moves to problem too, but is
# judged by its own rule).
TARGET_STATUS: Mapping[str, str] = {
    DISPATCHING: S.DISPATCHING,
    ACCEPTED: S.ACCEPTED,
    PICKED_UP: S.PICKED_UP,
    IN_TRANSIT: S.IN_TRANSIT,
    OUT_FOR_DELIVERY: S.OUT_FOR_DELIVERY,
    PROBLEM: S.PROBLEM,
    SIGNED: S.SIGNED,
    REJECTED: S.REJECTED,
    CANCELLED: S.CANCELLED,
}
# Events about one thing besides the status: one older than the newest of its group is late.
ASPECTS: Mapping[str, tuple[str, ...]] = {
    ACCEPTED: (ACCEPTED,),
    PICKUP_EXCEPTION: (PICKUP_EXCEPTION, EXCEPTION_RESOLVED),
    EXCEPTION_RESOLVED: (PICKUP_EXCEPTION, EXCEPTION_RESOLVED),
    RETURNING: (RETURNING, RETURNED, DISPOSED),
    RETURNED: (RETURNING, RETURNED, DISPOSED),
    DISPOSED: (RETURNING, RETURNED, DISPOSED),
}
BEFORE_PICKUP: frozenset[str] = frozenset({S.PLACED, S.DISPATCHING, S.ACCEPTED})
NOT_ACCEPTED: frozenset[str] = frozenset({S.PLACED, S.DISPATCHING})
# Prohibited goods are found in a parcel the carrier holds (003 附件 第十一条).
CONTRABAND_FROM: frozenset[str] = frozenset({S.PICKED_UP, S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.PROBLEM})
RETURN_STATE_OF: Mapping[str, str] = {
    RETURNING: ReturnState.RETURNING,
    RETURNED: ReturnState.RETURNED,
    DISPOSED: ReturnState.DISPOSED,
}
# The return leg after rejected (003 §8b): on the way back, then back or disposed of. A carrier may
# report the end without the start.
RETURN_MOVES: Mapping[str, frozenset[str]] = {
    ReturnState.NONE: frozenset({ReturnState.RETURNING, ReturnState.RETURNED, ReturnState.DISPOSED}),
    ReturnState.RETURNING: frozenset({ReturnState.RETURNED, ReturnState.DISPOSED}),
    ReturnState.RETURNED: frozenset(),
    ReturnState.DISPOSED: frozenset(),
}

ILLEGAL = "illegal_transition"
PICKUP_CODE_MISMATCH = "pickup_code_mismatch"
ORDER_NOT_FOUND = "order_not_found"
