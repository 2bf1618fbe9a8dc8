"""The judgement of one carrier event under the order's row lock (DESIGN §3.1, §7.2).

``judge`` returns ``(result, timeline event)`` or raises :class:`EventRefused`; the caller holds the
row lock (``lifecycle.order_lock``) in its transaction, so the lifecycle services are called with
``locked=True`` and neither select nor lock the row again. The caller de-duplicates and keeps the log (``orders.services.carrier_events``). One handler per event
type says what the event does from each status.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from accounts.models import ViolationKind
from accounts.services.violations import violation_record
from carriers.integrations import pickup_code_required
from carriers.models import Carrier, CarrierEventResult, Payer
from notifications.services import dedupe_key_for, notify
from orders.clock import next_local_midnight
from orders.event_registry import (
    ACCEPTED,
    ASPECTS,
    BEFORE_PICKUP,
    CANCELLED,
    CARRIER_NOTE,
    CLAIM_DECIDED,
    CONTRABAND_FOUND,
    CONTRABAND_FROM,
    DISPATCH_FAILED,
    DISPATCHING,
    DISPOSED,
    EVENT_TYPES,
    EXCEPTION_RESOLVED,
    FEE_SETTLED,
    FEE_SETTLED_FROM,
    ILLEGAL,
    IN_TRANSIT,
    NOT_ACCEPTED,
    OUT_FOR_DELIVERY,
    PICKED_UP,
    PICKUP_CODE_MISMATCH,
    PICKUP_EXCEPTION,
    PROBLEM,
    REJECTED,
    RETURN_MOVES,
    RETURN_STATE_OF,
    RETURNED,
    RETURNING,
    SIGNED,
    TARGET_STATUS,
    event_type,
)
from orders.models import Actor, CancelReason, Order, OrderEvent, PickupException, ReturnState, Status
from orders.services.cancellation import frequent_cancellations_check
from orders.services.claims import ClaimRefused, Decision, claim_decide
from orders.services.expiry import order_expire_overdue
from orders.services.lifecycle import IllegalTransition, order_event_record, order_transition
from orders.services.statuses import is_legal_move

S = Status
Result = CarrierEventResult


@dataclass(frozen=True)
class IncomingEvent:
    """One validated delivery; ``received_at`` is when the platform heard of it (deadlines)."""

    webhook_id: str
    type: str
    occurred_at: datetime
    data: Mapping[str, Any]
    received_at: datetime


class EventRefused(Exception):
    """The event may not happen to the order now (409): ``error`` is the machine-readable code."""

    def __init__(self, error: str, message: Any):
        self.error = error
        self.message = str(message)
        super().__init__(self.message)


def booking_deadline(order: Order) -> datetime:
    """00:00 Asia/Shanghai after the order was placed: when it expires unless accepted (§3.2)."""
    placed_at = (
        OrderEvent.objects.filter(order=order, old_status="", new_status=S.PLACED)
        .order_by("id")
        .values_list("occurred_at", flat=True)
        .first()
    )
    return next_local_midnight(placed_at or order.created_at)


# --- the judgement -----------------------------------------------------------------------------


def judge(*, order: Order, carrier: Carrier, event: IncomingEvent) -> tuple[str, OrderEvent]:
    # A late or missed midnight run must not change the outcome: an overdue order is expired first,
    # as the run would have expired it at its deadline, and the event is judged against that.
    order_expire_overdue(order=order)
    if _is_late(order=order, event=event):
        return Result.RECORDED, _entry(order, event, late=True)
    return HANDLERS[event.type](order=order, carrier=carrier, event=event)


def _is_late(*, order: Order, event: IncomingEvent) -> bool:
    if event.type == CLAIM_DECIDED:  # about the claim, not the parcel's progress: never late
        return False
    if event.occurred_at < order.status_changed_at:
        return True
    target = TARGET_STATUS.get(event.type)
    if (
        event.occurred_at == order.status_changed_at
        and target is not None
        and target != order.status
        and not is_legal_move(order.status, target)
    ):
        # Same instant as the current status (carriers often stamp to the second): an event that
        # cannot follow the current status is taken to have preceded it.
        return True
    kinds = ASPECTS.get(event.type)
    if kinds:
        newest = OrderEvent.objects.filter(order=order, kind__in=kinds).aggregate(t=Max("occurred_at"))["t"]
        if newest is not None and event.occurred_at < newest:
            return True
    return False


def _refuse(order: Order, event: IncomingEvent, target: str | None = None) -> EventRefused:
    if target is not None:
        return EventRefused(ILLEGAL, IllegalTransition(order.status, target).message)
    return EventRefused(
        ILLEGAL,
        _("%(type)s is not possible while the order is “%(status)s”.")
        % {"type": event.type, "status": order.get_status_display()},
    )


def _timeline_data(event: IncomingEvent, **extra: Any) -> dict:
    data = {k: _plain(v) for k, v in event.data.items() if k != "pickup_code"}
    data.update(extra)
    return data


def _plain(value: Any) -> Any:
    """JSON-safe: Decimal as text (money stays exact), datetimes as ISO text."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _note(event: IncomingEvent) -> str:
    d = event.data
    if event.type == IN_TRANSIT:
        text = " · ".join(part for part in (d.get("location"), d.get("description")) if part)
    elif event.type == CONTRABAND_FOUND:
        text = " · ".join(part for part in (d.get("category"), d.get("note")) if part)
    elif event.type == SIGNED:
        text = d.get("remark") or ""
    elif event.type == REJECTED:  # the reason is a code, shown by its label
        text = d.get("note") or ""
    else:
        text = d.get("reason") or d.get("note") or d.get("description") or ""
    return str(text)[:500]


