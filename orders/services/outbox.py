"""The platform → carrier outbox (DESIGN §7.1).

Booking, cancelling and expiry write an :class:`~orders.models.OutboxMessage` in the transaction
that changes the order, so a message exists exactly when the change committed. After commit it is
handed to Celery (``orders.tasks.deliver_outbox_message``); if the broker is down the row simply
stays pending and the sweeper (``orders.tasks.sweep_outbox`` every minute, or ``manage.py
send_outbox``) sends it later. Nothing here ever raises into the caller's booking or cancel.

Delivery is at-least-once: the message id is the ``webhook-id`` the carrier de-duplicates on.
A compare-and-swap on ``attempts`` makes two workers racing for the same message send it once, and
the claim pushes ``next_attempt_at`` out by the backoff, so a worker that dies mid-send leaves the
message due again later rather than stuck. Failed attempts back off exponentially (30 s, 1 min,
2 min, … capped at 1 h); after ``OUTBOX_MAX_ATTEMPTS`` the message is ``failed`` and waits for an
admin's retry. An order's ``order.cancelled`` / ``order.expired`` waits until its ``order.created``
is out, so a carrier never hears of a cancellation before the order.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import partial
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from carriers.adapters import get_adapter
from orders.models import Order, OutboxEventType, OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
SWEEP_LIMIT = 1000
ERROR_MAX_LENGTH = 2000
# Keys the payload builders must never produce: the pickup code stays between user and courier.
FORBIDDEN_KEYS = frozenset({"pickup_code"})


class Outcome(StrEnum):
    SENT = "sent"
    SKIPPED = "skipped"  # gone, already sent or failed, or another worker claimed it first
    NOT_DUE = "not_due"  # backing off: the next attempt is later
    HELD = "held"  # waits for the order's order.created to go out first
    RETRY = "retry"  # this attempt failed; due again at next_attempt_at
    FAILED = "failed"  # this attempt failed and it was the last one


def max_attempts() -> int:
    return settings.OUTBOX_MAX_ATTEMPTS


def sweep_grace() -> timedelta:
    """A new message is queued the moment its transaction commits; the sweeper waits this long
    before it assumes the queueing failed (broker down) and sends it itself."""
    return timedelta(seconds=settings.OUTBOX_SWEEP_GRACE_SECONDS)


def backoff_delay(attempts: int) -> timedelta:
    """How long after the ``attempts``-th attempt the next one is due: 30 s × 2^(n−1), at most 1 h."""
    exponent = min(max(attempts, 1) - 1, 20)  # 30 s × 2^7 already passes the cap
    return min(BACKOFF_BASE * 2**exponent, BACKOFF_CAP)


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
    return _json(
        {"order": number, "reason": reason, "deadline": _local(deadline), "occurred_at": _local(occurred_at)}
    )


# --- writing -------------------------------------------------------------------------------------


def _require_transaction() -> None:
    # The whole point of the outbox: the message commits or rolls back with the change itself.
    if not connection.in_atomic_block:
        raise RuntimeError("outbox messages are written inside the transaction that changes the order")


def outbox_message_add(
    *,
    order_id: int,
    carrier_id: int,
    event_type: str,
    payload: Mapping[str, Any],
    now: datetime | None = None,
) -> OutboxMessage:
    """Write one message in the caller's transaction; it is queued by the caller after commit."""
    _require_transaction()
    now = now or timezone.now()
    return OutboxMessage.objects.create(
        order_id=order_id,
        carrier_id=carrier_id,
        event_type=OutboxEventType(event_type).value,
        payload=dict(payload),
        created_at=now,
        next_attempt_at=now + sweep_grace(),
    )


def outbox_messages_add(
    *, messages: Sequence[tuple[int, int, str, Mapping[str, Any]]], now: datetime | None = None
) -> list[OutboxMessage]:
    """Set-based :func:`outbox_message_add` for batch jobs: (order_id, carrier_id, type, payload)."""
    _require_transaction()
    now = now or timezone.now()
    rows = [
        OutboxMessage(
            order_id=order_id,
            carrier_id=carrier_id,
            event_type=OutboxEventType(event_type).value,
            payload=dict(payload),
            created_at=now,
            next_attempt_at=now + sweep_grace(),
        )
        for order_id, carrier_id, event_type, payload in messages
    ]
    # The ids are made here (uuid4), so no database needs to return them.
    return OutboxMessage.objects.bulk_create(rows)


def outbox_queue(message_ids: Iterable[UUID | str]) -> int:
    """Hand messages to Celery; returns how many were queued. Never raises: a message that cannot
    be queued (broker down) stays pending, and the sweeper sends it."""
    from orders.tasks import deliver_outbox_message

    queued = 0
    for message_id in message_ids:
        try:
            deliver_outbox_message.apply_async(
                args=[str(message_id)],
                retry=True,
                retry_policy={
                    "max_retries": 1,
                    "interval_start": 0,
                    "interval_step": 0.2,
                    "interval_max": 0.2,
                },
            )
        except Exception:  # noqa: BLE001  (any broker failure: the row stays pending for the sweeper)
            logger.warning(
                "could not queue outbox message %s; the sweeper will send it", message_id, exc_info=True
            )
        else:
            queued += 1
    return queued


