"""The carrier event types (DESIGN §7.2), each declared once.

One :class:`EventType` per type says what the platform knows about it: the shape of its data, the
status it moves the order to, its label in the timeline when it changes no status, the notice the
user gets, and which other events it competes with for "the newest report about one thing". The
callback parser and the OpenAPI schema (``orders.api.carrier_serializers``), the judgement
(``orders.services.carrier_event_judgement``), the notices and the timeline (``orders.views``) all
read this table; a new type is one entry here plus its rule in the judgement.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from notifications.models import Kind
from orders import event_data as d
from orders.models import ReturnState, Status

S = Status

# Groups of events about one thing besides the status: one older than the newest of its group is late.
COURIER = "courier"
EXCEPTION = "exception"
RETURN_LEG = "return_leg"


@dataclass(frozen=True)
class EventType:
    code: str
    data: type[serializers.Serializer]
    # The status it moves the order to (None: it records, or is judged by its own rule).
    moves_to: str | None = None
    # What the timeline says when the entry changes no status (None: the status label).
    timeline_label: Promise | None = None
    # The notice the user gets when it is applied or recorded (None: no notice).
    notice: str | None = None
    aspect: str = ""
    return_state: str | None = None


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
FEE_SETTLED = "order.fee_settled"
CARRIER_NOTE = "order.carrier_note"
CLAIM_DECIDED = "claim.decided"

REGISTRY: Mapping[str, EventType] = {
    t.code: t
    for t in (
        EventType(DISPATCHING, d.NoDataSerializer, moves_to=S.DISPATCHING),
        EventType(
            DISPATCH_FAILED,
            d.DispatchFailedDataSerializer,
            timeline_label=_("No courier found yet"),
            notice=Kind.DISPATCH_FAILED,
        ),
        EventType(
            ACCEPTED,
            d.AcceptedDataSerializer,
            moves_to=S.ACCEPTED,
            timeline_label=_("Courier changed"),
            notice=Kind.ACCEPTED,
            aspect=COURIER,
        ),
        EventType(
            PICKUP_EXCEPTION,
            d.PickupExceptionDataSerializer,
            timeline_label=_("Pickup problem reported"),
            notice=Kind.PICKUP_EXCEPTION,
            aspect=EXCEPTION,
        ),
        EventType(
            EXCEPTION_RESOLVED,
            d.ExceptionResolvedDataSerializer,
            timeline_label=_("Pickup problem resolved"),
            aspect=EXCEPTION,
        ),
        EventType(PICKED_UP, d.PickedUpDataSerializer, moves_to=S.PICKED_UP, notice=Kind.PICKED_UP),
        EventType(
            IN_TRANSIT, d.InTransitDataSerializer, moves_to=S.IN_TRANSIT, timeline_label=_("In transit")
        ),
        EventType(OUT_FOR_DELIVERY, d.OutForDeliveryDataSerializer, moves_to=S.OUT_FOR_DELIVERY),
        EventType(PROBLEM, d.ProblemDataSerializer, moves_to=S.PROBLEM, notice=Kind.PROBLEM),
        EventType(SIGNED, d.SignedDataSerializer, moves_to=S.SIGNED, notice=Kind.SIGNED),
        EventType(REJECTED, d.RejectedDataSerializer, moves_to=S.REJECTED, notice=Kind.REJECTED),
        EventType(CANCELLED, d.ReasonDataSerializer, moves_to=S.CANCELLED, notice=Kind.CANCELLED),
        # Moves to problem too, by its own rule (a finding while already a problem is one more entry).
        EventType(
            CONTRABAND_FOUND,
            d.ContrabandDataSerializer,
            timeline_label=_("Prohibited goods found"),
            notice=Kind.PROBLEM,
        ),
        EventType(
            RETURNING,
            d.ReturnLegDataSerializer,
            timeline_label=_("Returning to sender"),
            aspect=RETURN_LEG,
            return_state=ReturnState.RETURNING,
            notice=Kind.RETURN_LEG,
        ),
        EventType(
            RETURNED,
            d.ReturnLegDataSerializer,
            timeline_label=_("Returned to sender"),
            aspect=RETURN_LEG,
            return_state=ReturnState.RETURNED,
            notice=Kind.RETURN_LEG,
        ),
        EventType(
            DISPOSED,
            d.ReturnLegDataSerializer,
            timeline_label=_("Disposed of"),
            aspect=RETURN_LEG,
            return_state=ReturnState.DISPOSED,
            notice=Kind.RETURN_LEG,
        ),
        # Final weight and fee after pickup (DESIGN §7.5): carriers that weigh at the depot.
        EventType(FEE_SETTLED, d.FeeSettledDataSerializer, timeline_label=_("Weight and fee settled")),
        # A carrier status the platform has no type for: kept, never a failed callback (§7.5).
        EventType(CARRIER_NOTE, d.CarrierNoteDataSerializer, timeline_label=_("Carrier update")),
        # Judged by the claims service (orders.services.claims), which also sends the notice.
        EventType(
            CLAIM_DECIDED,
            d.ClaimDecidedDataSerializer,
            timeline_label=_("Claim decided"),
            notice=Kind.CLAIM_DECIDED,
        ),
    )
}

# --- read from the registry ----------------------------------------------------------------------

EVENT_TYPES: tuple[str, ...] = tuple(REGISTRY)
TARGET_STATUS: Mapping[str, str] = {code: t.moves_to for code, t in REGISTRY.items() if t.moves_to}
ASPECTS: Mapping[str, tuple[str, ...]] = {
    code: tuple(other for other, o in REGISTRY.items() if o.aspect == t.aspect)
    for code, t in REGISTRY.items()
    if t.aspect
}
RETURN_STATE_OF: Mapping[str, str] = {code: t.return_state for code, t in REGISTRY.items() if t.return_state}
TIMELINE_LABELS: Mapping[str, Promise] = {
    code: t.timeline_label for code, t in REGISTRY.items() if t.timeline_label is not None
}


def event_type(code: str) -> EventType:
    """The declaration of ``code``; ``KeyError`` for a type the platform does not know."""
    return REGISTRY[code]


def data_serializers() -> list[type[serializers.Serializer]]:
    """Each shape of event data once, in the registry's order (the OpenAPI schema lists them)."""
    return list(dict.fromkeys(t.data for t in REGISTRY.values()))


# --- the rules' tables (DESIGN §3.1) -------------------------------------------------------------

BEFORE_PICKUP: frozenset[str] = frozenset({S.PLACED, S.DISPATCHING, S.ACCEPTED})
NOT_ACCEPTED: frozenset[str] = frozenset({S.PLACED, S.DISPATCHING})
# Prohibited goods are found in a parcel the carrier holds (003 附件 第十一条).
CONTRABAND_FROM: frozenset[str] = frozenset({S.PICKED_UP, S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.PROBLEM})
# The carrier settles weight and fee once it holds the parcel, up to and after delivery.
FEE_SETTLED_FROM: frozenset[str] = CONTRABAND_FROM | {S.SIGNED, S.REJECTED}
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
CLAIM_REFUSED = "claim_refused"
