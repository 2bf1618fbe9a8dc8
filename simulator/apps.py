from django.apps import AppConfig


class SimulatorConfig(AppConfig):
    """The carrier simulator (development only): installed while ``CARRIER_SIMULATOR`` is on."""

    name = "simulator"

    def ready(self) -> None:
        from carriers.integrations import integration_override_register, integration_register

        from .integration import Simulator, simulated_override

        integration_register(Simulator(), replace=True)
        integration_override_register(simulated_override)
