"""The next announced platform service fee, as the pages that show prices announce it (quotes
read the fee in force from ``carriers.services.configuration``'s snapshot).

The schedule is kept per process: until the next announced change takes effect, and at most
``SERVICE_FEE_CACHE_SECONDS``, so an announcement published in another process is seen in time
(announcements are published ahead of their date: 000 3.2). Publishing in this process forgets it
at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from accounts.selectors import UpcomingServiceFee, service_fee_schedule

_cached: tuple[Decimal | None, UpcomingServiceFee | None, datetime] | None = None


def _schedule() -> tuple[Decimal | None, UpcomingServiceFee | None]:
    global _cached
    now = timezone.now()
    if _cached is not None and now < _cached[2]:
        return _cached[0], _cached[1]
    until = now + timedelta(seconds=getattr(settings, "SERVICE_FEE_CACHE_SECONDS", 30))
    fee, upcoming = service_fee_schedule(now=now)
    if upcoming is not None:
        until = min(until, upcoming.effective_at)
    _cached = (fee, upcoming, until)
    return fee, upcoming


def service_fee_upcoming() -> UpcomingServiceFee | None:
    """The next published fee still to take effect, or None when none is announced."""
    return _schedule()[1]


def service_fee_forget() -> None:
    global _cached
    _cached = None
