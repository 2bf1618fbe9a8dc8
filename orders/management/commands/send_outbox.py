"""Send the platform → carrier messages that are due (DESIGN §7.1): the sweeper, by hand, for the
carrier channel (``manage.py send_due`` does every channel).

It sends here and now, without the broker, so it also works while Celery is down.
"""

from django.core.management.base import BaseCommand

from delivery.services import Outcome
from orders.services.outbox import outbox_send_due


class Command(BaseCommand):
    help = "Send every outbox message that is due now (retries included) and report what happened."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="send at most this many messages")

    def handle(self, *args, limit=None, **options):
        outcomes = outbox_send_due(limit=limit)
        total = sum(outcomes.values())
        parts = ", ".join(f"{outcomes[o]} {o.value}" for o in Outcome if outcomes[o])
        self.stdout.write(f"{total} message(s) due" + (f": {parts}." if parts else "."))
