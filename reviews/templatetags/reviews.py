"""The review button of the order page (orders/detail.html): shown for signed orders the user may
still review, from the timeline the page already has (one query, and only for signed orders)."""

from datetime import timedelta

from django import template
from django.utils import timezone

from orders.models import Status
from reviews.models import Review
from reviews.services import REVIEW_WINDOW

register = template.Library()


@register.inclusion_tag("reviews/_order_button.html")
def review_button(order, events):
    """``events``: the order's timeline as the page shows it (no query to find the signed time)."""
    state = ""
    if order.status == Status.SIGNED:
        signed = [e.occurred_at for e in events if e.new_status == Status.SIGNED]
        if Review.objects.filter(order=order).exists():
            state = "reviewed"
        elif signed and timezone.now() - max(signed) <= REVIEW_WINDOW:
            state = "open"
    return {"order": order, "state": state, "window_days": REVIEW_WINDOW // timedelta(days=1)}
