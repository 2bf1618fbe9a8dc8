import uuid

import django.core.serializers.json
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Message",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                        verbose_name="message id",
                    ),
                ),
                ("channel", models.CharField(max_length=30, verbose_name="channel")),
                ("event_type", models.CharField(max_length=50, verbose_name="event type")),
                ("subject", models.CharField(max_length=100, verbose_name="subject")),
                ("rank", models.PositiveSmallIntegerField(default=0, verbose_name="rank")),
                ("recipient", models.CharField(blank=True, max_length=100, verbose_name="recipient")),
                (
                    "payload",
                    models.JSONField(
                        blank=True,
                        default=dict,
                        encoder=django.core.serializers.json.DjangoJSONEncoder,
                        verbose_name="payload",
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("pending", "Pending"), ("sent", "Sent"), ("failed", "Failed (gave up)")],
                        default="pending",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("attempts", models.PositiveIntegerField(default=0, verbose_name="attempts")),
                (
                    "next_attempt_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="next attempt at"),
                ),
                ("last_attempt_at", models.DateTimeField(blank=True, null=True, verbose_name="last attempt at")),
                ("last_error", models.TextField(blank=True, verbose_name="last error")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="created at")),
                ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="sent at")),
            ],
            options={
                "verbose_name": "outbound message",
                "verbose_name_plural": "outbound messages",
                "ordering": ["-created_at"],
                "indexes": [
                    models.Index(fields=["status", "next_attempt_at"], name="message_due"),
                    models.Index(fields=["subject", "channel"], name="message_subject"),
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("channel", "subject", "event_type"), name="message_once"),
                    models.CheckConstraint(
                        condition=models.Q(("status__in", ["pending", "sent", "failed"])),
                        name="message_status_known",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="Attempt",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.PositiveIntegerField(verbose_name="attempt")),
                ("started_at", models.DateTimeField(verbose_name="started at")),
                ("finished_at", models.DateTimeField(verbose_name="finished at")),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("sent", "Delivered"),
                            ("retry", "Failed, retried later"),
                            ("failed", "Failed for good"),
                        ],
                        max_length=10,
                        verbose_name="outcome",
                    ),
                ),
                ("error", models.TextField(blank=True, verbose_name="error")),
                (
                    "message",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attempt_log",
                        to="delivery.message",
                        verbose_name="message",
                    ),
                ),
            ],
            options={
                "verbose_name": "delivery attempt",
                "verbose_name_plural": "delivery attempts",
                "ordering": ["message", "number"],
            },
        ),
    ]
