"""Carrier callbacks (DESIGN §3.1, §7.2): judge each event, then apply it, record it or refuse it.

One delivery is judged under the order's row lock, in this order (an order past its deadline that
no midnight run has expired yet is first expired, as the run would have at its deadline, so a late
run never changes an outcome):

1. **late** — it happened before the event that set the current status (or, for events about the
   courier, the pickup exception or the return leg, before the newest event of that kind): it goes
   into the timeline at its own time and changes nothing (``recorded``);
2. **legal** — a move of the legal-move table is ``applied``; so is an event that changes what it
   is about without a status change (a new courier while accepted, a resolved exception, a return
   state). An event whose status the order already has (another ``in_transit`` scan) is a timeline
   entry (``recorded``), and so are the reports the table calls recorded (``dispatch_failed``,
   ``pickup_exception``: they set the deadline and notify, but move nothing);
3. **illegal** — anything else is refused (409) and kept only in the carrier event log.

The webhook id is consumed only by ``applied`` and ``recorded`` deliveries (a partial unique
constraint on ``CarrierEvent``): the same id again is a ``duplicate`` that changes nothing, while a
refused delivery is judged afresh when the carrier retries it — so an ``in_transit`` that arrived
before its ``picked_up`` applies on the retry.

This module is the entry point (lock, de-duplication, the log); the rules per event type are in
``carrier_event_judgement`` and the types in the event registry (``orders.event_registry``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carriers.models import CARRIER_EVENT_TAKEN, Carrier, CarrierEvent, CarrierEventResult
from orders.event_registry import CARRIER_NOTE, DISPATCH_FAILED, EVENT_TYPES, ORDER_NOT_FOUND
from orders.models import Order, OrderEvent
from orders.services.carrier_event_judgement import EventRefused, IncomingEvent, judge
from orders.services.lifecycle import order_lock

Result = CarrierEventResult
REDACTED = "[redacted]"
# Where an event's data has the carrier's own words, in the order they are looked for.
WORDS = ("description", "reason", "remark", "note")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EventOutcome:
    """What became of one delivery: ``result`` is a ``CarrierEventResult`` value.

    ``error`` is the machine-readable reason of a refusal (``illegal_transition``,
    ``pickup_code_mismatch``, ``order_not_found``), ``message`` the readable one.
    """

    result: str
    log: CarrierEvent
    order: Order | None = None
    event: OrderEvent | None = None
    error: str = ""
    message: str = ""


# --- public services ---------------------------------------------------------------------------


def carrier_event_seen(*, carrier: Carrier, webhook_id: str) -> bool:
    """Whether a delivery with this webhook id was applied or recorded already."""
    return CarrierEvent.objects.filter(
        carrier=carrier, webhook_id=webhook_id, result__in=CARRIER_EVENT_TAKEN
    ).exists()


def carrier_event_log(
    *,
    carrier: Carrier,
    webhook_id: str,
    result: str,
    payload: Any = None,
    error: str = "",
    order: Order | None = None,
    order_number: str = "",
    type: str = "",
    occurred_at: datetime | None = None,
    received_at: datetime | None = None,
) -> CarrierEvent:
    """Keep a delivery in the carrier event log (the refused and duplicate ones as well)."""
    return CarrierEvent.objects.create(
        carrier=carrier,
        webhook_id=webhook_id[:255],
        order=order,
        order_number=str(order_number or "")[:40],
        type=str(type or "")[:40],
        occurred_at=occurred_at,
        payload=redact_payload(payload),
        result=result,
        error=error[:500],
        received_at=received_at or timezone.now(),
    )


def carrier_event_apply(
    *,
    carrier: Carrier,
    webhook_id: str,
    order_number: str,
    type: str,
    occurred_at: datetime,
    data: Mapping[str, Any],
    payload: Any = None,
    received_at: datetime | None = None,
) -> EventOutcome:
    """Judge one delivery of a carrier event and act on it (see the module docstring).

    ``data`` is the event's validated data (``orders.api.carrier_serializers``); ``payload`` is the
    body as received, kept in the log with the pickup code redacted. Never raises for a refusal:
    the outcome says ``illegal``, ``not_found`` or ``duplicate`` and the log row exists.
    """
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown carrier event type {type!r}")
    received_at = received_at or timezone.now()
    if payload is None:
        payload = {"order": order_number, "type": type, "occurred_at": occurred_at.isoformat(), "data": data}
    event = IncomingEvent(
        webhook_id=webhook_id, type=type, occurred_at=occurred_at, data=data, received_at=received_at
    )
    log = {
        "carrier": carrier,
        "webhook_id": webhook_id,
        "payload": payload,
        "order_number": order_number,
        "type": type,
        "occurred_at": occurred_at,
        "received_at": received_at,
    }
    try:
        with transaction.atomic():
            # The one lock of the delivery: it serialises deliveries for one order, and the
            # judgement writes through the lifecycle services without locking again.
            order = order_lock(carrier_id=carrier.pk, number=order_number)
            if order is None:
                return _refused(
                    log, Result.NOT_FOUND, ORDER_NOT_FOUND, str(_("No such order for this carrier."))
                )
            try:
                result, timeline_event = judge(order=order, carrier=carrier, event=event)
            except EventRefused as refused:
                # Nothing was written but an overdue expiry, which stands (as for every writer).
                return _refused(log, Result.ILLEGAL, refused.error, refused.message, order=order)
            # The duplicate check, done once: the partial unique constraint refuses a second row
            # that took this webhook id, and everything this delivery wrote rolls back with it.
            row = carrier_event_log(result=result, order=order, **log)
            return EventOutcome(result=result, log=row, order=order, event=timeline_event)
    except IntegrityError:
        if not carrier_event_seen(carrier=carrier, webhook_id=webhook_id):
            raise
        return _duplicate(log)


def carrier_refusal_apply(
    *, carrier: Carrier, order_number: str, reason: str, message_id: str
) -> EventOutcome:
    """The carrier refused the booking for good (DESIGN §7.5): judged like its own
    ``order.dispatch_failed`` report, once per outbound message, so the user hears why."""
    now = timezone.now()
    return carrier_event_apply(
        carrier=carrier,
        webhook_id=f"refused:{message_id}",
        order_number=order_number,
        type=DISPATCH_FAILED,
        occurred_at=now,
        data={"reason": str(reason)[:500], "refused": True},
        received_at=now,
    )


def carrier_refused_move_keep(
    *, carrier: Carrier, webhook_id: str, refused: EventOutcome, data: Mapping[str, Any], payload: Any = None
) -> EventOutcome:
    """Keep an event refused as an illegal move on the order's timeline as a carrier note, in the
    carrier's words with the refused type, for carriers that cannot act on a refusal (DESIGN
    §7.5). The refusal stays in the log; the note takes the webhook id, so the carrier's
    re-deliveries are duplicates."""
    row = refused.log
    logger.warning(
        "carrier %s: %s for order %s refused (%s), kept as a note",
        carrier.code,
        row.type,
        row.order_number,
        refused.message,
    )
    words = next((str(data[k]) for k in WORDS if data.get(k)), "") or refused.message
    return carrier_event_apply(
        carrier=carrier,
        webhook_id=webhook_id,
        order_number=row.order_number,
        type=CARRIER_NOTE,
        occurred_at=row.occurred_at,
        data={"code": f"refused:{row.type}"[:40], "description": words[:500]},
        payload=payload,
        received_at=row.received_at,
    )


def _duplicate(log: dict) -> EventOutcome:
    order = Order.objects.filter(carrier=log["carrier"], number=log["order_number"]).first()
    row = carrier_event_log(result=Result.DUPLICATE, order=order, **log)
    return EventOutcome(result=Result.DUPLICATE, log=row, order=order)


def _refused(log: dict, result: str, error: str, message: str, *, order: Order | None = None) -> EventOutcome:
    """A refusal, unless the webhook id was taken before: a re-delivery of an applied event."""
    if carrier_event_seen(carrier=log["carrier"], webhook_id=log["webhook_id"]):
        return _duplicate(log)
    row = carrier_event_log(result=result, order=order, error=f"{error}: {message}", **log)
    return EventOutcome(result=result, log=row, order=order, error=error, message=message)


def redact_payload(payload: Any) -> Any:
    """The payload as logged: the pickup code belongs to the user and is never stored twice."""
    if not isinstance(payload, Mapping):
        return payload if payload is not None else {}
    data = payload.get("data")
    if isinstance(data, Mapping) and "pickup_code" in data:
        return {**payload, "data": {**data, "pickup_code": REDACTED}}
    return dict(payload)
