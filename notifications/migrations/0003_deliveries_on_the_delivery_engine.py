"""Notification deliveries move onto the delivery engine's one table (``delivery.Message``).

A delivery left ``failed`` before its attempts ran out was a retry the old sweeper never made: it
comes back ``pending`` and due now.
"""

import uuid

from django.conf import settings
from django.db import migrations
from django.utils import timezone

BATCH = 1000


def copy_deliveries(apps, schema_editor):
    legacy = apps.get_model("notifications", "LegacyDelivery")
    message = apps.get_model("delivery", "Message")
    limit = getattr(settings, "NOTIFICATIONS_MAX_ATTEMPTS", 5)
    now = timezone.now()
    rows = []
    for old in legacy.objects.select_related("notification").order_by("id").iterator(chunk_size=BATCH):
        lost_retry = old.status == "failed" and old.attempts < limit
        rows.append(
            message(
                id=uuid.uuid4(),
                channel=old.channel,
                event_type=old.notification.kind,
                subject=f"notification:{old.notification_id}",
                recipient=str(old.notification.user_id),
                status="pending" if lost_retry else old.status,
                attempts=old.attempts,
                next_attempt_at=now if lost_retry else (old.last_attempt_at or old.created_at),
                last_attempt_at=old.last_attempt_at,
                last_error=old.last_error,
                created_at=old.created_at,
                sent_at=old.sent_at,
            )
        )
        if len(rows) >= BATCH:
            message.objects.bulk_create(rows)
            rows = []
    message.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [
        ("delivery", "0001_initial"),
        ("notifications", "0002_feedback_answered"),
    ]

    operations = [
        migrations.RenameModel(old_name="Delivery", new_name="LegacyDelivery"),
        migrations.CreateModel(
            name="Delivery",
            fields=[],
            options={
                "verbose_name": "delivery",
                "verbose_name_plural": "deliveries",
                "ordering": ["created_at", "channel"],
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("delivery.message",),
        ),
        migrations.RunPython(copy_deliveries, migrations.RunPython.noop),
        migrations.DeleteModel(name="LegacyDelivery"),
    ]
