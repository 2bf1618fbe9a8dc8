"""The carrier channel of the delivery engine: platform → carrier messages (DESIGN §7.1, §7.4).

Orders write the messages (``orders.services.outbox``); the engine sends each through
:func:`carrier_message_send`, which hands it to the carrier's integration and passes its answer on:
delivered, retry later (with the reason) or failed for good. ``recipient`` is the carrier's id,
``id`` the ``webhook-id`` the carrier de-duplicates on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings

from delivery.models import Message
from delivery.registry import Delivered, FailedForGood, Result, RetryLater, sender_register

from .integrations import OutboundMessage, SendStatus, integration_for
from .models import Carrier

logger = logging.getLogger(__name__)

CHANNEL = "carrier"
BOOKING = "order.created"

# Called when a carrier refuses a booking for good (DESIGN §7.5: handled like
# ``order.dispatch_failed``) with ``carrier``, ``order_number``, ``reason`` and ``message_id``. The
# orders app registers it: carriers does not import orders.
RefusalHandler = Callable[..., object]
_refusal_handlers: list[RefusalHandler] = []


def carrier_refusal_handler_register(handler: RefusalHandler) -> None:
    if handler not in _refusal_handlers:
        _refusal_handlers.append(handler)


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
        if message.event_type == BOOKING:
            for handler in _refusal_handlers:
                handler(
                    carrier=carrier,
                    order_number=str(message.payload.get("order") or ""),
                    reason=sent.user_reason or sent.reason,
                    message_id=str(message.pk),
                )
        return FailedForGood(sent.reason or sent.status)
    if sent.status != SendStatus.DELIVERED:
        return RetryLater(sent.reason or sent.status)
    logger.info("outbox %s %s sent to %s", message.event_type, message.pk, carrier.code)
    return Delivered()


def register() -> None:
    sender_register(
        channel=CHANNEL,
        send=carrier_message_send,
        max_attempts=lambda: settings.OUTBOX_MAX_ATTEMPTS,
        queue=lambda: settings.QUEUE_CARRIER_MESSAGES,
    )
