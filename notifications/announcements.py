"""Announcements to every user (a service-fee change, an agreement version): started in the
caller's transaction, sent as a batched, resumable broadcast after it commits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model

from notifications.models import Broadcast
from notifications.services import check_broadcast_kind
from notifications.tasks import broadcast_queue_on_commit


def broadcast_start(
    *,
    kind: str,
    context: Mapping[str, Any],
    dedupe_key: str,
    requires_action: bool | None = None,
) -> int:
    """Tell every active user ``kind`` with ``context``; returns how many users that is now.

    Nothing is written for users here: the broadcast row is, in the caller's transaction, and its
    notices are written in batches after commit (``notifications.broadcasts``). Starting the same
    ``dedupe_key`` twice starts one broadcast.
    """
    kind = check_broadcast_kind(kind)
    _broadcast, created = Broadcast.objects.get_or_create(
        dedupe_key=dedupe_key,
        defaults={"kind": kind, "context": dict(context), "requires_action": requires_action},
    )
    if created:
        broadcast_queue_on_commit(_broadcast.pk)
    return get_user_model().objects.filter(is_active=True).count()
