"""The platform → carrier outbox (DESIGN §7.1), on the delivery engine.

Booking, cancelling and expiry write an :class:`~orders.models.OutboxMessage` in the transaction
that changes the order, so a message exists exactly when the change committed. After commit it is
handed to Celery (``delivery.tasks.deliver``); if the broker is down the row simply stays pending
and the engine's sweeper (``delivery.tasks.sweep`` every minute, or ``manage.py send_outbox``)
sends it later. Nothing here ever raises into the caller's booking or cancel.

Sending, retries and dead letters are the engine's (``delivery.services``): at-least-once, the
message id is the ``webhook-id`` the carrier de-duplicates on; failed attempts back off (30 s,
1 min, 2 min, … capped at 1 h); after ``OUTBOX_MAX_ATTEMPTS`` the message is ``failed`` and waits
for an admin's retry. An order's ``order.cancelled`` / ``order.expired`` is written with a higher
rank than its ``order.created``, so it waits until that is out: a carrier never hears of a
cancellation before the order.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.utils import timezone

from carriers.sending import CHANNEL
from delivery import services as engine
from delivery.bulk import rows_insert
from delivery.models import Message
from delivery.tasks import messages_queue
from orders.models import Order, OutboxEventType, OutboxMessage

logger = logging.getLogger(__name__)

# Keys the payload builders must never produce: the pickup code stays between user and courier.
FORBIDDEN_KEYS = frozenset({"pickup_code"})
# order.created goes first; what follows it for the same order waits until it is out.
RANKS = {
    OutboxEventType.CREATED: 0,
    OutboxEventType.CANCELLED: 1,
    OutboxEventType.EXPIRED: 1,
    OutboxEventType.CLAIM_CREATED: 1,
    OutboxEventType.CLAIM_DOCUMENTS_ADDED: 2,
}


# --- payloads ------------------------------------------------------------------------------------


def _local(moment: datetime | None) -> datetime | None:
    return timezone.localtime(moment) if moment is not None else None


def _json(payload: Mapping[str, Any]) -> dict:
    """Plain JSON as the carrier will read it: decimals as strings, datetimes ISO 8601 (+08:00)."""
    _check_no_forbidden_keys(payload)
    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder))


def _check_no_forbidden_keys(value: Any) -> None:
    if isinstance(value, Mapping):
        leaked = FORBIDDEN_KEYS & set(value)
        if leaked:
            raise ValueError(f"outbox payloads must not carry {sorted(leaked)}")
        for item in value.values():
            _check_no_forbidden_keys(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _check_no_forbidden_keys(item)


def _party(order: Order, prefix: str) -> dict[str, str]:
    return {
        name: getattr(order, f"{prefix}_{name}")
        for name in ("name", "phone", "province", "city", "district", "address")
    }


def _decimal(order: Order, name: str) -> str | None:
    # As the column stores it ("1.50"), whether the order was just built or read back.
    value = getattr(order, name)
    if value is None:
        return None
    places = Order._meta.get_field(name).decimal_places
    return f"{Decimal(value):.{places}f}"


def order_created_payload(order: Order) -> dict:
    """What a carrier needs to collect and carry the parcel; never the pickup code (§3.2)."""
    dimensions = None
    if order.has_dimensions:
        dimensions = {name: _decimal(order, f"{name}_cm") for name in ("length", "width", "height")}
    return _json(
        {
            "order": order.number,
            "carrier": order.carrier.code,
            "placed_at": _local(order.created_at or order.status_changed_at),
            "deadline": _local(order.deadline),
            "pickup_window": {"start": _local(order.pickup_start), "end": _local(order.pickup_end)},
            "sender": _party(order, "sender"),
            "recipient": _party(order, "recipient"),
            "parcel": {
                "weight_kg": _decimal(order, "weight_kg"),
                "dimensions_cm": dimensions,
                "item_type": order.item_type,
                "description": order.description,
                "quantity": order.quantity,
                "declared_value": {"amount": _decimal(order, "declared_value"), "currency": order.currency},
                "insured": order.insured,
                "original_packaging": order.original_packaging,
                "keep_upright": order.keep_upright,
                "bag_size": order.bag_size,
                "receipt_attested": order.receipt_attested,
                "surcharge_accepted": order.surcharge_accepted,
                # The customs lines (hk-bag); declared_value is their sum.
                "items": [
                    {
                        "description": line["description"],
                        "quantity": line["quantity"],
                        "unit_value": {"amount": line["unit_value"], "currency": order.currency},
                    }
                    for line in order.items
                ],
            },
            "estimate": {"amount": _decimal(order, "estimate_amount"), "currency": order.estimate_currency},
            # sender: paid at pickup; recipient: collected on delivery (到付), the sender liable.
            "payer": order.payer,
            "contract_version": order.contract.version,
            # The courier must ask the sender for the code at the door; the code itself is not here.
            "pickup_code_required": order.carrier.requires_pickup_code,
        }
    )


def order_cancelled_payload(*, number: str, reason: str, by: str, occurred_at: datetime) -> dict:
    return _json({"order": number, "reason": reason, "cancelled_by": by, "occurred_at": _local(occurred_at)})


def expiry_reason(exception_code: str) -> str:
    """Why an order expired (§3.2): nobody accepted it, or its pickup exception stayed open."""
    return "exception_unresolved" if exception_code else "not_accepted"


def order_expired_payload(
    *, number: str, reason: str, deadline: datetime | None, occurred_at: datetime
) -> dict:
    # The midnight job builds one per expired order: its values are text already, so it is
    # written as _json would write it without the round trip through the encoder.
    return {
        "order": number,
        "reason": reason,
        "deadline": _local_text(deadline),
        "occurred_at": _local_text(occurred_at),
    }


_ENCODER = DjangoJSONEncoder()


def _local_text(moment: datetime | None) -> str | None:
    """``_json(_local(moment))``: the moment in the platform's time zone as ISO 8601 text."""
    if moment is None:
        return None
    return _ENCODER.default(moment.astimezone(timezone.get_default_timezone()))


