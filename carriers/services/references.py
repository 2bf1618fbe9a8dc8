"""What the carriers' own systems call our orders, and the log of calls to their APIs (DESIGN §7.5).

An integration that books through a carrier's API keeps the carrier's references here (its task
and order ids, waybill numbers) to cancel later and to find the order a callback is about, and
keeps every call it made, redacted, for the carrier's delivery log in the admin.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..models import Carrier, CarrierExchange, CarrierOrderReference

RESPONSE_MAX_LENGTH = 4000


def carrier_reference_store(
    *,
    carrier: Carrier,
    order_number: str,
    task_id: str = "",
    external_id: str = "",
    waybill_numbers: Iterable[str] = (),
) -> CarrierOrderReference:
    """Record (or replace) the carrier's references for one order."""
    reference, _created = CarrierOrderReference.objects.update_or_create(
        carrier=carrier,
        order_number=order_number,
        defaults={
            "task_id": str(task_id or "")[:64],
            "external_id": str(external_id or "")[:64],
            "waybill_numbers": [str(n)[:40] for n in waybill_numbers],
        },
    )
    return reference


def carrier_reference_get(*, carrier: Carrier, order_number: str) -> CarrierOrderReference | None:
    return CarrierOrderReference.objects.filter(carrier=carrier, order_number=order_number).first()


def carrier_reference_order_number(*, carrier: Carrier, external_id: str) -> str:
    """The platform order number the carrier knows as ``external_id`` ('' when none)."""
    if not external_id:
        return ""
    number = (
        CarrierOrderReference.objects.filter(carrier=carrier, external_id=external_id)
        .values_list("order_number", flat=True)
        .first()
    )
    return number or ""


def carrier_exchange_record(
    *,
    carrier: Carrier,
    operation: str,
    request: Mapping[str, Any],
    outcome: str,
    message_id: str = "",
    order_number: str = "",
    http_status: int | None = None,
    response: str = "",
    error: str = "",
) -> CarrierExchange:
    """Keep one call to a carrier's API; the caller leaves secrets and signatures out of
    ``request`` and masks phone numbers."""
    return CarrierExchange.objects.create(
        carrier=carrier,
        message_id=str(message_id)[:64],
        order_number=str(order_number)[:40],
        operation=operation[:40],
        request=dict(request),
        http_status=http_status,
        response=response[:RESPONSE_MAX_LENGTH],
        outcome=outcome[:10],
        error=error[:500],
    )


# How an outbound call that went out but got no answer in time is recorded (``form_wire``): the
# carrier may have acted on it.
UNANSWERED = "(TimeoutError)"


def carrier_exchange_unanswered(*, carrier: Carrier, message_id: str, operation: str) -> bool:
    """Whether an earlier call for this outbound message went out and got no answer in time."""
    return CarrierExchange.objects.filter(
        carrier=carrier,
        message_id=str(message_id)[:64],
        operation=operation[:40],
        outcome="retry",
        error__endswith=UNANSWERED,
    ).exists()
