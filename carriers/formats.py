"""One format per thing, everywhere (pages, admin, notices): phones as 138 0013 8000, money as
¥20.00 / HK$20.00, weights as 1.5 kg, times in Asia/Shanghai with the date.

Plain functions for Python code, and the same as template filters (``format_tags``, a template
builtin: no ``{% load %}`` needed).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

import phonenumbers

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
CURRENCY_SYMBOLS = {"CNY": "¥", "HKD": "HK$"}


def money(amount, currency: str = "CNY") -> str:
    """¥20.00, HK$1234.50; "" for no amount."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return str(amount)
    sign = "-" if value < 0 else ""
    return f"{sign}{CURRENCY_SYMBOLS.get(currency, (currency or '') + ' ')}{abs(value):.2f}"


def weight(kg) -> str:
    """1.5 kg, 2 kg, 0.25 kg: no trailing zeros."""
    if kg is None or kg == "":
        return ""
    try:
        value = Decimal(str(kg))
    except InvalidOperation:
        return str(kg)
    text = format(value.normalize(), "f")
    return f"{text} kg"


def phone(value: str | None) -> str:
    """How people write a stored number: 138 0013 8000, 0755-8888 8888, +852 5123 4567."""
    if not value:
        return ""
    if value.startswith("+86-"):  # mainland landline, stored as +86-area-number
        _country, area, number = value.split("-", 2)
        return f"0{area}-{number}"
    try:
        parsed = phonenumbers.parse(value, None if value.startswith("+") else "CN")
    except phonenumbers.NumberParseException:
        return value
    if not phonenumbers.is_possible_number(parsed):
        return value
    style = phonenumbers.PhoneNumberFormat
    return phonenumbers.format_number(
        parsed, style.NATIONAL if parsed.country_code == 86 else style.INTERNATIONAL
    )


def masked_phone(value: str | None) -> str:
    """A phone on paper that others may see (the e-waybill receipt): the area code or first three
    digits and the last four stay, the rest are stars — 138****8000, 0755-****8888, +852 ****4567."""
    if not value:
        return ""
    shown = phone(value)
    digits = [i for i, c in enumerate(shown) if c.isdigit()]
    if value.startswith("+86-"):  # landline: the area code stays
        keep_head = shown.index("-") + 1
    elif shown.startswith("+"):  # international: the country code stays
        keep_head = shown.index(" ") + 1 if " " in shown else len(shown) - 4
    else:
        keep_head = digits[2] + 1 if len(digits) > 7 else 0
    keep_tail = digits[-4] if len(digits) >= 4 else len(shown)
    middle = "".join("*" for c in shown[keep_head:keep_tail] if c.isdigit())
    return shown[:keep_head] + middle + shown[keep_tail:]


def _local(value: datetime) -> datetime:
    return value.astimezone(LOCAL_TZ) if value.tzinfo is not None else value


def local_time(value: datetime | None) -> str:
    """2026-11-23 10:00, in Asia/Shanghai."""
    if value is None or value == "":
        return ""
    return _local(value).strftime("%Y-%m-%d %H:%M")


def local_date(value: datetime | date | None) -> str:
    """2026-11-23: the day in Asia/Shanghai."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = _local(value)
    return value.strftime("%Y-%m-%d")


def local_window(start: datetime | None, end: datetime | None) -> str:
    """A pickup window: 2026-11-23 10:00–12:00, the end's date only when it is another day."""
    if start is None or start == "":
        return ""
    if end is None or end == "":
        return local_time(start)
    shown_end = _local(end).strftime("%H:%M") if local_date(end) == local_date(start) else local_time(end)
    return f"{local_time(start)}–{shown_end}"
