"""Expire every order past its deadline (DESIGN §3.2): the midnight beat job, by hand."""

from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import dateparse, timezone

from orders.clock import PLATFORM_TZ
from orders.services.expiry import BATCH_SIZE, orders_expire_due


def parse_moment(value: str) -> datetime:
    """ISO 8601 date or date-time; without an offset it is Asia/Shanghai time, a bare date its 00:00."""
    moment = dateparse.parse_datetime(value)
    if moment is None:
        day = dateparse.parse_date(value)
        if day is None:
            raise ValueError(value)
        moment = datetime.combine(day, time.min)
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=PLATFORM_TZ)
    return moment


class Command(BaseCommand):
    help = (
        "Expire every order whose deadline has passed (not accepted by 00:00 of the next day, or a "
        "pickup exception left open). Safe to run late or twice: each due order expires once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of",
            metavar="TIME",
            help="expire what was due at this moment (ISO 8601; Asia/Shanghai unless it has an offset)",
        )
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="orders per transaction")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="threads taking batches side by side (default: EXPIRY_WORKERS)",
        )

    def handle(self, *args, as_of=None, batch_size=BATCH_SIZE, workers=None, **options):
        now = timezone.now()
        if as_of:
            try:
                now = parse_moment(as_of)
            except ValueError:
                raise CommandError(f"--as-of: not an ISO 8601 date or time: {as_of!r}") from None
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        if workers is not None and workers < 1:
            raise CommandError("--workers must be at least 1")
        count = orders_expire_due(now=now, batch_size=batch_size, workers=workers)
        when = timezone.localtime(now, PLATFORM_TZ).isoformat()
        self.stdout.write(f"Expired {count} order(s) due by {when}.")
