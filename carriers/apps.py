from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CarriersConfig(AppConfig):
    name = "carriers"
    verbose_name = _("Carriers")

    def ready(self) -> None:
        from prohibited.selectors import screening_carriers_register

        from .integrations import integration_register
        from .integrations.kuaidi100 import Kuaidi100
        from .integrations.manual import Manual
        from .integrations.sf import SF
        from .integrations.standard_webhooks import StandardWebhooks
        from .selectors import carriers_for_screening
        from .sending import register
        from .services import configuration, signing_cache  # noqa: F401  (connect their signal receivers)

        # Screening applies each carrier's refusal list; prohibited does not import carriers.
        screening_carriers_register(carriers_for_screening)

        # The built-in integrations (DESIGN §7.4); other apps register theirs in their own ready().
        integration_register(StandardWebhooks(), replace=True)
        integration_register(Manual(), replace=True)
        integration_register(Kuaidi100(), replace=True)
        integration_register(SF(), replace=True)
        register()  # the carrier channel of the delivery engine
