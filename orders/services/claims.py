"""Claims about a parcel (DESIGN §10; 003 §11–12; each carrier's own windows and cap).

The owner files one claim per parcel, in writing, within the carrier's window from pickup (30 days
for ``hk-bag``), and may add documents until ``claim_documents_days`` after the claim (90). It is
refused with a rule in words when the parcel was never picked up, the window has passed, a claim
exists, the freight is unpaid (a claim never offsets freight), or when damage or a shortage is
claimed on a parcel signed without a damage remark (delivered intact, 003 §12b-ii; outer-box damage
alone is not damage, 003 §5e).

The claim reaches the carrier through the outbox (``claim.created``, its documents as short-lived
signed links); the carrier decides with the ``claim.decided`` callback (or an admin records the
decision): a compensation above the lowest of the amount claimed, the receipt (declared) value and
the carrier's cap is refused, the return freight is deducted, and the user is notified.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carriers.formats import local_time
from notifications.models import Kind
from notifications.services import dedupe_key_for, notify
from orders.claim_documents import CheckedDocument, documents_check
from orders.models import (
    Actor,
    Claim,
    ClaimDocument,
    ClaimKind,
    ClaimStatus,
    Order,
    OrderEvent,
    OutboxEventType,
    Status,
)
from orders.services import outbox
from orders.services.lifecycle import order_event_record
from orders.services.statuses import AFTER_PICKUP

# Timeline kinds of the claim (the carrier's decision is the registry's ``claim.decided``).
CLAIM_FILED = "claim.filed"
CLAIM_DECIDED = "claim.decided"
DOCUMENTS_ADDED = "claim.documents_added"
LINK_SALT = "orders.claim-document"


class ClaimRefused(Exception):
    """A claim rule says no (409): ``rule`` is the machine-readable code, ``message`` the words."""

    def __init__(self, rule: str, message: Any):
        self.rule = rule
        self.message = str(message)
        super().__init__(self.message)


@dataclass(frozen=True)
class Decision:
    decision: str  # approved | rejected
    amount: Decimal | None
    return_freight: Decimal
    note: str


# --- the clocks ----------------------------------------------------------------------------------


def pickup_moment(order: Order, events) -> datetime | None:
    """:func:`picked_up_at` among the order's timeline entries already read (the order page's)."""
    moment = min(
        (
            e.occurred_at
            for e in events
            if e.new_status == Status.PICKED_UP and e.old_status != Status.PICKED_UP
        ),
        default=None,
    )
    if moment is None and order.status in AFTER_PICKUP:
        return order.status_changed_at
    return moment


def picked_up_at(order: Order) -> datetime | None:
    """When the carrier collected the parcel (``occurred_at`` of its ``order.picked_up``)."""
    moment = (
        OrderEvent.objects.filter(order=order, new_status=Status.PICKED_UP)
        .exclude(old_status=Status.PICKED_UP)
        .order_by("occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )
    if moment is None and order.status in AFTER_PICKUP:
        return order.status_changed_at
    return moment


def claim_window_ends(order: Order, *, picked_at: datetime | None = None) -> datetime | None:
    """The last moment a claim may be filed: the carrier's window from pickup (None: not picked up).

    ``picked_at``: the pickup time when the caller has read it already (:func:`pickup_moment`).
    """
    picked = picked_at or picked_up_at(order)
    if picked is None:
        return None
    return picked + timedelta(days=order.carrier.claim_window_days)


def _signed_intact(order: Order) -> bool:
    """Signed for without a damage remark: delivered intact (003 §12b-ii)."""
    if order.status != Status.SIGNED:
        return False
    data = (
        OrderEvent.objects.filter(order=order, new_status=Status.SIGNED)
        .exclude(old_status=Status.SIGNED)
        .values_list("data", flat=True)
        .first()
    )
    return not (data or {}).get("remark")


# --- filing --------------------------------------------------------------------------------------


def claim_refusal(
    *, order: Order, kind: str | None = None, now: datetime | None = None, picked_at: datetime | None = None
) -> ClaimRefused | None:
    """The rule that refuses a claim on ``order`` now, or None (``kind`` None: any kind)."""
    now = now or timezone.now()
    if order.status not in AFTER_PICKUP:
        return ClaimRefused(
            "not_picked_up", _("A claim can only be made about a parcel the carrier has picked up.")
        )
    ends = claim_window_ends(order, picked_at=picked_at)
    if ends is not None and now > ends:
        return ClaimRefused(
            "claim_window_closed",
            _(
                "Claims must be made in writing within %(days)d days of pickup; the window for this "
                "parcel closed on %(date)s."
            )
            % {"days": order.carrier.claim_window_days, "date": local_time(ends)},
        )
    if order.claims.exists():  # the prefetched claims on the order page, else a query
        return ClaimRefused(
            "claim_exists", _("Only one claim can be made per parcel, and this parcel has one.")
        )
    if order.fee_paid is False:
        return ClaimRefused(
            "freight_unpaid",
            _("No claim is accepted while the freight is unpaid, and a claim never offsets the freight."),
        )
    if kind in (ClaimKind.DAMAGED, ClaimKind.SHORT) and _signed_intact(order):
        return ClaimRefused(
            "delivered_intact",
            _(
                "The parcel was signed for without a damage remark, so it counts as delivered intact: "
                "no claim for damage or missing goods can be made."
            ),
        )
    return None


def _lock(order: Order) -> Order:
    return Order.objects.select_for_update().select_related("carrier").get(pk=order.pk)


def _documents_save(claim: Claim, documents: Sequence[CheckedDocument], now: datetime) -> list[ClaimDocument]:
    rows = [
        ClaimDocument(
            claim=claim,
            file=ContentFile(doc.content, name=doc.name),
            content_type=doc.content_type,
            size=len(doc.content),
            created_at=now,
        )
        for doc in documents
    ]
    return ClaimDocument.objects.bulk_create(rows) if rows else []


def claim_file(
    *,
    order: Order,
    user,
    kind: str,
    amount: Decimal,
    description: str,
    uploads: Sequence = (),
    now: datetime | None = None,
) -> Claim:
    """File the owner's claim; ``ValidationError`` for a bad document, :class:`ClaimRefused` for a rule.

    Nothing is stored when either is raised. The carrier hears of it through the outbox.
    """
    now = now or timezone.now()
    if kind not in ClaimKind.values:
        raise ValidationError({"kind": [_("Choose lost, damaged or short.")]})
    try:
        documents = documents_check(list(uploads))
    except ValidationError as error:
        raise ValidationError({"documents": error.messages}) from None
    with transaction.atomic():
        locked = _lock(order)
        refusal = claim_refusal(order=locked, kind=kind, now=now)
        if refusal is not None:
            raise refusal
        claim = Claim.objects.create(
            order=locked,
            kind=kind,
            amount=amount,
            currency=locked.currency,
            description=description,
            created_at=now,
            documents_due_at=now + timedelta(days=locked.carrier.claim_documents_days),
        )
        rows = _documents_save(claim, documents, now)
        order_event_record(
            order=locked,
            kind=CLAIM_FILED,
            actor=Actor.USER,
            actor_user=user,
            occurred_at=now,
            data={"claim": claim.pk, "kind": kind, "amount": str(amount), "documents": len(rows)},
            locked=True,
        )
        message = outbox.outbox_message_add(
            order_id=locked.pk,
            carrier_id=locked.carrier_id,
            event_type=OutboxEventType.CLAIM_CREATED,
            payload=outbox.claim_payload(claim=claim, order=locked, documents=_links(rows, now)),
            now=now,
        )
        transaction.on_commit(lambda: outbox.outbox_queue([message.pk]))
    return claim


def claim_documents_add(
    *, claim: Claim, user, uploads: Sequence, now: datetime | None = None
) -> list[ClaimDocument]:
    """More documents for a claim, until ``documents_due_at`` (then :class:`ClaimRefused`)."""
    now = now or timezone.now()
    if now > claim.documents_due_at:
        raise ClaimRefused(
            "documents_window_closed",
            _("Documents for a claim can be added until %(date)s; that time has passed.")
            % {"date": local_time(claim.documents_due_at)},
        )
    if not uploads:
        raise ValidationError({"documents": [_("Attach at least one document.")]})
    with transaction.atomic():
        order = _lock(claim.order)
        try:
            documents = documents_check(list(uploads), already=claim.documents.count())
        except ValidationError as error:
            raise ValidationError({"documents": error.messages}) from None
        rows = _documents_save(claim, documents, now)
        order_event_record(
            order=order,
            kind=DOCUMENTS_ADDED,
            actor=Actor.USER,
            actor_user=user,
            occurred_at=now,
            data={"claim": claim.pk, "documents": len(rows)},
            locked=True,
        )
        message = outbox.outbox_message_add(
            order_id=order.pk,
            carrier_id=order.carrier_id,
            event_type=OutboxEventType.CLAIM_DOCUMENTS_ADDED,
            payload=outbox.claim_payload(claim=claim, order=order, documents=_links(rows, now)),
            now=now,
        )
        transaction.on_commit(lambda: outbox.outbox_queue([message.pk]))
    return rows


# --- the carrier's links to the documents ---------------------------------------------------------


def _links(documents: Sequence[ClaimDocument], now: datetime) -> list[dict]:
    return [claim_document_link(document=d, now=now) for d in documents]


def claim_document_link(*, document: ClaimDocument, now: datetime | None = None) -> dict:
    """A link the carrier can fetch the document by, without an account, for a short while."""
    now = now or timezone.now()
    token = signing.TimestampSigner(salt=LINK_SALT).sign(str(document.pk))
    path = reverse("orders:claim_document_link", kwargs={"token": token})
    return {
        "id": document.pk,
        "content_type": document.content_type,
        "size": document.size,
        "url": settings.PLATFORM_URL.rstrip("/") + path,
        "expires_at": now + timedelta(seconds=settings.CLAIM_DOCUMENT_LINK_SECONDS),
    }


def claim_document_for_link(*, token: str) -> ClaimDocument | None:
    """The document a still-valid link points at; None for a forged, altered or expired link."""
    try:
        pk = signing.TimestampSigner(salt=LINK_SALT).unsign(
            token, max_age=settings.CLAIM_DOCUMENT_LINK_SECONDS
        )
    except signing.BadSignature:  # SignatureExpired is one
        return None
    return ClaimDocument.objects.filter(pk=int(pk)).first() if pk.isdigit() else None


# --- the decision --------------------------------------------------------------------------------


def compensation_limit(*, claim: Claim, order: Order) -> Decimal:
    """The lowest of the amount claimed, the receipt (declared) value and the carrier's cap."""
    limits = [claim.amount, order.carrier.insurance_max_value]
    if order.declared_value:  # nothing declared: no receipt value to bound it
        limits.append(order.declared_value)
    return min(limits)


