"""Form pieces for regions: the cascading province / city / district selects every page uses
(booking, the home page's estimate, the address book), so a region chosen anywhere is one the
platform's region table knows."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from . import regions

LEVELS = ("province", "city", "district")
PLACEHOLDERS = {"province": _("Province"), "city": _("City"), "district": _("District")}


class RegionSelect(forms.Select):
    """A province / city / district select that booking.js fills from /carriers/regions/."""

    def __init__(self, level: str, party: str):
        super().__init__(attrs={"data-region": level, "data-party": party})


def region_options(province: str | None, city: str | None) -> list[str]:
    """The provinces (no province), a province's cities (no city) or a city's districts."""
    if province is None:
        return regions.provinces()
    if city is None:
        return regions.cities(province)
    return regions.districts(province, city)


def region_choices_set(form: forms.Form, fields: tuple[str, str, str], *, keep_sent: bool = False) -> None:
    """Render the three selects of ``fields`` (province, city, district field names) with the
    options of what is filled in, so the page works without JavaScript. ``keep_sent`` keeps a
    value that is not an option (a hand-typed region), so its error shows next to it."""

    def current(name: str) -> str:
        if form.is_bound:
            return (form.data.get(form.add_prefix(name)) or "").strip()
        return str(form.initial.get(name) or form.fields[name].initial or "")

    province, city = current(fields[0]), current(fields[1])
    options = (
        region_options(None, None),
        region_options(province, None) if province else [],
        region_options(province, city) if province and city else [],
    )
    for level, name, names in zip(LEVELS, fields, options, strict=True):
        names = list(names)
        value = current(name)
        if keep_sent and value and value not in names:
            names.append(value)
        form.fields[name].widget.choices = [("", PLACEHOLDERS[level]), *((n, n) for n in names)]
