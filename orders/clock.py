"""Platform time: the agreement's day boundaries are Asia/Shanghai (次日零点, §3.2)."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

PLATFORM_TZ = ZoneInfo("Asia/Shanghai")


def local_date(moment: datetime) -> date:
    """The Asia/Shanghai calendar date of an aware moment."""
    return timezone.localtime(moment, PLATFORM_TZ).date()


def start_of_local_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=PLATFORM_TZ)


def next_local_midnight(moment: datetime) -> datetime:
    """00:00 Asia/Shanghai of the day after ``moment``: the booking and exception deadline."""
    return start_of_local_day(local_date(moment) + timedelta(days=1))
