"""``manual``: nothing is pushed; the carrier pulls new orders from the carrier API (DESIGN §7.1).

Its callbacks and pulls are signed like ``standard_webhooks``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from .base import OutboundMessage, SendResult
from .standard_webhooks import StandardWebhooks


class Manual(StandardWebhooks):
    name = "manual"
    label = gettext_lazy("Manual (carrier pulls)")

    def send(self, message: OutboundMessage) -> SendResult:
        return SendResult.delivered()
