"""The ``simulator`` integration (DESIGN §7.4): the simulator playing a carrier.

Outbound, an ``order.created`` starts the order's script (``simulator.tasks``) with the message, as
a real carrier would receive it; inbound, the script's callbacks and pulls are Standard Webhooks
like any carrier's.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy

from carriers.demo import CARRIERS as DEMO_CARRIERS
from carriers.integrations import OutboundMessage, SendResult
from carriers.integrations.standard_webhooks import StandardWebhooks
from simulator import tasks
from simulator.script import SIMULATOR, step_seconds

ORDER_CREATED = "order.created"
CLAIM_CREATED = "claim.created"


class Simulator(StandardWebhooks):
    """Takes ``order.created`` by starting the order's script, and ``claim.created`` by deciding
    the claim; cancels and expiries need nothing (the next step sees the terminal status and stops).
    Its callbacks are Standard Webhooks."""

    name = SIMULATOR
    label = gettext_lazy("Simulator (development only)")

    def send(self, message: OutboundMessage) -> SendResult:
        if message.type == CLAIM_CREATED:
            return self._claim_created(message)
        if message.type != ORDER_CREATED:
            return SendResult.delivered()
        try:
            tasks.schedule_step(carrier_code=message.carrier.code, created=dict(message.payload))
        except Exception as error:  # noqa: BLE001  (broker down: the outbox retries the message)
            return SendResult.retry(f"simulator: could not schedule the first step ({type(error).__name__})")
        return SendResult.delivered()

    def _claim_created(self, message: OutboundMessage) -> SendResult:
        """A claim: the simulated carrier decides it a step later, from the message alone."""
        try:
            tasks.simulator_claim_decide.apply_async(
                kwargs={"carrier_code": message.carrier.code, "claim": dict(message.payload)},
                countdown=step_seconds(),
            )
        except Exception as error:  # noqa: BLE001  (broker down: the outbox retries the message)
            return SendResult.retry(f"simulator: could not schedule the decision ({type(error).__name__})")
        return SendResult.delivered()


def simulated_override(carrier) -> str | None:
    """Registered with the carriers' integration registry: the demo carriers left on ``manual``
    are served by the simulator while ``CARRIER_SIMULATOR`` is on."""
    if carrier.integration == "manual" and settings.CARRIER_SIMULATOR and carrier.code in DEMO_CARRIERS:
        return SIMULATOR
    return None
