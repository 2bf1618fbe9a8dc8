"""The platform service fee in force, as pricing reads it (registered in ``AccountsConfig.ready``).

Every quote prices every carrier, so the fee is kept per process: until the next announced change
takes effect, and at most ``SERVICE_FEE_CACHE_SECONDS``, so an announcement published in another
process is seen in time (announcements are published ahead of their date: 000 3.2). Publishing in
this process forgets it at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from accounts.selectors import service_fee_schedule

_cached: tuple[Decimal | None, datetime] | None = None


def service_fee_current() -> Decimal | None:
    """The announced fee in force (CNY per order), or None before any announcement applies."""
    global _cached
    now = timezone.now()
    if _cached is not None and now < _cached[1]:
        return _cached[0]
    until = now + timedelta(seconds=getattr(settings, "SERVICE_FEE_CACHE_SECONDS", 30))
    fee, next_change = service_fee_schedule(now=now)
    if next_change is not None:
        until = min(until, next_change)
    _cached = (fee, until)
    return fee


def service_fee_forget() -> None:
    global _cached
    _cached = None
