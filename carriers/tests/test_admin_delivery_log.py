"""The carrier's admin page shows its recent messages, API calls and inbound messages, redacted."""

import pytest
from django.test import Client
from django.urls import reverse

from carriers.models import CarrierEvent
from carriers.services.references import carrier_exchange_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(moderator):
    client = Client()
    client.force_login(moderator)
    return client


def test_the_carrier_page_shows_recent_calls_and_inbound_messages_redacted(admin_client, carrier):
    carrier_exchange_record(
        carrier=carrier,
        operation="bOrder",
        request={"method": "bOrder", "param": {"sendManMobile": "138****8000"}},
        outcome="failed",
        order_number="CPT000000001",
        http_status=200,
        response='{"result":false,"returnCode":"10002","message":"13800138000 超出服务范围"}',
        error="Kuaidi100 10002 超出服务范围",
    )
    CarrierEvent.objects.create(
        carrier=carrier,
        webhook_id="K1:1:2026-11-22 09:50:00",
        type="order.accepted",
        result="applied",
        payload={"param": {"data": {"courierMobile": "13600136000"}}},
    )

    page = admin_client.get(reverse("admin:carriers_carrier_change", args=[carrier.pk])).content.decode()

    assert "Kuaidi100 10002 超出服务范围" in page
    assert "13800138000" not in page and "138****8000" in page
    assert "13600136000" not in page and "136****6000" in page
    assert "status=failed" in page  # the link to the carrier's dead letters, where retry is
