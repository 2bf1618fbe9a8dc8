"""Reads of orders: for their owners (hidden, i.e. deleted by the user, orders do not exist here),
and each carrier's acceptance for the recommendation."""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import Http404
from django.utils import timezone

from carriers.models import Carrier
from carriers.selectors import ACCEPTANCE_WINDOW
from orders.models import Claim, Order, OrderEvent, Status
from orders.services.statuses import AFTER_PICKUP


def order_list_for_user(*, user, status: str | None = None) -> QuerySet[Order]:
    """The user's orders, newest first, without the ones they deleted.

    Carrier, contract and the order it was re-booked from come in the same query, so a page of
    orders costs one query whatever its size.
    """
    if user is None or not user.is_authenticated:
        return Order.objects.none()
    orders = (
        Order.objects.filter(user=user, hidden_by_user_at__isnull=True)
        .select_related("carrier", "contract", "rebooked_from")
        # The contract's full text is only read on its own page.
        .defer("contract__body")
    )
    if status:
        orders = orders.filter(status=status)
    return orders


def order_get_for_user(*, user, number: str) -> Order:
    """One of the user's orders with its timeline; Http404 if it is someone else's or deleted."""
    events = OrderEvent.objects.order_by("occurred_at", "id")
    order = (
        order_list_for_user(user=user)
        .prefetch_related(Prefetch("events", queryset=events))
        .filter(number=number)
        .first()
    )
    if order is None:
        raise Http404
    if order.status in AFTER_PICKUP:  # only a parcel the carrier collected can have a claim
        prefetch_related_objects(
            [order], Prefetch("claims", queryset=Claim.objects.prefetch_related("documents"))
        )
    return order


def carrier_acceptance_over_orders(
    carriers: Iterable[Carrier], *, now: datetime | None = None
) -> dict[str, tuple[int, int]]:
    """code → (accepted, pushed) over the orders created in the last 30 days, in one query.

    pushed = orders created in the window for the carrier; accepted = those of them that reached
    ``accepted`` or any later status (picked up … signed, rejected), or that have an ``accepted``
    event (accepted, then cancelled or expired). Carriers without orders get (0, 0).
    """
    carriers = list(carriers)
    by_id = {c.pk: c.code for c in carriers}
    stats = {c.code: (0, 0) for c in carriers}
    if not carriers:
        return stats
    reached = [
        Status.ACCEPTED,
        Status.PICKED_UP,
        Status.IN_TRANSIT,
        Status.OUT_FOR_DELIVERY,
        Status.PROBLEM,
        Status.SIGNED,
        Status.REJECTED,
    ]
    was_accepted = OrderEvent.objects.filter(order=OuterRef("pk"), new_status=Status.ACCEPTED)
    since = (now or timezone.now()) - ACCEPTANCE_WINDOW
    rows = (
        Order.objects.filter(carrier_id__in=by_id, created_at__gte=since)
        .order_by()
        .values("carrier_id")
        .annotate(
            pushed=Count("pk"),
            accepted=Count("pk", filter=Q(status__in=reached) | Q(Exists(was_accepted))),
        )
    )
    for row in rows:
        stats[by_id[row["carrier_id"]]] = (row["accepted"], row["pushed"])
    return stats
