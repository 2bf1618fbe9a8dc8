"""A user's orders in their data export, and in the deletion or termination of their account.

Registered with accounts through ``ACCOUNT_DATA_EXPORTERS`` / ``ACCOUNT_DATA_ERASERS`` (settings):
accounts calls these without importing orders.
"""

from __future__ import annotations

from accounts.services.privacy import scrub
from carriers.models import CarrierEvent
from orders.models import Actor, CancelReason, Claim, ClaimDocument, Order, OrderEvent, OutboxMessage
from orders.services.cancellation import order_cancel
from orders.services.statuses import CANCELLABLE

PARTY_TEXT = ("name", "phone", "address")


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def orders_export(*, user) -> list[dict]:
    """Every order of the user (deleted from their list too), with its timeline; no pickup code
    is left out: it is the user's own."""
    orders = (
        Order.objects.filter(user=user)
        .select_related("carrier")
        .prefetch_related("events", "claims__documents")
        .order_by("created_at")
    )
    return [
        {
            "number": order.number,
            "status": order.status,
            "carrier": order.carrier.code,
            "created_at": _iso(order.created_at),
            "sender": {
                f: getattr(order, f"sender_{f}")
                for f in ("name", "phone", "province", "city", "district", "address")
            },
            "recipient": {
                f: getattr(order, f"recipient_{f}")
                for f in ("name", "phone", "province", "city", "district", "address")
            },
            "pickup_window": {"start": _iso(order.pickup_start), "end": _iso(order.pickup_end)},
            "item_type": order.item_type,
            "description": order.description,
            "weight_kg": str(order.weight_kg),
            "declared_value": str(order.declared_value) if order.declared_value is not None else None,
            "fee": {"amount": str(order.fee_amount), "currency": order.fee_currency}
            if order.fee_amount is not None
            else None,
            "waybill_no": order.waybill_no,
            "pickup_code": order.pickup_code,
            "cancel_reason": order.cancel_reason,
            "deleted_from_my_list_at": _iso(order.hidden_by_user_at),
            "claims": [
                {
                    "kind": claim.kind,
                    "amount": {"amount": str(claim.amount), "currency": claim.currency},
                    "description": claim.description,
                    "status": claim.status,
                    "filed_at": _iso(claim.created_at),
                    "documents": [
                        {"content_type": d.content_type, "size": d.size, "added_at": _iso(d.created_at)}
                        for d in claim.documents.all()
                    ],
                    "compensation": str(claim.compensation) if claim.compensation is not None else None,
                    "return_freight": str(claim.return_freight) if claim.return_freight is not None else None,
                    "decision_note": claim.decision_note,
                }
                for claim in order.claims.all()
            ],
            "events": [
                {
                    "kind": event.kind,
                    "old_status": event.old_status,
                    "new_status": event.new_status,
                    "actor": event.actor,
                    "occurred_at": _iso(event.occurred_at),
                    "note": event.note,
                    "data": {k: v for k, v in (event.data or {}).items() if k != "pickup_code"},
                }
                for event in order.events.all()
            ],
        }
        for order in orders
    ]


def orders_erase(*, user, needles: set[str], by=None) -> None:
    """Cancel the user's open orders (each cancel reaches the carrier through the outbox), then
    keep the orders only anonymised: no name, phone or street address in the order, its events,
    its outbound messages or the carriers' inbound events."""
    orders = Order.objects.filter(user=user)
    for order in orders.filter(status__in=CANCELLABLE).order_by("pk"):
        order_cancel(
            order=order,
            actor_user=by or user,
            actor=Actor.USER if by is None else Actor.ADMIN,
            reason=CancelReason.OTHER,
            note="account deleted" if by is None else "account terminated",
        )
    rows = list(
        orders.values_list("pk", "number", *[f"{p}_{f}" for p in ("sender", "recipient") for f in PARTY_TEXT])
    )
    needles = set(needles)
    for row in rows:
        needles |= {str(value).strip().lower() for value in row[2:] if value and len(str(value).strip()) >= 2}
        for phone in row[3], row[6]:
            if phone and phone.startswith("+86"):
                needles.add(phone[3:])
    ids = [row[0] for row in rows]
    numbers = [row[1] for row in rows]
    for order in Order.objects.filter(pk__in=ids):
        order.description = scrub(order.description, needles)
        order.exception_note = scrub(order.exception_note, needles)
        order.save(update_fields=["description", "exception_note"])
    Order.objects.filter(pk__in=ids).update(
        user=None,
        pickup_code="",
        **{f"{p}_{f}": "" for p in ("sender", "recipient") for f in PARTY_TEXT},
    )
    # A claim stays (amounts, outcome), its words scrubbed; its receipts and photos are the user's
    # and go, files included.
    for claim in Claim.objects.filter(order_id__in=ids):
        claim.description = scrub(claim.description, needles)
        claim.decision_note = scrub(claim.decision_note, needles)
        claim.save(update_fields=["description", "decision_note"])
    documents = list(ClaimDocument.objects.filter(claim__order_id__in=ids))
    for document in documents:
        document.file.delete(save=False)
    ClaimDocument.objects.filter(pk__in=[d.pk for d in documents]).delete()
    for event in OrderEvent.objects.filter(order_id__in=ids):
        event.note = scrub(event.note, needles)
        event.data = scrub(event.data, needles)
        event.save(update_fields=["note", "data"])
    for message in OutboxMessage.objects.filter(order_id__in=ids):
        message.payload = scrub(message.payload, needles)
        message.last_error = scrub(message.last_error, needles)
        message.save(update_fields=["payload", "last_error"])
    for inbound in CarrierEvent.objects.filter(order_number__in=numbers):
        inbound.payload = scrub(inbound.payload, needles)
        inbound.error = scrub(inbound.error, needles)
        inbound.save(update_fields=["payload", "error"])
