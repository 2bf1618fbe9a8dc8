"""The carrier channel of the delivery engine: platform → carrier messages (DESIGN §7.1).

Orders write the messages (``orders.services.outbox``); the engine sends each through
:func:`carrier_message_send`, which hands it to the carrier's adapter. ``recipient`` is the
carrier's id, ``id`` the ``webhook-id`` the carrier de-duplicates on.
"""

from __future__ import annotations

import logging

from django.conf import settings

from delivery.models import Message
from delivery.registry import Delivered, FailedForGood, Result, sender_register

from .adapters import get_adapter
from .models import Carrier

logger = logging.getLogger(__name__)

CHANNEL = "carrier"


def carrier_message_send(message: Message) -> Result:
    """One attempt: the adapter returns once the carrier has it and raises when it should be
    retried later (the engine records the error and backs off)."""
    carrier = (
        Carrier.objects.filter(pk=int(message.recipient)).first() if message.recipient.isdigit() else None
    )
    if carrier is None:
        return FailedForGood(f"no carrier {message.recipient!r}")
    get_adapter(carrier).send(
        carrier=carrier, message_id=str(message.pk), event_type=message.event_type, payload=message.payload
    )
    logger.info("outbox %s %s sent to %s", message.event_type, message.pk, carrier.code)
    return Delivered()


def register() -> None:
    sender_register(
        channel=CHANNEL, send=carrier_message_send, max_attempts=lambda: settings.OUTBOX_MAX_ATTEMPTS
    )
