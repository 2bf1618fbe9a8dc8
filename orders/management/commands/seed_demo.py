"""Demo data for local runs: the four demo carriers, an admin and a demo user. Idempotent."""

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
            self.stdout.write(f"  {role:<6} login: {login:<24} password: {password}")
