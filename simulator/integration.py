"""The ``simulator`` integration (DESIGN §7.4): the simulator playing a carrier.

Outbound, an ``order.created`` starts the order's script (``simulator.tasks``); inbound, the script's
callbacks are Standard Webhooks like any carrier's.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy

from carriers.demo import CARRIERS as DEMO_CARRIERS
from carriers.integrations import OutboundMessage, SendResult
from carriers.integrations.standard_webhooks import StandardWebhooks
from carriers.models import Carrier
from orders.models import Order, OutboxEventType
from simulator import tasks
from simulator.script import SIMULATOR, step_seconds


class Simulator(StandardWebhooks):
    """Takes ``order.created`` by starting the order's script, and ``claim.created`` by deciding
    the claim; cancels and expiries need nothing (the next step sees the terminal status and stops).
    Its callbacks are Standard Webhooks."""

    name = SIMULATOR
    label = gettext_lazy("Simulator (development only)")

    def send(self, message: OutboundMessage) -> SendResult:
        if message.type == OutboxEventType.CLAIM_CREATED:
            return self._claim_created(message)
        if message.type != OutboxEventType.CREATED:
            return SendResult.delivered()
        carrier = message.carrier
        order = Order.objects.filter(carrier=carrier, number=message.payload.get("order")).only("pk").first()
        if order is None:
            return SendResult.retry(
                f"simulator: no order {message.payload.get('order')!r} for carrier {carrier.code}"
            )
        try:
            tasks.schedule_step(order_id=order.pk)
        except Exception as error:  # noqa: BLE001  (broker down: the outbox retries the message)
            return SendResult.retry(f"simulator: could not schedule the first step ({type(error).__name__})")
        return SendResult.delivered()

    def _claim_created(self, message: OutboundMessage) -> SendResult:
        """A claim: the simulated carrier decides it a step later."""
        order = (
            Order.objects.filter(carrier=message.carrier, number=message.payload.get("order"))
            .only("pk")
            .first()
        )
        if order is None:
            return SendResult.retry(f"simulator: no order {message.payload.get('order')!r}")
        try:
            tasks.simulator_claim_decide.apply_async(
                kwargs={"order_id": order.pk, "claim_id": message.payload["claim"]}, countdown=step_seconds()
            )
        except Exception as error:  # noqa: BLE001  (broker down: the outbox retries the message)
            return SendResult.retry(f"simulator: could not schedule the decision ({type(error).__name__})")
        return SendResult.delivered()


def simulated_override(carrier: Carrier) -> str | None:
    """Registered with the carriers' integration registry: the demo carriers left on ``manual``
    are served by the simulator while ``CARRIER_SIMULATOR`` is on."""
    if carrier.integration == "manual" and settings.CARRIER_SIMULATOR and carrier.code in DEMO_CARRIERS:
        return SIMULATOR
    return None
