"""The platform's own Prometheus metrics, read from the database at scrape time.

Computed from the rows (not counted in process memory), so every web process answers the same
figures whatever served the traffic, and a restart loses nothing. django-prometheus adds the
request, response and latency metrics of the process that answers.
"""

from __future__ import annotations

from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import REGISTRY, CounterMetricFamily, GaugeMetricFamily

from carriers.models import CarrierEvent
from notifications.models import Delivery
from orders.models import Order, OutboxMessage, OutboxStatus
from orders.services.statuses import EXPIRABLE


class PlatformCollector:
    def describe(self):
        """The names, without a query (registering must not touch the database)."""
        yield CounterMetricFamily("courier_carrier_callbacks", "", labels=["carrier", "result"])
        yield GaugeMetricFamily("courier_outbound_messages", "", labels=["state"])
        yield GaugeMetricFamily("courier_notification_deliveries", "", labels=["channel", "status"])
        yield GaugeMetricFamily("courier_orders", "", labels=["status"])
        yield GaugeMetricFamily("courier_oldest_due_expiry_age_seconds", "")

    def collect(self):
        callbacks = CounterMetricFamily(
            "courier_carrier_callbacks",
            "Signed carrier callbacks received, by carrier and result.",
            labels=["carrier", "result"],
        )
        rows = CarrierEvent.objects.values("carrier__code", "result").annotate(n=Count("id")).order_by()
        for row in rows:
            callbacks.add_metric([row["carrier__code"], row["result"]], row["n"])
        yield callbacks

        outbound = GaugeMetricFamily(
            "courier_outbound_messages",
            "Platform → carrier messages waiting (pending) or given up on (dead).",
            labels=["state"],
        )
        counts = dict(
            OutboxMessage.objects.filter(status__in=[OutboxStatus.PENDING, OutboxStatus.FAILED])
            .values_list("status")
            .annotate(n=Count("id"))
            .order_by()
        )
        outbound.add_metric(["pending"], counts.get(OutboxStatus.PENDING, 0))
        outbound.add_metric(["dead"], counts.get(OutboxStatus.FAILED, 0))
        yield outbound

        deliveries = GaugeMetricFamily(
            "courier_notification_deliveries",
            "Notification deliveries by channel and status.",
            labels=["channel", "status"],
        )
        for row in Delivery.objects.values("channel", "status").annotate(n=Count("id")).order_by():
            deliveries.add_metric([row["channel"], row["status"]], row["n"])
        yield deliveries

        orders = GaugeMetricFamily("courier_orders", "Orders by status.", labels=["status"])
        for row in Order.objects.values("status").annotate(n=Count("id")).order_by():
            orders.add_metric([row["status"]], row["n"])
        yield orders

        now = timezone.now()
        oldest = Order.objects.filter(status__in=EXPIRABLE, deadline__lte=now).aggregate(at=Min("deadline"))[
            "at"
        ]
        yield GaugeMetricFamily(
            "courier_oldest_due_expiry_age_seconds",
            "How long the oldest order past its deadline has waited to be expired (0 when none).",
            value=(now - oldest).total_seconds() if oldest else 0.0,
        )


_COLLECTOR = PlatformCollector()


def register() -> None:
    """Once per process (AppConfig.ready may run again in tests)."""
    if _COLLECTOR not in getattr(REGISTRY, "_collector_to_names", {}):
        REGISTRY.register(_COLLECTOR)
