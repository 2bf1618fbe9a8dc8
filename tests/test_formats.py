"""One format per thing (carriers.formats): phones, money, weights, times."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.template import Context, Template

from carriers import formats


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+8613800138000", "138 0013 8000"),
        ("13912345678", "139 1234 5678"),
        ("+86-755-88888888", "0755-88888888"),
        ("+85251234567", "+852 5123 4567"),
        ("", ""),
        (None, ""),
    ],
)
def test_phone(stored, shown):
    assert formats.phone(stored) == shown


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+8613800138000", "138****8000"),
        ("13912345678", "139****5678"),
        ("+86-755-88888888", "0755-****8888"),
        ("+86-10-12345678", "010-****5678"),
        ("+85251234567", "+852 ****4567"),
        ("", ""),
        (None, ""),
    ],
)
def test_masked_phone_keeps_the_head_and_the_last_four_digits(stored, shown):
    assert formats.masked_phone(stored) == shown


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (Decimal("20"), "CNY", "¥20.00"),
        ("20.5", "HKD", "HK$20.50"),
        (Decimal("1234.5"), "CNY", "¥1234.50"),
        (None, "CNY", ""),
        (Decimal("3"), "USD", "USD 3.00"),
    ],
)
def test_money(amount, currency, shown):
    assert formats.money(amount, currency) == shown


@pytest.mark.parametrize(
    ("kg", "shown"), [(Decimal("1.50"), "1.5 kg"), (Decimal("2.00"), "2 kg"), ("0.25", "0.25 kg"), (None, "")]
)
def test_weight(kg, shown):
    assert formats.weight(kg) == shown


def test_time_is_shanghai_with_the_date():
    assert formats.local_time(datetime(2026, 11, 22, 23, 30, tzinfo=UTC)) == "2026-11-23 07:30"


def test_filters_are_builtins_of_every_template():
    html = Template("{{ p|phone }} {{ a|money:'HKD' }} {{ w|kg }} {{ t|local_time }}").render(
        Context(
            {
                "p": "+8613800138000",
                "a": Decimal("8"),
                "w": Decimal("1.5"),
                "t": datetime(2026, 1, 1, tzinfo=UTC),
            }
        )
    )
    assert html == "138 0013 8000 HK$8.00 1.5 kg 2026-01-01 08:00"


def test_date_is_the_day_in_shanghai():
    assert formats.local_date(datetime(2026, 11, 22, 16, 30, tzinfo=UTC)) == "2026-11-23"
    assert formats.local_date(None) == ""


@pytest.mark.parametrize(
    ("start", "end", "shown"),
    [
        (
            datetime(2026, 11, 23, 2, tzinfo=UTC),
            datetime(2026, 11, 23, 4, tzinfo=UTC),
            "2026-11-23 10:00–12:00",
        ),
        (
            datetime(2026, 11, 23, 14, tzinfo=UTC),
            datetime(2026, 11, 23, 17, tzinfo=UTC),
            "2026-11-23 22:00–2026-11-24 01:00",
        ),
        (datetime(2026, 11, 23, 2, tzinfo=UTC), None, "2026-11-23 10:00"),
        (None, None, ""),
    ],
)
def test_a_window_shows_its_date_once(start, end, shown):
    assert formats.local_window(start, end) == shown