def _entry(order: Order, event: IncomingEvent, *, changes=None, late: bool = False, **extra) -> OrderEvent:
    """A timeline entry at the event's own time, without a status change."""
    if late:
        extra["late"] = True
    return order_event_record(
        order=order,
        kind=event.type,
        actor=Actor.CARRIER,
        source_event_id=event.webhook_id,
        occurred_at=event.occurred_at,
        note=_note(event),
        data=_timeline_data(event, **extra),
        changes=changes,
        locked=True,
    )


def _move(order: Order, event: IncomingEvent, to: str, *, changes=None, **extra) -> OrderEvent:
    _order, timeline_event = order_transition(
        order=order,
        to=to,
        actor=Actor.CARRIER,
        source_event_id=event.webhook_id,
        occurred_at=event.occurred_at,
        note=_note(event),
        data=_timeline_data(event, **extra),
        changes=changes,
        kind=event.type,
        locked=True,
    )
    return timeline_event


def _notify(order: Order, event: IncomingEvent, **context: Any) -> None:
    """The notice the registry declares for the event's type, once per event."""
    kind = event_type(event.type).notice
    if kind is None:
        return
    notify(
        user=None,
        kind=kind,
        order=order,
        context=context,
        dedupe_key=dedupe_key_for(kind=kind, order=order, source=event.webhook_id),
    )


def _status_event(
    *, order: Order, event: IncomingEvent, changes=None, context=None, **extra
) -> tuple[str, OrderEvent]:
    """The common rule of status-moving events: same status → timeline entry; legal → applied."""
    to = TARGET_STATUS[event.type]
    if order.status == to:
        return Result.RECORDED, _entry(order, event, **extra)
    if not is_legal_move(order.status, to):
        raise _refuse(order, event, to)
    timeline_event = _move(order, event, to, changes=changes, **extra)
    _notify(order, event, **(context or {}))
    return Result.APPLIED, timeline_event


# --- one handler per event type ----------------------------------------------------------------


def _dispatching(*, order, carrier, event):
    return _status_event(order=order, event=event)


def _dispatch_failed(*, order, carrier, event):
    if order.status not in NOT_ACCEPTED:
        raise _refuse(order, event)
    timeline_event = _entry(order, event)
    _notify(
        order,
        event,
        reason=event.data.get("reason", ""),
        deadline=order.deadline,
        refused=bool(event.data.get("refused")),
    )
    return Result.RECORDED, timeline_event


def _courier_changes(courier: Mapping[str, Any]) -> dict[str, str]:
    return {
        "courier_name": courier["name"],
        "courier_phone": courier["phone"],
        "courier_employee_id": courier["employee_id"],
    }


def _accepted(*, order, carrier, event):
    changes = _courier_changes(event.data["courier"])
    if order.status == S.ACCEPTED:  # 改派: another courier, no status change
        timeline_event = _entry(order, event, changes=changes, reassigned=True)
    elif is_legal_move(order.status, S.ACCEPTED):
        newest_exception = (
            OrderEvent.objects.filter(order=order, kind=PICKUP_EXCEPTION).aggregate(t=Max("occurred_at"))["t"]
            if order.exception_code
            else None
        )
        if newest_exception is not None and newest_exception > event.occurred_at:
            # The exception was reported after this acceptance happened: it stays open.
            changes.update(
                exception_code=order.exception_code,
                exception_note=order.exception_note,
                deadline=order.deadline,
            )
        timeline_event = _move(order, event, S.ACCEPTED, changes=changes)
    else:
        raise _refuse(order, event, S.ACCEPTED)
    _notify(order, event)
    return Result.APPLIED, timeline_event


