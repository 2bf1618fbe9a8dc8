"""Carrier messages move onto the delivery engine's one table (``delivery.Message``).

Each row keeps its id (the ``webhook-id`` carriers de-duplicate on), status, attempts and times;
what ties it to its order and carrier stays here, in ``orders_outboxmessage``.
"""

import django.db.models.deletion
from django.db import migrations, models

COPY_MESSAGES = """
INSERT INTO delivery_message (id, channel, event_type, subject, rank, recipient, payload, status,
    attempts, next_attempt_at, last_attempt_at, last_error, created_at, sent_at)
SELECT id, 'carrier', event_type, 'order:' || CAST(order_id AS VARCHAR(20)),
    CASE WHEN event_type = 'order.created' THEN 0 ELSE 1 END, CAST(carrier_id AS VARCHAR(20)), payload,
    status, attempts, next_attempt_at, last_attempt_at, last_error, created_at, sent_at
FROM orders_legacyoutboxmessage
"""

COPY_LINKS = """
INSERT INTO orders_outboxmessage (message_id, carrier_id, order_id)
SELECT id, carrier_id, order_id FROM orders_legacyoutboxmessage
"""


class Migration(migrations.Migration):
    dependencies = [
        ("carriers", "0002_carrier_credential"),
        ("delivery", "0001_initial"),
        ("orders", "0004_order_actual_weight_kg"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="outboxmessage", name="outbox_once_per_order_and_type"),
        migrations.RemoveConstraint(model_name="outboxmessage", name="outbox_status_known"),
        migrations.RemoveIndex(model_name="outboxmessage", name="outbox_due"),
        migrations.AlterField(
            model_name="outboxmessage",
            name="carrier",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="carriers.carrier"
            ),
        ),
        migrations.AlterField(
            model_name="outboxmessage",
            name="order",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="orders.order"
            ),
        ),
        migrations.RenameModel(old_name="OutboxMessage", new_name="LegacyOutboxMessage"),
        migrations.CreateModel(
            name="OutboxMessage",
            fields=[
                (
                    "message",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        parent_link=True,
                        primary_key=True,
                        related_name="carrier_message",
                        serialize=False,
                        to="delivery.message",
                        verbose_name="message",
                    ),
                ),
                (
                    "carrier",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="outbox_messages",
                        to="carriers.carrier",
                        verbose_name="carrier",
                    ),
                ),
                (
                    "order",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="outbox_messages",
                        to="orders.order",
                        verbose_name="order",
                    ),
                ),
            ],
            options={
                "verbose_name": "outbound carrier message",
                "verbose_name_plural": "outbound carrier messages",
                "ordering": ["-created_at"],
            },
            bases=("delivery.message",),
        ),
        migrations.RunSQL(COPY_MESSAGES, migrations.RunSQL.noop),
        migrations.RunSQL(COPY_LINKS, migrations.RunSQL.noop),
        migrations.DeleteModel(name="LegacyOutboxMessage"),
    ]
