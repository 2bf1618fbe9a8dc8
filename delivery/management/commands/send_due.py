"""Send every message that is due, here and now, without the broker: the sweeper, by hand."""

from django.core.management.base import BaseCommand

from delivery.services import Outcome, messages_send_due


class Command(BaseCommand):
    help = "Send every outbound message that is due now (retries included) and report what happened."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="send at most this many messages")
        parser.add_argument("--channel", action="append", help="only this channel (repeatable)")

    def handle(self, *args, limit=None, channel=None, **options):
        outcomes = messages_send_due(limit=limit, channels=channel)
        total = sum(outcomes.values())
        parts = ", ".join(f"{outcomes[o]} {o.value}" for o in Outcome if outcomes[o])
        self.stdout.write(f"{total} message(s) due" + (f": {parts}." if parts else "."))