def _pickup_exception(*, order, carrier, event):
    if order.status not in BEFORE_PICKUP:
        raise _refuse(order, event)
    # The user has until the next midnight after the platform heard of it (§3.2, §3.3).
    deadline = next_local_midnight(event.received_at)
    changes = {
        "exception_code": event.data["code"],
        "exception_note": event.data.get("note", "")[:500],
        "deadline": deadline,
    }
    timeline_event = _entry(order, event, changes=changes)
    _notify(order, event, code=event.data["code"], note=changes["exception_note"])
    if event.data["code"] == PickupException.CUSTOMER_CANCEL:
        # The customer asked the courier to cancel: it counts like their own cancellation (§6).
        frequent_cancellations_check(user=order.user)
    return Result.RECORDED, timeline_event


def _exception_resolved(*, order, carrier, event):
    if order.status not in BEFORE_PICKUP:
        raise _refuse(order, event)
    if not order.exception_code:  # nothing open (progress cleared it, or never reported)
        return Result.RECORDED, _entry(order, event)
    # Accepted: the carriage contract is formed and nothing expires it. Not accepted: back to the
    # booking rule, 00:00 after it was placed (which may already have passed: the next run expires it).
    deadline = None if order.status == S.ACCEPTED else booking_deadline(order)
    changes = {"exception_code": "", "exception_note": "", "deadline": deadline}
    return Result.APPLIED, _entry(order, event, changes=changes, resolved=order.exception_code)


def _pickup_code_matches(*, order: Order, carrier: Carrier, sent: Any) -> bool:
    """Required for carriers that say so and whose protocol can carry it (§3.2, §7.5); checked
    whenever a carrier sends one."""
    if sent in (None, ""):
        return not pickup_code_required(carrier)
    return hmac.compare_digest(str(sent).encode(), order.pickup_code.encode())


def _picked_up(*, order, carrier, event):
    d = event.data
    # Checked only for the move itself: a repeat or a refusal for another reason changes nothing.
    moves = order.status != S.PICKED_UP and is_legal_move(order.status, S.PICKED_UP)
    if moves and not _pickup_code_matches(order=order, carrier=carrier, sent=d.get("pickup_code")):
        raise EventRefused(PICKUP_CODE_MISMATCH, _("The pickup code is missing or wrong."))
    # Paid at pickup unless the carrier says otherwise; a 到付 parcel is unpaid until the carrier
    # reports the recipient paid (order.signed fee_paid).
    changes = {"waybill_no": d["waybill_no"], **_fee_changes(d)}
    context = {"waybill_no": d["waybill_no"]}
    if d.get("fee"):
        paid = d["fee"].get("paid")
        changes["fee_paid"] = paid if paid is not None else order.payer != Payer.RECIPIENT
        context["fee"] = _plain(d["fee"])
    return _status_event(order=order, event=event, changes=changes, context=context)


def _fee_changes(d: Mapping[str, Any]) -> dict[str, Any]:
    """The weight and fee an event reports (a pickup may leave them to ``order.fee_settled``)."""
    changes: dict[str, Any] = {}
    if d.get("weight_kg") is not None:
        changes["actual_weight_kg"] = d["weight_kg"]
    if d.get("fee"):
        changes.update(fee_amount=d["fee"]["amount"], fee_currency=d["fee"]["currency"])
    return changes


def _fee_settled(*, order, carrier, event):
    if order.status not in FEE_SETTLED_FROM:
        raise _refuse(order, event)
    return Result.RECORDED, _entry(order, event, changes=_fee_changes(event.data))


def _carrier_note(*, order, carrier, event):
    return Result.RECORDED, _entry(order, event)


def _in_transit(*, order, carrier, event):
    return _status_event(order=order, event=event)


def _out_for_delivery(*, order, carrier, event):
    return _status_event(order=order, event=event)


def _problem(*, order, carrier, event):
    return _status_event(
        order=order,
        event=event,
        context={"description": event.data.get("description", "")},
    )


def _signed(*, order, carrier, event):
    remark = event.data.get("remark") or ""
    paid = event.data.get("fee_paid")
    # Signing without a damage remark means delivered intact (003 §12b-ii): claims read this.
    return _status_event(
        order=order,
        event=event,
        changes={"fee_paid": paid} if paid is not None else None,
        context={"signed_by": event.data.get("signed_by") or "", "remark": remark},
        intact=not remark,
    )


def _rejected(*, order, carrier, event):
    reason, note = event.data["reason"], event.data.get("note") or ""
    return _status_event(
        order=order,
        event=event,
        changes={"reject_reason": reason},
        context={"reason": reason, "note": note},
    )


