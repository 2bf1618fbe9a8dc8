"""The carrier channel of the delivery engine: platform → carrier messages (DESIGN §7.1, §7.4).

Orders write the messages (``orders.services.outbox``); the engine sends each through
:func:`carrier_message_send`, which hands it to the carrier's integration and passes its answer on:
delivered, retry later (with the reason) or failed for good. ``recipient`` is the carrier's id,
``id`` the ``webhook-id`` the carrier de-duplicates on.
"""

from __future__ import annotations

import logging

from django.conf import settings

from delivery.models import Message
from delivery.registry import Delivered, FailedForGood, Result, RetryLater, sender_register

from .integrations import OutboundMessage, SendStatus, integration_for
from .models import Carrier

logger = logging.getLogger(__name__)

CHANNEL = "carrier"


def carrier_message_send(message: Message) -> Result:
    """One attempt; anything the integration raises is a failed attempt the engine retries."""
    carrier = (
        Carrier.objects.filter(pk=int(message.recipient)).first() if message.recipient.isdigit() else None
    )
    if carrier is None:
        return FailedForGood(f"no carrier {message.recipient!r}")
    sent = integration_for(carrier).send(
        OutboundMessage(id=str(message.pk), type=message.event_type, payload=message.payload, carrier=carrier)
    )
    if sent.status == SendStatus.FAILED:
        return FailedForGood(sent.reason or sent.status)
    if sent.status != SendStatus.DELIVERED:
        return RetryLater(sent.reason or sent.status)
    logger.info("outbox %s %s sent to %s", message.event_type, message.pk, carrier.code)
    return Delivered()


def register() -> None:
    sender_register(
        channel=CHANNEL, send=carrier_message_send, max_attempts=lambda: settings.OUTBOX_MAX_ATTEMPTS
    )
