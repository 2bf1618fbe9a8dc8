"""Choose a carrier's integration and set its settings (DESIGN §7.5).

    python manage.py carrier_integration CODE --integration kuaidi100 \\
        --set key=… --set secret=… --set salt=… --set kuaidicom=shunfeng \\
        --set base_url=https://order.kuaidi100.com

Prints the configuration as one JSON object, secrets masked, and the callback URL to register with
the carrier. An unknown carrier, integration or setting is an error (exit status 1).
"""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from carriers.integrations.configuration import (
    IntegrationSettingsError,
    carrier_integration_configure,
    integration_settings_masked,
)
from carriers.models import Carrier


def _pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise CommandError(f"--set takes KEY=VALUE, not {text!r}.")
    return key.strip(), value


class Command(BaseCommand):
    help = "Choose a carrier's integration (kuaidi100, sf, standard_webhooks, manual) and set its settings."

    def add_arguments(self, parser):
        parser.add_argument("code", help="carrier code, e.g. swift-express")
        parser.add_argument("--integration", required=True, help="integration name, e.g. kuaidi100 or sf")
        parser.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            dest="values",
            help="a setting (repeat)",
        )

    def handle(self, *args, code: str, integration: str, values: list[str], **options):
        carrier = Carrier.objects.filter(code=code).first()
        if carrier is None:
            known = ", ".join(Carrier.objects.values_list("code", flat=True)) or "none"
            raise CommandError(f"No carrier with code {code!r} (known codes: {known}).")
        try:
            carrier = carrier_integration_configure(
                carrier=carrier, integration=integration, values=dict(_pair(v) for v in values)
            )
        except IntegrationSettingsError as error:
            raise CommandError(str(error)) from None
        out = {
            "carrier": carrier.code,
            "integration": carrier.integration,
            "settings": integration_settings_masked(carrier.integration, carrier.integration_settings),
            "requires_pickup_code": carrier.requires_pickup_code,
            "callback_url": f"{settings.PLATFORM_URL.rstrip('/')}/api/v1/carriers/{carrier.code}/events/",
        }
        self.stdout.write(json.dumps(out, ensure_ascii=False))