def _cancelled(*, order, carrier, event):
    if order.status == S.EXPIRED:
        # The carrier confirms the cancellation the expiry asked of it (DESIGN §3.2): the order is
        # closed either way, so the confirmation is a timeline entry, as a second cancel would be.
        return Result.RECORDED, _entry(order, event)
    reason = event.data.get("reason", "")
    # A carrier's reason is free text; only a user's reason code is kept as the cancel reason.
    changes = {"cancel_reason": reason if reason in CancelReason.values else ""}
    return _status_event(
        order=order,
        event=event,
        changes=changes,
        context={"by": Actor.CARRIER.value, "reason": reason},
    )


def _contraband_found(*, order, carrier, event):
    if order.status not in CONTRABAND_FROM:
        raise _refuse(order, event)
    # Already a problem parcel: the finding is one more entry (the violation is still recorded).
    timeline_event = _entry(order, event) if order.status == S.PROBLEM else _move(order, event, S.PROBLEM)
    category, note = event.data["category"], event.data.get("note", "")
    if order.user_id is not None:
        # The goods were declared as something else at booking: false order information (000 6.1.6).
        violation_record(
            user=order.user,
            kind=ViolationKind.FALSE_INFORMATION,
            note=str(
                _("Prohibited goods found by the carrier: %(category)s. %(note)s")
                % {
                    "category": category,
                    "note": note,
                }
            ).strip(),
            order=order,
            carrier=carrier,
        )
    description = _("Prohibited goods were found in the parcel (%(category)s). %(note)s") % {
        "category": category,
        "note": note,
    }
    _notify(order, event, description=str(description).strip())
    return Result.APPLIED, timeline_event


def _return_leg(*, order, carrier, event):
    if order.status != S.REJECTED:
        raise _refuse(order, event)
    new = RETURN_STATE_OF[event.type]
    if order.return_state == new:
        return Result.RECORDED, _entry(order, event)
    if new not in RETURN_MOVES[order.return_state]:
        raise EventRefused(
            ILLEGAL,
            _("The return leg cannot go from “%(old)s” to “%(new)s”.")
            % {"old": ReturnState(order.return_state).label, "new": ReturnState(new).label},
        )
    fee, proceeds = event.data.get("fee"), event.data.get("proceeds")
    changes = {"return_state": new}
    if fee:
        changes.update(return_fee_amount=fee["amount"], return_currency=fee["currency"])
    if proceeds:
        changes.update(disposal_proceeds_amount=proceeds["amount"], return_currency=proceeds["currency"])
    timeline_event = _entry(order, event, changes=changes)
    _notify(order, event, state=new, fee=_plain(fee or {}), proceeds=_plain(proceeds or {}))
    return Result.APPLIED, timeline_event


def _claim_decided(*, order, carrier, event):
    d = event.data
    order.carrier = carrier  # the lock's row is this carrier's order: no second read of the carrier
    try:
        _claim, entry = claim_decide(
            order=order,
            claim_id=d["claim"],
            decision=Decision(
                decision=d["decision"],
                amount=d.get("amount"),
                return_freight=d.get("return_freight") or Decimal("0"),
                note=d.get("note") or "",
            ),
            actor=Actor.CARRIER,
            source_event_id=event.webhook_id,
            occurred_at=event.occurred_at,
            locked=True,
        )
    except ClaimRefused as refused:
        raise EventRefused(refused.rule, refused.message) from None
    if entry is None:  # the same decision again: one more line in the timeline
        return Result.RECORDED, _entry(order, event)
    return Result.APPLIED, entry


HANDLERS = {
    DISPATCHING: _dispatching,
    DISPATCH_FAILED: _dispatch_failed,
    ACCEPTED: _accepted,
    PICKUP_EXCEPTION: _pickup_exception,
    EXCEPTION_RESOLVED: _exception_resolved,
    PICKED_UP: _picked_up,
    IN_TRANSIT: _in_transit,
    OUT_FOR_DELIVERY: _out_for_delivery,
    PROBLEM: _problem,
    SIGNED: _signed,
    REJECTED: _rejected,
    CANCELLED: _cancelled,
    CONTRABAND_FOUND: _contraband_found,
    RETURNING: _return_leg,
    RETURNED: _return_leg,
    DISPOSED: _return_leg,
    FEE_SETTLED: _fee_settled,
    CARRIER_NOTE: _carrier_note,
    CLAIM_DECIDED: _claim_decided,
}
assert set(HANDLERS) == set(EVENT_TYPES)  # noqa: S101 - a table that must stay complete
