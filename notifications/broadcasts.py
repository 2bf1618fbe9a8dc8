"""Broadcasts: one notice to every active user, in batches, resumable (DESIGN §9, §3.2, §6).

``notifications.announcements.broadcast_start`` writes the broadcast in the caller's transaction
(publishing an announcement) and queues ``notifications.tasks.broadcast_send`` after commit.
``broadcast_send`` here takes the
broadcast with a lease, then writes one batch of users (in id order, after ``cursor``) per
transaction, together with the new cursor: memory holds one batch, never every user, and a worker
that dies loses only its open batch. ``broadcasts_due`` lists the unfinished broadcasts nobody holds
(``notifications.tasks.broadcasts_resume`` queues them, beat every minute).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from notifications.models import Broadcast, BroadcastStatus
from notifications.services import BATCH_SIZE, USER_FIELDS, notify_many

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)


def _claim(broadcast_id: int, now: datetime) -> bool:
    free = Q(leased_until__isnull=True) | Q(leased_until__lt=now)
    return bool(
        Broadcast.objects.filter(free, pk=broadcast_id, status=BroadcastStatus.SENDING).update(
            leased_until=now + LEASE
        )
    )


def broadcast_send(*, broadcast_id: int, batch_size: int = BATCH_SIZE, max_batches: int | None = None) -> int:
    """Write the broadcast's notices from its cursor on, a batch per transaction; returns how many
    were written by this run (0 if another worker holds it or it is done)."""
    if not _claim(broadcast_id, timezone.now()):
        return 0
    users = get_user_model().objects.filter(is_active=True).order_by("pk").only(*USER_FIELDS)
    written = batches = 0
    while max_batches is None or batches < max_batches:
        with transaction.atomic():
            broadcast = Broadcast.objects.select_for_update().get(pk=broadcast_id)
            batch = list(users.filter(pk__gt=broadcast.cursor)[:batch_size])
            now = timezone.now()
            if not batch:
                broadcast.status, broadcast.finished_at, broadcast.leased_until = (
                    BroadcastStatus.DONE,
                    now,
                    None,
                )
                broadcast.save(update_fields=["status", "finished_at", "leased_until"])
                logger.info("broadcast %s done: %d users told", broadcast.pk, broadcast.told)
                break
            created = notify_many(
                users=batch,
                kind=broadcast.kind,
                context=broadcast.context,
                requires_action=broadcast.requires_action,
                dedupe_key=broadcast.dedupe_key,
            )
            broadcast.cursor, broadcast.told = batch[-1].pk, broadcast.told + created
            broadcast.leased_until = now + LEASE
            broadcast.save(update_fields=["cursor", "told", "leased_until"])
        written += created
        batches += 1
    else:  # stopped early on purpose: free it for the next run
        Broadcast.objects.filter(pk=broadcast_id).update(leased_until=None)
    return written


def broadcasts_due(*, now: datetime | None = None) -> list[int]:
    """Unfinished broadcasts nobody holds (a worker died, or the broker never got them)."""
    free = Q(leased_until__isnull=True) | Q(leased_until__lt=now or timezone.now())
    return list(Broadcast.objects.filter(free, status=BroadcastStatus.SENDING).values_list("pk", flat=True))
