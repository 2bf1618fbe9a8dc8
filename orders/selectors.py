"""Reads of orders for their owners. Hidden (deleted by the user) orders do not exist here."""

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from orders.models import Order, OrderEvent


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
    return order
