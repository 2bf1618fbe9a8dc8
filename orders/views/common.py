"""What the booking pages and the order pages share: the booking's session key, prices and their
lines, the announced service fee, the user's own order."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from accounts.service_fee import service_fee_upcoming
from carriers.formats import local_time, money, weight
from orders import selectors
from orders.models import Order

SESSION_KEY = "orders.booking"
__all__ = ["SESSION_KEY", "breakdown_lines", "money", "order_or_404", "service_fee_notice"]


def order_or_404(user, number: str) -> Order:
    """One of the user's own orders; 404 for anyone else's or a deleted one (no hint it exists)."""
    return selectors.order_get_for_user(user=user, number=number)


def breakdown_lines(breakdown: dict, currency: str) -> list[tuple[str, str]]:
    """The lines of a price the user can check: weight, freight, insurance, surcharge and the
    platform service fee, each on its own line (a quote, and the estimate an order keeps)."""
    lines = []
    if breakdown.get("bag_name"):
        lines.append((_("Bag"), breakdown["bag_name"]))
    if breakdown.get("chargeable_weight_kg"):
        lines.append((_("Chargeable weight"), weight(breakdown["chargeable_weight_kg"])))
    if breakdown.get("freight") is not None:
        lines.append((_("Freight"), money(breakdown["freight"], currency)))
    if breakdown.get("insured"):
        lines.append((_("Insurance"), money(breakdown.get("insurance_fee"), currency)))
    if _nonzero(breakdown.get("surcharge")):
        lines.append((_("Surcharge (service fee + import tax)"), money(breakdown["surcharge"], currency)))
    if _nonzero(breakdown.get("platform_service_fee")):
        lines.append((_("Platform service fee"), money(breakdown["platform_service_fee"], currency)))
    return lines


def _nonzero(value) -> bool:
    try:
        return bool(value) and Decimal(str(value)) != 0
    except ArithmeticError:
        return False


def service_fee_notice() -> str:
    """What the pages that show prices say of an announced service fee still to apply (000 3.2),
    or "" when none is announced."""
    upcoming = service_fee_upcoming()
    if upcoming is None:
        return ""
    return _("From %(date)s the platform adds a service fee of %(fee)s per order.") % {
        "date": local_time(upcoming.effective_at),
        "fee": money(upcoming.fee, "CNY"),
    }
