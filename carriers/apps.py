from django.apps import AppConfig


class CarriersConfig(AppConfig):
    name = "carriers"

    def ready(self) -> None:
        from .integrations import integration_register
        from .integrations.manual import Manual
        from .integrations.standard_webhooks import StandardWebhooks
        from .sending import register
        from .services import signing_cache  # noqa: F401  (connects its signal receivers)

        # The built-in integrations (DESIGN §7.4); other apps register theirs in their own ready().
        integration_register(StandardWebhooks(), replace=True)
        integration_register(Manual(), replace=True)
        register()  # the carrier channel of the delivery engine