def decision_refusal(*, claim: Claim, order: Order, decision: Decision) -> ClaimRefused | None:
    """Why ``decision`` cannot be recorded on ``claim`` (decided already, over the limit), or None."""
    if claim.status != ClaimStatus.SUBMITTED:
        return ClaimRefused("claim_decided_already", _("This claim has been decided already."))
    if decision.decision != ClaimStatus.APPROVED:
        return None
    limit = compensation_limit(claim=claim, order=order)
    if decision.amount is None or decision.amount > limit:
        return ClaimRefused(
            "compensation_over_limit",
            _(
                "The compensation may not exceed %(limit)s %(currency)s: the lowest of the amount "
                "claimed, the receipt (declared) value and the carrier's cap."
            )
            % {"limit": limit, "currency": claim.currency},
        )
    if decision.return_freight > decision.amount:
        return ClaimRefused(
            "return_freight_over_compensation",
            _("The return freight deducted may not exceed the compensation."),
        )
    return None


def claim_decide(
    *,
    order: Order,
    claim_id: int,
    decision: Decision,
    actor: str,
    actor_user=None,
    source_event_id: str = "",
    occurred_at: datetime | None = None,
    locked: bool = False,
) -> tuple[Claim, OrderEvent | None]:
    """Record the carrier's decision (or an admin's on its behalf), on the timeline and as a notice.

    ``locked``: the caller holds the order's row lock (a carrier callback). Returns the claim and
    the timeline entry; the entry is None when the same decision was recorded before.
    """
    if not locked:
        with transaction.atomic():
            return claim_decide(
                order=_lock(order),
                claim_id=claim_id,
                decision=decision,
                actor=actor,
                actor_user=actor_user,
                source_event_id=source_event_id,
                occurred_at=occurred_at,
                locked=True,
            )
    claim = Claim.objects.filter(pk=claim_id, order=order).first()
    if claim is None:
        raise ClaimRefused("claim_not_found", _("This order has no claim %(id)s.") % {"id": claim_id})
    approved = decision.decision == ClaimStatus.APPROVED
    compensation = decision.amount if approved else None
    return_freight = decision.return_freight if approved else None
    if claim.status != ClaimStatus.SUBMITTED and (claim.status, claim.compensation, claim.return_freight) == (
        decision.decision,
        compensation,
        return_freight,
    ):
        return claim, None
    refusal = decision_refusal(claim=claim, order=order, decision=decision)
    if refusal is not None:
        raise refusal
    now = timezone.now()
    decided = {
        "status": decision.decision,
        "compensation": compensation,
        "return_freight": return_freight,
        "decision_note": decision.note[:500],
        "decided_at": occurred_at or now,
        "decided_by": actor,
    }
    changed = Claim.objects.filter(pk=claim.pk, status=ClaimStatus.SUBMITTED).update(**decided)
    if changed != 1:  # pragma: no cover - the order's row lock serialises deciders
        raise ClaimRefused("claim_decided_already", _("This claim has been decided already."))
    for name, value in decided.items():
        setattr(claim, name, value)
    entry = order_event_record(
        order=order,
        kind=CLAIM_DECIDED,
        actor=actor,
        actor_user=actor_user,
        source_event_id=source_event_id,
        occurred_at=occurred_at or now,
        note=claim.decision_note,
        data={
            "claim": claim.pk,
            "decision": claim.status,
            "amount": None if compensation is None else str(compensation),
            "return_freight": None if return_freight is None else str(return_freight),
            "paid_out": None if claim.paid_out is None else str(claim.paid_out),
            "currency": claim.currency,
        },
        locked=True,
    )
    notify(
        user=None,
        kind=Kind.CLAIM_DECIDED,
        order=order,
        context={
            "decision": claim.status,
            "amount": compensation,
            "return_freight": return_freight,
            "paid_out": claim.paid_out,
            "currency": claim.currency,
            "note": claim.decision_note,
        },
        dedupe_key=dedupe_key_for(kind=Kind.CLAIM_DECIDED, order=order, source=f"claim:{claim.pk}"),
    )
    return claim, entry
