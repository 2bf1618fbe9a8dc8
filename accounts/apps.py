from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from carriers.services.pricing import service_fee_source_register

        from .service_fee import service_fee_current

        # Quotes read the platform service fee from the published announcements (000 3.2).
        service_fee_source_register(service_fee_current)
