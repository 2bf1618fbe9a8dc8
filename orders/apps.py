from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from carriers.selectors import carrier_acceptance_source_register
        from carriers.sending import CHANNEL, carrier_refusal_handler_register
        from delivery.registry import event_types_declare

        from .models import OutboxEventType
        from .selectors import carrier_acceptance_over_orders
        from .services.carrier_events import carrier_refusal_apply

        # Recommendation weighs how often each carrier accepts; the orders are here (carriers does
        # not import orders).
        carrier_acceptance_source_register(carrier_acceptance_over_orders)
        # A carrier's refusal of a booking reaches the order like its dispatch_failed report.
        carrier_refusal_handler_register(carrier_refusal_apply)
        # What the platform tells carriers (the admin's list of everything sent filters by it).
        event_types_declare(channel=CHANNEL, event_types=OutboxEventType.values)
