from django.core.management.base import BaseCommand

from notifications.services import deliveries_requeue_stale


class Command(BaseCommand):
    help = "Queue notification deliveries left pending (broker outage, dead worker) for sending."

    def add_arguments(self, parser):
        parser.add_argument(
            "--minutes", type=int, default=10, help="only those pending for at least this long (default 10)"
        )

    def handle(self, *args, minutes: int, **options):
        from datetime import timedelta

        count = deliveries_requeue_stale(older_than=timedelta(minutes=minutes))
        self.stdout.write(f"queued {count} deliveries")
