"""Estimates before sign-up (DESIGN §4): every carrier's price, ETA and eligibility for what a
visitor knows — from, to and weight — with the same pricing, eligibility and ranking as a quote."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from ..regions import Place
from ..shipment import Party, Shipment
from .configuration import carrier_snapshot
from .quotes import Quote, pickup_windows, quote_for_carrier, rank_quotes


def estimate_route(
    *, origin: Place, destination: Place, weight_kg: Decimal, now: datetime | None = None
) -> list[Quote]:
    """Quotes for a parcel of ``weight_kg`` from ``origin`` to ``destination``, best first.

    What is not known yet is not judged: the goods, the parcel's size and the pickup time. Each
    carrier is judged at the first pickup window its own hours offer, so its hours count only when
    it offers none at all in the next three days.
    """
    now = now or timezone.now()
    sender = Party("", "", origin.province, origin.city, origin.district, "")
    recipient = Party("", "", destination.province, destination.city, destination.district, "")
    snapshot = carrier_snapshot()
    quotes = []
    for carrier in snapshot.carriers:
        windows = pickup_windows(carriers=[carrier], now=now)
        start, end = windows[0] if windows else (now, now)
        shipment = Shipment(
            sender=sender,
            recipient=recipient,
            pickup_start=start,
            pickup_end=end,
            weight_kg=weight_kg,
            item_type="other",
            description="",
        )
        quotes.append(
            quote_for_carrier(carrier=carrier, shipment=shipment, screening=None, now=now, snapshot=snapshot)
        )
    return rank_quotes(quotes, now=now, snapshot=snapshot)
