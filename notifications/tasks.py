"""Celery tasks of notifications: thin, by id, safe to run twice (STYLE "Background work")."""

from __future__ import annotations

import logging
from functools import partial

from celery import shared_task
from django.db import transaction

from notifications import broadcasts

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True, acks_late=True)
def broadcast_send(broadcast_id: int) -> int:
    """Write a broadcast's notices from where it stopped; a second copy finds it held and returns."""
    return broadcasts.broadcast_send(broadcast_id=broadcast_id)


@shared_task(ignore_result=True)
def broadcasts_resume() -> int:
    """Periodic (every minute): queue every unfinished broadcast nobody holds
    (``manage.py resume_broadcasts`` by hand)."""
    due = broadcasts.broadcasts_due()
    for broadcast_id in due:
        broadcast_queue(broadcast_id)
    return len(due)


def broadcast_queue(broadcast_id: int) -> None:
    try:
        broadcast_send.delay(broadcast_id)
    except Exception:  # noqa: BLE001  (broker down: broadcasts_resume queues it within a minute)
        logger.warning("could not queue broadcast %s; it is resumed later", broadcast_id, exc_info=True)


def broadcast_queue_on_commit(broadcast_id: int) -> None:
    transaction.on_commit(partial(broadcast_queue, broadcast_id), robust=True)
