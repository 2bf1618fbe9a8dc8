"""Celery tasks of orders: thin, by id, safe to run twice (STYLE "Background work").

The beat schedule that runs the periodic ones is ``CELERY_BEAT_SCHEDULE`` in the settings; each has
a management command doing the same job by hand.
"""

from __future__ import annotations

import logging

from celery import shared_task

from orders.services import expiry, outbox

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True, acks_late=True)
def deliver_outbox_message(message_id: str) -> str:
    """One attempt at one outbox message; on failure it is queued again after its backoff."""
    outcome = outbox.outbox_message_deliver(message_id=message_id)
    if outcome == outbox.Outcome.SENT:
        # A cancel or expiry that waited for this order.created can go now.
        outbox.outbox_queue(outbox.outbox_held_behind(message_id=message_id))
    elif outcome == outbox.Outcome.RETRY:
        countdown = outbox.backoff_delay(_attempts(message_id)).total_seconds()
        try:
            deliver_outbox_message.apply_async(args=[message_id], countdown=countdown)
        except Exception:  # noqa: BLE001  (broker down: the sweeper sends it when it is due)
            logger.warning("could not re-queue outbox message %s", message_id, exc_info=True)
    return outcome.value


def _attempts(message_id: str) -> int:
    from orders.models import OutboxMessage

    return OutboxMessage.objects.filter(pk=message_id).values_list("attempts", flat=True).first() or 1


@shared_task(ignore_result=True)
def sweep_outbox() -> int:
    """Periodic (every minute): queue the outbox messages that are due (``send_outbox`` by hand)."""
    return outbox.outbox_sweep()


@shared_task(ignore_result=True)
def expire_orders() -> int:
    """Periodic (00:00 Asia/Shanghai): expire every order past its deadline (``expire_orders``)."""
    return expiry.orders_expire_due()
