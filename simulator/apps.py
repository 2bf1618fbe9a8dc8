from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SimulatorConfig(AppConfig):
    """The carrier simulator (development only): installed while ``CARRIER_SIMULATOR`` is on."""

    name = "simulator"
    verbose_name = _("Carrier simulator")

    def ready(self) -> None:
        from carriers.integrations import integration_override_register, integration_register

        from .integration import Simulator, simulated_override

        integration_register(Simulator(), replace=True)
        integration_override_register(simulated_override)
