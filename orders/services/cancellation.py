"""What a user or an admin asks of a booked order: cancel it, expire it, delete it (DESIGN §3.2).

Cancel and expire are status changes, so they go through :func:`lifecycle.order_transition` and add
only their own rules (who may cancel, which reasons count) and the user's notice. Delete is no
status change: it only hides the order from its owner.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.services.restrictions import restriction_for_frequent_cancellations
from notifications.models import Kind
from notifications.services import dedupe_key_for, notify
from orders.event_registry import PICKUP_EXCEPTION
from orders.models import Actor, CancelReason, Order, OrderEvent, PickupException, Status
from orders.services.expiry import expired_orders_notify
from orders.services.lifecycle import IllegalTransition, order_transition
from orders.services.statuses import CANCELLABLE


class OrderNotCancellable(IllegalTransition):
    code = "not_cancellable"

    def __init__(self, from_status: str):
        if from_status == Status.CANCELLED:
            message = _("This order has already been cancelled.")
        elif from_status == Status.EXPIRED:
            message = _("This order has expired; there is nothing to cancel.")
        else:
            message = _(
                "An order that has been picked up can no longer be cancelled. "
                "If something is wrong, please contact the carrier."
            )
        super().__init__(from_status, Status.CANCELLED, message)


def order_cancel(
    *,
    order: Order,
    actor_user,
    reason: str = CancelReason.OTHER,
    actor: str = Actor.USER,
    note: str = "",
    source_event_id: str = "",
    occurred_at: datetime | None = None,
) -> Order:
    """Cancel before pickup (placed, dispatching, accepted); refused with a clear message after.

    A user may cancel only their own order; admins and carriers pass their actor, and then the
    user is told (their own cancel needs no notice).
    """
    if reason not in CancelReason.values:
        raise ValidationError(_("Choose a valid cancellation reason."), code="invalid_reason")
    if actor == Actor.USER and (actor_user is None or order.user_id != actor_user.pk):
        raise PermissionDenied

    def check(current: Order) -> None:
        if current.status not in CANCELLABLE:
            raise OrderNotCancellable(current.status)

    order, _event = order_transition(
        order=order,
        to=Status.CANCELLED,
        actor=actor,
        actor_user=actor_user,
        source_event_id=source_event_id,
        occurred_at=occurred_at,
        note=note,
        data={"reason": reason},
        changes={"cancel_reason": reason},
        check=check,
        notice=None if actor == Actor.USER else partial(_cancelled_notify, by=actor, reason=reason),
    )
    if actor == Actor.USER and reason not in CARRIER_FAULT_REASONS:
        frequent_cancellations_check(user=actor_user)
    return order


# Cancellations for these reasons are the carrier's fault: they never count against the user.
CARRIER_FAULT_REASONS = frozenset(
    {CancelReason.COURIER_NO_SHOW, CancelReason.COURIER_LATE, CancelReason.COURIER_ASKED}
)
CANCELLATION_WINDOW = timedelta(hours=24)


def cancellations_counted(*, user, now: datetime | None = None) -> int:
    """The user's cancellations in the 24 hours before ``now`` that count towards a restriction.

    Counted per order: cancelled by the user for a reason that is not the carrier's fault, or
    reported by the carrier as "the customer asked to cancel" (a ``customer_cancel`` exception).
    """
    now = now or timezone.now()
    recent = OrderEvent.objects.filter(
        order__user=user, occurred_at__gt=now - CANCELLATION_WINDOW, occurred_at__lte=now
    )
    by_user = recent.filter(new_status=Status.CANCELLED, actor=Actor.USER).exclude(
        data__reason__in=list(CARRIER_FAULT_REASONS)
    )
    asked_courier = recent.filter(kind=PICKUP_EXCEPTION, data__code=PickupException.CUSTOMER_CANCEL)
    return len(
        set(by_user.values_list("order_id", flat=True))
        | set(asked_courier.values_list("order_id", flat=True))
    )


def frequent_cancellations_check(*, user, now: datetime | None = None):
    """Restrict ordering at the cancellation that reaches the limit, and tell the user then."""
    if user is None:
        return None
    return restriction_for_frequent_cancellations(
        user=user, count=cancellations_counted(user=user, now=now), now=now
    )


def _cancelled_notify(order_id: int, *, by: str, reason: str) -> None:
    order = Order.objects.select_related("user").get(pk=order_id)
    # An order is cancelled once, so the key needs no source.
    notify(
        user=None,
        kind=Kind.CANCELLED,
        order=order,
        context={"by": by, "reason": reason},
        dedupe_key=dedupe_key_for(kind=Kind.CANCELLED, order=order),
    )


def order_expire(
    *,
    order: Order,
    actor: str = Actor.SYSTEM,
    actor_user=None,
    note: str = "",
    occurred_at: datetime | None = None,
) -> Order:
    """Expire one order that was not picked up (an admin's hand, or the system for one order).

    The nightly job expires in set-based batches and writes the same rows, the user's notice
    included (with the same key, so neither sends it twice).
    """
    order, _event = order_transition(
        order=order,
        to=Status.EXPIRED,
        actor=actor,
        actor_user=actor_user,
        occurred_at=occurred_at,
        note=note,
        notice=_expired_notify,
    )
    return order


def _expired_notify(order_id: int) -> None:
    expired_orders_notify(order_ids=[order_id])


def order_delete(*, order: Order, user) -> Order:
    """Hide the order from its owner's pages and API (000 4.6): it is not cancelled.

    Works at any status and is idempotent; the carrier goes on working the order.
    """
    if user is None or order.user_id != user.pk:
        raise PermissionDenied
    if order.hidden_by_user_at is None:
        now = timezone.now()
        # updated_at stays: nothing changed for the carrier (its pull API lists by updated_at).
        hidden = Order.objects.filter(pk=order.pk, hidden_by_user_at__isnull=True).update(
            hidden_by_user_at=now
        )
        if hidden:
            order.hidden_by_user_at = now
        else:  # hidden meanwhile by another request: keep its time
            order.refresh_from_db(fields=["hidden_by_user_at"])
    return order