def claim_payload(*, claim, order: Order, documents: list[dict]) -> dict:
    """``claim.created`` / ``claim.documents_added``: the claim and (the new) documents as links."""
    return _json(
        {
            "claim": claim.pk,
            "order": order.number,
            "waybill_no": order.waybill_no,
            "kind": claim.kind,
            "amount": {"amount": f"{Decimal(claim.amount):.2f}", "currency": claim.currency},
            "declared_value": {"amount": _decimal(order, "declared_value"), "currency": order.currency},
            "description": claim.description,
            "filed_at": _local(claim.created_at),
            "documents_due_at": _local(claim.documents_due_at),
            # Short-lived signed links (expires_at): fetch them when the message arrives.
            "documents": [{**d, "expires_at": _local(d["expires_at"])} for d in documents],
        }
    )


# --- writing -------------------------------------------------------------------------------------


def _require_transaction() -> None:
    # The whole point of the outbox: the message commits or rolls back with the change itself.
    if not connection.in_atomic_block:
        raise RuntimeError("outbox messages are written inside the transaction that changes the order")


def _draft(*, order_id: int, carrier_id: int, event_type: str, payload: Mapping[str, Any]) -> engine.Draft:
    event_type = OutboxEventType(event_type)
    return engine.Draft(
        channel=CHANNEL,
        event_type=event_type.value,
        subject=f"order:{order_id}",
        recipient=str(carrier_id),
        rank=RANKS[event_type],
        payload=payload,
    )


def outbox_messages_add(
    *, messages: Sequence[tuple[int, int, str, Mapping[str, Any]]], now: datetime | None = None
) -> list[OutboxMessage]:
    """Write messages in the caller's transaction, set-based: (order_id, carrier_id, type, payload).

    Two statements whatever their number: the engine's rows in one ``INSERT``, then the rows that
    tie them to their orders and carriers in another. They are queued by the caller after commit.
    """
    _require_transaction()
    if not messages:
        return []
    drafts = [
        _draft(order_id=order_id, carrier_id=carrier_id, event_type=event_type, payload=payload)
        for order_id, carrier_id, event_type, payload in messages
    ]
    rows = engine.messages_add(drafts=drafts, now=now)
    links = [
        (row.pk, order_id, carrier_id)
        for row, (order_id, carrier_id, _type, _payload) in zip(rows, messages, strict=True)
    ]
    _insert_links(links)
    fields = [f.attname for f in Message._meta.concrete_fields]
    return [
        OutboxMessage(
            message_id=row.pk,
            order_id=order_id,
            carrier_id=carrier_id,
            **{f: getattr(row, f) for f in fields},
        )
        for row, (_pk, order_id, carrier_id) in zip(rows, links, strict=True)
    ]


def outbox_messages_insert(
    *, messages: Sequence[tuple[int, int, str, Mapping[str, Any]]], now: datetime | None = None
) -> list[UUID]:
    """:func:`outbox_messages_add` for batch jobs: the same rows, written from plain values (on
    PostgreSQL the engine's rows and the links in one ``INSERT`` each, without model instances).
    Returns the message ids, in the order of ``messages``."""
    _require_transaction()
    if not messages:
        return []
    if connection.vendor != "postgresql":
        return [message.pk for message in outbox_messages_add(messages=messages, now=now)]
    drafts = [
        _draft(order_id=order_id, carrier_id=carrier_id, event_type=event_type, payload=payload)
        for order_id, carrier_id, event_type, payload in messages
    ]
    ids = [pk for pk, _status, _channel in engine.messages_insert(drafts=drafts, now=now)]
    rows_insert(
        model=OutboxMessage,
        fields=("message", "order", "carrier"),
        rows=[
            (pk, order_id, carrier_id)
            for pk, (order_id, carrier_id, _type, _payload) in zip(ids, messages, strict=True)
        ],
    )
    return ids


def _insert_links(links: list[tuple[UUID, int, int]]) -> None:
    # Django's bulk_create refuses a model with a parent table; its rows are three columns, so one
    # plain INSERT writes them all.
    meta = OutboxMessage._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in ("message", "order", "carrier"))
    values = ", ".join(["(%s, %s, %s)"] * len(links))
    pk = meta.get_field("message").target_field
    params = [
        value for link in links for value in (pk.get_db_prep_value(link[0], connection), link[1], link[2])
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {values}", params)  # noqa: S608


def outbox_message_add(
    *,
    order_id: int,
    carrier_id: int,
    event_type: str,
    payload: Mapping[str, Any],
    now: datetime | None = None,
) -> OutboxMessage:
    """Write one message in the caller's transaction; it is queued by the caller after commit."""
    [message] = outbox_messages_add(messages=[(order_id, carrier_id, event_type, payload)], now=now)
    return message


def outbox_queue(message_ids: Iterable[UUID | str]) -> int:
    """Hand messages to Celery; returns how many were queued. Never raises: a message that cannot
    be queued (broker down) stays pending, and the sweeper sends it."""
    return messages_queue(message_ids)


def outbox_send_due(*, now: datetime | None = None, limit: int | None = None) -> Counter:
    """Send every due carrier message here and now, without the broker (``manage.py send_outbox``)."""
    return engine.messages_send_due(now=now, limit=limit, channels=[CHANNEL])
