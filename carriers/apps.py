from django.apps import AppConfig


class CarriersConfig(AppConfig):
    name = "carriers"

    def ready(self) -> None:
        from .sending import register
        from .services import signing_cache  # noqa: F401  (connects its signal receivers)

        register()  # the carrier channel of the delivery engine
