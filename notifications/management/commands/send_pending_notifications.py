from django.core.management.base import BaseCommand

from delivery.tasks import messages_sweep
from notifications.models import ChannelCode


class Command(BaseCommand):
    help = (
        "Queue the notification deliveries that are due (left by a broker outage or a dead worker, "
        "or failed and done backing off); `send_due` does every channel."
    )

    def handle(self, *args, **options):
        count = messages_sweep(channels=ChannelCode.values)
        self.stdout.write(f"queued {count} deliveries")
