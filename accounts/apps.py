from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from carriers.services.configuration import configuration_changed, service_fee_source_register

        from .models import ServiceFeeAnnouncement
        from .selectors import service_fees_published

        # Quotes read the platform service fee from the published announcements (000 3.2), kept
        # with the carriers' configuration in each process, reloaded when one changes.
        service_fee_source_register(service_fees_published)
        for signal in (post_save, post_delete):
            signal.connect(
                configuration_changed,
                sender=ServiceFeeAnnouncement,
                dispatch_uid=f"carrier_configuration_service_fee_{signal is post_save}",
            )
