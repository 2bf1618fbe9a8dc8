"""/metrics: django-prometheus plus the platform's own figures, behind a token (issue 15)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from carriers.models import CarrierEvent, CarrierEventResult
from carriers.selectors import current_contract
from notifications.models import ChannelCode, Delivery, DeliveryStatus, Notification
from orders.models import OutboxMessage, OutboxStatus, Status
from orders.tests.factories import OrderFactory

pytestmark = pytest.mark.django_db
TOKEN = "metrics-token-for-tests"


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN


def _scrape(client) -> str:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def _value(text: str, name: str, **labels) -> float:
    label = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = "^" + re.escape(f"{name}{{{label}}}" if labels else name) + r" (\S+)$"
    found = re.search(pattern, text, re.M)
    assert found, f"{name} {labels} not in metrics"
    return float(found.group(1))


def test_no_token_configured_means_no_metrics(client, settings):
    settings.METRICS_TOKEN = ""

    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Token {TOKEN}"])
def test_a_wrong_or_missing_token_is_refused(client, token, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}

    response = client.get("/metrics", **extra)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"courier_" not in response.content


def test_platform_metrics(client, token, customer, carrier, other_carrier):
    now = timezone.now()
    placed = OrderFactory(
        user=customer,
        carrier=carrier,
        contract=current_contract(carrier),
        status=Status.PLACED,
        deadline=now - timedelta(minutes=30),
    )
    OrderFactory(
        user=customer,
        carrier=carrier,
        contract=current_contract(carrier),
        status=Status.PLACED,
        deadline=now - timedelta(minutes=5),
    )
    signed = OrderFactory(
        user=customer, carrier=other_carrier, contract=current_contract(other_carrier), status=Status.SIGNED
    )
    for result in (CarrierEventResult.APPLIED, CarrierEventResult.APPLIED, CarrierEventResult.ILLEGAL):
        CarrierEvent.objects.create(
            carrier=carrier, webhook_id=f"m{result}{CarrierEvent.objects.count()}", result=result
        )
    CarrierEvent.objects.create(carrier=other_carrier, webhook_id="x", result=CarrierEventResult.DUPLICATE)
    for order, state in ((placed, OutboxStatus.PENDING), (signed, OutboxStatus.FAILED)):
        OutboxMessage.objects.create(
            carrier=order.carrier,
            order=order,
            channel="carrier",
            subject=f"order:{order.pk}",
            event_type="order.created",
            status=state,
            next_attempt_at=now,
            created_at=now,
        )
    notification = Notification.objects.create(user=customer, kind="picked_up", title="t", body="b")
    for channel, state in (
        (ChannelCode.SMS, DeliveryStatus.FAILED),
        (ChannelCode.EMAIL, DeliveryStatus.SENT),
    ):
        Delivery.objects.create(
            channel=channel,
            event_type=notification.kind,
            subject=f"notification:{notification.pk}",
            status=state,
        )

    text = _scrape(client)

    assert _value(text, "courier_carrier_callbacks_total", carrier=carrier.code, result="applied") == 2
    assert _value(text, "courier_carrier_callbacks_total", carrier=carrier.code, result="illegal") == 1
    assert (
        _value(text, "courier_carrier_callbacks_total", carrier=other_carrier.code, result="duplicate") == 1
    )
    assert _value(text, "courier_outbound_messages", state="pending") == 1
    assert _value(text, "courier_outbound_messages", state="dead") == 1
    assert _value(text, "courier_notification_deliveries", channel="sms", status="failed") == 1
    assert _value(text, "courier_notification_deliveries", channel="email", status="sent") == 1
    assert _value(text, "courier_orders", status="placed") == 2
    assert _value(text, "courier_orders", status="signed") == 1
    assert _value(text, "courier_oldest_due_expiry_age_seconds") == pytest.approx(1800, abs=30)
    # django-prometheus' own request metrics are there too.
    assert "django_http_requests_before_middlewares_total" in text


def test_nothing_due_is_an_age_of_zero(client, token):
    assert _value(_scrape(client), "courier_oldest_due_expiry_age_seconds") == 0
