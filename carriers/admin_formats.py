"""Admin columns and read-only fields in the platform's formats (``carriers.formats``): phones as
138 0013 8000, money as ¥20.00 / HK$20.00, weights as 1.5 kg. Dates and times need nothing here:
``FORMAT_MODULE_PATH`` gives the admin the pages' 2026-11-23 10:00."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin
from django.db import models

from carriers import formats


def shown_phone(model: type[models.Model], field: str) -> Callable:
    """A column showing ``field`` (a stored phone) as people write it."""
    return _shown(model, field, lambda obj: formats.phone(getattr(obj, field)))


def shown_weight(model: type[models.Model], field: str) -> Callable:
    """A column showing ``field`` (kilograms) as 1.5 kg."""
    return _shown(model, field, lambda obj: formats.weight(getattr(obj, field)))


def shown_money(model: type[models.Model], field: str, *, currency: str | None = None) -> Callable:
    """A column showing ``field`` as ¥20.00 / HK$20.00; ``currency`` names the field holding the
    currency code (CNY when None)."""
    return _shown(
        model,
        field,
        lambda obj: formats.money(getattr(obj, field), getattr(obj, currency) if currency else "CNY"),
    )


def _shown(model: type[models.Model], field: str, show: Callable) -> Callable:
    def column(self, obj) -> str:
        return show(obj) or "-"

    column.__name__ = f"{field}_shown"
    return admin.display(description=model._meta.get_field(field).verbose_name, ordering=field)(column)
