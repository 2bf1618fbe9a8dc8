"""One format per thing everywhere: the order page, the account pages, the admin (its change form,
its columns and Django's own date display) write phones, money, weights and times the same way,
through ``carriers.formats``; no template formats a date by hand."""

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.template import engines
from django.urls import reverse

from accounts.models import Address, ServiceFeeAnnouncement
from carriers.tests.helpers import local
from orders.tests.factories import OrderFactory

pytestmark = pytest.mark.django_db

PLACED = local(2026, 11, 22, 9, 5)


@pytest.fixture
def order(customer):
    with time_machine.travel(PLACED, tick=False):
        return OrderFactory(
            user=customer,
            sender_phone="+8613800138000",
            recipient_phone="+86-755-88888888",
            courier_phone="+85251234567",
            weight_kg=Decimal("1.50"),
            actual_weight_kg=Decimal("2.00"),
            declared_value=Decimal("500.00"),
            estimate_amount=Decimal("23.00"),
            fee_amount=Decimal("25.5"),
            fee_currency="CNY",
            pickup_start=local(2026, 11, 23, 10),
            pickup_end=local(2026, 11, 23, 12),
        )


def test_the_admins_order_form_shows_the_platform_formats(client, moderator, order):
    client.force_login(moderator)
    response = client.get(reverse("admin:orders_order_change", args=[order.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    shown = {
        "sender_phone": "138 0013 8000",
        "recipient_phone": "0755-88888888",
        "courier_phone": "+852 5123 4567",
        "weight_kg": "1.5 kg",
        "actual_weight_kg": "2 kg",
        "declared_value": "¥500.00",
        "estimate_amount": "¥23.00",
        "fee_amount": "¥25.50",
        "pickup_start": "2026-11-23 10:00",
        "pickup_end": "2026-11-23 12:00",
        "created_at": "2026-11-22 09:05",
    }
    for field, value in shown.items():
        name = f"{field}_shown" if field not in ("pickup_start", "pickup_end", "created_at") else field
        cell = re.search(rf'class="form-row field-{name}">.*?<div class="readonly">(.*?)</div>', html, re.S)
        assert cell is not None, field
        assert cell.group(1) == value, field
    assert "+8613800138000" not in html


def test_the_admins_columns_show_phones_money_and_times_alike(client, moderator, customer):
    client.force_login(moderator)
    Address.objects.create(
        user=customer,
        name="王五",
        phone="+8613912345678",
        province="广东省",
        city="深圳市",
        district="南山区",
    )
    with time_machine.travel(PLACED, tick=False):
        ServiceFeeAnnouncement.objects.create(fee=Decimal("2"), effective_at=PLACED + timedelta(days=7))

    users = client.get(reverse("admin:accounts_user_changelist")).content.decode()
    addresses = client.get(reverse("admin:accounts_address_changelist")).content.decode()
    fees = client.get(reverse("admin:accounts_servicefeeannouncement_changelist")).content.decode()

    assert '<td class="field-phone_shown">138 0013 8000</td>' in users
    assert '<td class="field-phone_shown">139 1234 5678</td>' in addresses
    assert '<th class="field-fee_shown">' in fees and ">¥2.00</a>" in fees
    assert '<td class="field-effective_at nowrap">2026-11-29 09:05</td>' in fees


def test_the_order_page_shows_the_window_with_its_date(client, customer, order):
    client.force_login(customer)
    html = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert "<dd>2026-11-23 10:00–12:00</dd>" in html
    assert "<dd>2026-11-22 09:05</dd>" in html  # placed
    assert "138 0013 8000" in html and "0755-88888888" in html
    assert "1.5 kg" in html and "¥500.00" in html


def _templates() -> list[Path]:
    folders = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    folders += [
        Path(settings.BASE_DIR) / app / "templates" for app in settings.INSTALLED_APPS if "." not in app
    ]
    return sorted(p for folder in folders if folder.exists() for p in folder.rglob("*.html"))


def test_no_template_formats_dates_money_or_weights_by_hand():
    """``|date:'c'`` (machine-readable, for <time datetime>) is the one format a template may name."""
    assert len(_templates()) > 30
    by_hand = re.compile(r"""\|date:(?!["']c["'])|floatformat[^}]*\}\}\s*kg|\{\{\s*[\w.]*currency\s*\}\}""")
    offenders = [
        f"{path.name}: {match.group(0)}"
        for path in _templates()
        for match in by_hand.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_format_filters_need_no_load():
    template = engines["django"].from_string("{{ s|local_window:e }} {{ s|local_date }}")
    assert template.render({"s": local(2026, 11, 23, 10), "e": local(2026, 11, 23, 12)}) == (
        "2026-11-23 10:00–12:00 2026-11-23"
    )
