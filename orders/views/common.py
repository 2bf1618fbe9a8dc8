"""What the booking pages and the order pages share: the booking's session key, prices, the
user's own order."""

from __future__ import annotations

from carriers.formats import money
from orders import selectors
from orders.models import Order

SESSION_KEY = "orders.booking"
__all__ = ["SESSION_KEY", "money", "order_or_404"]


def order_or_404(user, number: str) -> Order:
    """One of the user's own orders; 404 for anyone else's or a deleted one (no hint it exists)."""
    return selectors.order_get_for_user(user=user, number=number)
