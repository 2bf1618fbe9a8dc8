"""Demo reviews and the demo moderator (``reviews.demo``); ``seed_demo`` runs it. Idempotent."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from accounts.identifiers import normalize_login
from accounts.models import User
from reviews.demo import seed_demo_reviews


class Command(BaseCommand):
    help = "Create (or refresh) the demo moderator and a user's demo reviews. Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="Login (phone or e-mail) of the user who reviews.")

    def handle(self, *args, **options):
        try:
            login = normalize_login(options["user"])
        except ValidationError as error:
            raise CommandError(f"Not a login: {options['user']}") from error
        user = User.objects.filter(Q(username=login) | Q(phone=login) | Q(email=login)).first()
        if user is None:
            raise CommandError(f"No user {login}: run seed_demo first.")
        login, password = seed_demo_reviews(user=user)
        self.stdout.write(f"  {'moderator':<9} login: {login:<24} password: {password}")
