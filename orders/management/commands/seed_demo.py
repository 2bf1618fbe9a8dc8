"""Demo data for local runs: the four demo carriers, an admin, a demo user, and (through
``seed_demo_reviews``) a moderator and a few reviews. Idempotent."""

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.demo import seed_demo_users
from carriers.demo import seed_demo_carriers


class Command(BaseCommand):
    help = "Create (or refresh) the demo carriers, the admin and the demo user. Safe to run twice."

    @transaction.atomic
    def handle(self, *args, **options):
        carriers = seed_demo_carriers()
        logins = seed_demo_users()
        self.stdout.write(self.style.SUCCESS(f"Demo carriers: {', '.join(sorted(carriers))}"))
        for role, (login, password) in logins.items():
            self.stdout.write(f"  {role:<9} login: {login:<24} password: {password}")
        # Reviews sit above orders, so they are seeded by their own command (by name, not import).
        call_command("seed_demo_reviews", user=logins["user"][0], stdout=self.stdout)
