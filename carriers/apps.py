from django.apps import AppConfig


class CarriersConfig(AppConfig):
    name = "carriers"

    def ready(self) -> None:
        from .services import signing_cache  # noqa: F401  (connects its signal receivers)