def outbox_queue_on_commit(message_ids: Sequence[UUID | str]) -> None:
    if message_ids:
        transaction.on_commit(partial(outbox_queue, list(message_ids)), robust=True)


# --- sending -------------------------------------------------------------------------------------


def outbox_message_deliver(*, message_id: UUID | str, now: datetime | None = None) -> Outcome:
    """Make one attempt to send one message through its carrier's adapter. Safe to run twice."""
    message = OutboxMessage.objects.select_related("carrier").filter(pk=message_id).first()
    if message is None or message.status != OutboxStatus.PENDING:
        return Outcome.SKIPPED
    now = now or timezone.now()
    # A fresh message goes at once (it was just queued on commit); a retried one waits its backoff.
    if message.attempts and message.next_attempt_at > now:
        return Outcome.NOT_DUE
    if (
        message.event_type != OutboxEventType.CREATED
        and OutboxMessage.objects.filter(
            order_id=message.order_id, event_type=OutboxEventType.CREATED, status=OutboxStatus.PENDING
        ).exists()
    ):
        return Outcome.HELD

    attempt = message.attempts + 1
    claimed = OutboxMessage.objects.filter(
        pk=message.pk, status=OutboxStatus.PENDING, attempts=message.attempts
    ).update(attempts=attempt, last_attempt_at=now, next_attempt_at=now + backoff_delay(attempt))
    if not claimed:
        return Outcome.SKIPPED

    try:
        adapter = get_adapter(message.carrier)
        adapter.send(
            carrier=message.carrier,
            message_id=str(message.pk),
            event_type=message.event_type,
            payload=message.payload,
        )
    except Exception as error:  # noqa: BLE001  (every failure is recorded and retried, never lost)
        text = (str(error) or type(error).__name__)[:ERROR_MAX_LENGTH]
        gave_up = attempt >= max_attempts()
        fields: dict[str, Any] = {"last_error": text}
        if gave_up:
            fields["status"] = OutboxStatus.FAILED
        OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.PENDING, attempts=attempt).update(
            **fields
        )
        log = logger.error if gave_up else logger.warning
        log(
            "outbox %s %s to %s: attempt %d failed%s: %s",
            message.event_type,
            message.pk,
            message.carrier.code,
            attempt,
            " (giving up)" if gave_up else "",
            text,
        )
        return Outcome.FAILED if gave_up else Outcome.RETRY

    OutboxMessage.objects.filter(pk=message.pk).exclude(status=OutboxStatus.SENT).update(
        status=OutboxStatus.SENT, sent_at=timezone.now(), last_error=""
    )
    logger.info("outbox %s %s sent to %s", message.event_type, message.pk, message.carrier.code)
    return Outcome.SENT


def outbox_held_behind(*, message_id: UUID | str) -> list[UUID]:
    """Pending messages of the same order that were waiting for this ``order.created``."""
    message = OutboxMessage.objects.filter(pk=message_id, event_type=OutboxEventType.CREATED).first()
    if message is None:
        return []
    return list(
        OutboxMessage.objects.filter(order_id=message.order_id, status=OutboxStatus.PENDING)
        .exclude(pk=message.pk)
        .values_list("pk", flat=True)
    )


def _due(*, now: datetime, limit: int | None):
    # order.created first: what follows it for the same order is held until it is out.
    due = (
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        .annotate(
            rank=Case(
                When(event_type=OutboxEventType.CREATED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", "next_attempt_at")
        .values_list("pk", flat=True)
    )
    return list(due[:limit] if limit else due)


def outbox_sweep(*, now: datetime | None = None, limit: int = SWEEP_LIMIT) -> int:
    """Periodic: queue every pending message that is due (lost to a broker outage, or backing off).

    Queueing one twice is harmless: the second task finds it sent, claimed or not due.
    """
    return outbox_queue(_due(now=now or timezone.now(), limit=limit))


def outbox_send_due(*, now: datetime | None = None, limit: int | None = None) -> Counter:
    """Send every due message here and now, without the broker (``manage.py send_outbox``).

    Returns a count of outcomes.
    """
    now = now or timezone.now()
    outcomes: Counter = Counter()
    for message_id in _due(now=now, limit=limit):
        outcomes[outbox_message_deliver(message_id=message_id, now=now)] += 1
    return outcomes


def outbox_messages_retry(*, messages: Iterable[OutboxMessage], now: datetime | None = None) -> int:
    """The admin's retry: failed messages get one more attempt, pending ones are sent now.

    Sent messages are left alone. Returns how many were queued.
    """
    now = now or timezone.now()
    ids = [m.pk for m in messages if m.status in (OutboxStatus.FAILED, OutboxStatus.PENDING)]
    if not ids:
        return 0
    with transaction.atomic():
        updated = list(
            OutboxMessage.objects.select_for_update()
            .filter(pk__in=ids, status__in=[OutboxStatus.FAILED, OutboxStatus.PENDING])
            .values_list("pk", flat=True)
        )
        OutboxMessage.objects.filter(pk__in=updated).update(status=OutboxStatus.PENDING, next_attempt_at=now)
        outbox_queue_on_commit(updated)
    return len(updated)
