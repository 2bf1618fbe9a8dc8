"""Show or rotate a carrier's webhook secret (DESIGN §7.2).

    python manage.py carrier_credentials CODE            # how many secrets are valid (never the secret)
    python manage.py carrier_credentials CODE --rotate   # {"carrier": CODE, "webhook_secret": "whsec_…"}

``--rotate`` prints one JSON line and nothing else, so scripts can pipe it; the previous secret stays
valid until the next rotation.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from carriers.models import Carrier
from carriers.services import carrier_active_secrets, carrier_credentials_rotate


class Command(BaseCommand):
    help = "Show how many webhook secrets of a carrier are valid, or rotate (issue a new one)."

    def add_arguments(self, parser):
        parser.add_argument("code", help="carrier code, e.g. swift-express")
        parser.add_argument(
            "--rotate",
            action="store_true",
            help="issue a new secret and print it as JSON; the previous one stays valid",
        )

    def handle(self, *args, code: str, rotate: bool, **options):
        carrier = Carrier.objects.filter(code=code).first()
        if carrier is None:
            known = ", ".join(Carrier.objects.values_list("code", flat=True)) or "none"
            raise CommandError(f"No carrier with code {code!r} (known codes: {known}).")
        if rotate:
            secret = carrier_credentials_rotate(carrier=carrier)
            self.stdout.write(json.dumps({"carrier": carrier.code, "webhook_secret": secret}))
            return
        count = len(carrier_active_secrets(carrier))
        noun = "secret" if count == 1 else "secrets"
        self.stdout.write(f"{carrier.code}: {count} valid webhook {noun}")
