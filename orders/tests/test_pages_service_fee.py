"""The platform service fee on the pages (000 3.2): announced ahead on the pages that show prices,
then its own line on the quote and on the order page once it applies, never before."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.test import TestCase
from django.urls import reverse

from accounts.models import ServiceFeeAnnouncement
from accounts.services.service_fee import service_fee_announcement_publish
from carriers.tests.helpers import local
from orders.models import Order
from orders.tests.test_pages_booking import booking_data
from orders.tests.test_pages_home import QUERY

pytestmark = pytest.mark.django_db

PUBLISHED = local(2026, 11, 22, 9, 0)
EFFECTIVE = local(2026, 11, 23, 0, 0)
NOTICE_ZH = "从 2026-11-23 00:00 起，平台每单另收服务费 ¥2.00。"
NOTICE_EN = "From 2026-11-23 00:00 the platform adds a service fee of ¥2.00 per order."


def _announce(*, publish: bool = True) -> ServiceFeeAnnouncement:
    with time_machine.travel(PUBLISHED, tick=False):
        announcement = ServiceFeeAnnouncement.objects.create(fee=Decimal("2.00"), effective_at=EFFECTIVE)
        if publish:  # every user is told by a broadcast after commit
            with TestCase.captureOnCommitCallbacks(execute=True):
                service_fee_announcement_publish(announcement=announcement)
    return announcement


@pytest.fixture
def client_en(client, customer):
    client.force_login(customer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _quote(client_en):
    assert client_en.post(reverse("orders:book"), booking_data()).status_code == 302
    response = client_en.get(reverse("orders:quote"))
    assert response.status_code == 200
    return response


def _book_recommended(client_en, quote_response) -> Order:
    chosen = next(r for r in quote_response.context["rows"] if r["recommended"])
    response = client_en.post(
        reverse("orders:quote"),
        {
            "carrier": chosen["code"],
            f"contract_version_{chosen['code']}": chosen["contract"].version,
            "accept_terms": "on",
        },
    )
    assert response.status_code == 302
    return Order.objects.get()


def test_the_home_page_announces_a_published_fee_until_it_applies(client, demo_carriers):
    _announce()
    with time_machine.travel(EFFECTIVE - timedelta(seconds=1), tick=False):
        before = client.get(reverse("orders:book"), QUERY)
    with time_machine.travel(EFFECTIVE, tick=False):
        after = client.get(reverse("orders:book"), QUERY)

    assert before.context["fee_notice"] == NOTICE_ZH
    assert f'<div class="notice" role="status" data-testid="fee-notice">{NOTICE_ZH}</div>' in (
        before.content.decode()
    )
    assert after.context["fee_notice"] == ""
    assert 'data-testid="fee-notice"' not in after.content.decode()
    # The estimate carries the fee from its date on, never before.
    before_price = {r["code"]: r["price"] for r in before.context["rows"]}["econ-post"]
    after_price = {r["code"]: r["price"] for r in after.context["rows"]}["econ-post"]
    assert (before_price, after_price) == ("¥17.00", "¥19.00")


def test_a_draft_announcement_is_not_announced(client, demo_carriers):
    _announce(publish=False)
    with time_machine.travel(PUBLISHED + timedelta(hours=1), tick=False):
        response = client.get(reverse("orders:book"), QUERY)
    assert response.context["fee_notice"] == ""
    assert 'data-testid="fee-notice"' not in response.content.decode()


def test_the_quote_page_announces_the_fee_and_does_not_charge_it_yet(client_en, demo_carriers):
    _announce()
    with time_machine.travel(PUBLISHED + timedelta(hours=1), tick=False):
        response = _quote(client_en)
        order = _book_recommended(client_en, response)
        page = client_en.get(reverse("orders:detail", args=[order.number])).content.decode()

    assert response.context["fee_notice"] == NOTICE_EN
    assert NOTICE_EN in response.content.decode()
    for row in response.context["rows"]:
        assert "Platform service fee" not in [label for label, _value in row["breakdown"]]
    assert order.estimate_breakdown["platform_service_fee"] == "0.00"
    assert 'data-testid="estimate-lines"' in page
    assert "Platform service fee" not in page


def test_once_it_applies_the_quote_and_the_order_show_the_fee_on_its_own_line(client_en, demo_carriers):
    _announce()
    with time_machine.travel(EFFECTIVE + timedelta(hours=8), tick=False):
        response = _quote(client_en)
        order = _book_recommended(client_en, response)
        page = client_en.get(reverse("orders:detail", args=[order.number]))

    assert response.context["fee_notice"] == ""
    chosen = next(r for r in response.context["rows"] if r["recommended"])
    assert chosen["breakdown"][-1] == ("Platform service fee", "¥2.00")
    assert order.estimate_breakdown["platform_service_fee"] == "2.00"
    lines = page.context["estimate_lines"]
    assert lines == chosen["breakdown"]
    assert lines[-1] == ("Platform service fee", "¥2.00")
    assert "<dt>Platform service fee</dt><dd>¥2.00</dd>" in page.content.decode()
    assert page.context["estimate"] == f"¥{order.estimate_amount}"
