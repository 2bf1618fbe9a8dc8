"""The carriers domain: pricing, eligibility, recommendation and quotes.

Import from here; the submodules are split by subdomain (STYLE.md).
"""

from ..selectors import current_contract
from .credentials import carrier_active_secrets, carrier_credentials_rotate
from .eligibility import Reason, eligibility
from .estimates import estimate_route
from .pricing import Price, PricingError, price_shipment, to_cny
from .quotes import (
    Eta,
    Quote,
    pickup_windows,
    quote_for_carrier,
    quote_shipment,
    rank_quotes,
    screen_lines,
    screen_shipment,
)

__all__ = [
    "Eta",
    "Price",
    "PricingError",
    "Quote",
    "Reason",
    "carrier_active_secrets",
    "carrier_credentials_rotate",
    "current_contract",
    "eligibility",
    "estimate_route",
    "pickup_windows",
    "price_shipment",
    "quote_for_carrier",
    "quote_shipment",
    "rank_quotes",
    "screen_lines",
    "screen_shipment",
    "to_cny",
]
