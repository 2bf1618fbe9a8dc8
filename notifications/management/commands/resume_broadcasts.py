"""Go on with every unfinished broadcast, here and now: beat's ``broadcasts_resume``, by hand."""

from django.core.management.base import BaseCommand

from notifications.broadcasts import broadcast_send, broadcasts_due


class Command(BaseCommand):
    help = "Write the rest of every broadcast a worker left unfinished and report how many notices."

    def handle(self, *args, **options):
        due = broadcasts_due()
        written = sum(broadcast_send(broadcast_id=broadcast_id) for broadcast_id in due)
        self.stdout.write(f"{len(due)} broadcast(s) resumed, {written} notice(s) written.")
