"""Demo reviews and the demo moderator (``reviews.demo``); ``seed_demo`` runs it. Idempotent."""

from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_PHONE
from accounts.models import User
from reviews.demo import seed_demo_reviews


class Command(BaseCommand):
    help = "Create (or refresh) the demo moderator and the demo user's reviews. Safe to run twice."

    def handle(self, *args, **options):
        user = User.objects.filter(phone=DEMO_PHONE).first()
        if user is None:
            raise CommandError("Run seed_demo first: the demo reviews belong to the demo user.")
        login, password = seed_demo_reviews(user=user)
        self.stdout.write(f"  {'moderator':<9} login: {login:<24} password: {password}")
