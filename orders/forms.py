"""Forms of the order pages.

The booking rules live in the orders validators behind ``ShipmentSerializer``; these forms only lay
the fields out for HTML and hand the values to the serializer, so the page and the API can never
disagree about what a valid shipment is.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlencode

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carriers.models import Payer
from orders.api.serializers import EstimateRequestSerializer, ShipmentSerializer
from orders.models import CancelReason, ItemType

PARTIES = ("sender", "recipient")
PARTY_FIELDS = ("name", "phone", "province", "city", "district", "address")
DIMENSIONS = ("length", "width", "height")
WINDOW_SEPARATOR = "/"
# Customs lines on the booking page (hk-bag): this many rows; the API takes up to 50.
CUSTOMS_ROWS = 5
LINE_FIELDS = ("description", "quantity", "unit_value")


def window_value(start: datetime, end: datetime) -> str:
    """The value of a pickup-window option: both ends in ISO 8601, local time."""
    return f"{timezone.localtime(start).isoformat()}{WINDOW_SEPARATOR}{timezone.localtime(end).isoformat()}"


def window_label(start: datetime, end: datetime, today) -> str:
    start, end = timezone.localtime(start), timezone.localtime(end)
    day = {0: _("Today"), 1: _("Tomorrow"), 2: _("Day after tomorrow")}.get(
        (start.date() - today).days, start.strftime("%m-%d")
    )
    return f"{day} {start:%H:%M}–{end:%H:%M}"


class RegionSelect(forms.Select):
    """A province / city / district select that booking.js fills from /carriers/regions/."""

    def __init__(self, level: str, party: str):
        super().__init__(attrs={"data-region": level, "data-party": party})


class EstimateForm(forms.Form):
    """The home page's question before sign-up: only from, to and weight (DESIGN §4)."""

    from_province = forms.CharField(label=_("Province"), widget=RegionSelect("province", "from"))
    from_city = forms.CharField(label=_("City"), widget=RegionSelect("city", "from"))
    from_district = forms.CharField(label=_("District"), widget=RegionSelect("district", "from"))
    to_province = forms.CharField(label=_("Province"), widget=RegionSelect("province", "to"))
    to_city = forms.CharField(label=_("City"), widget=RegionSelect("city", "to"))
    to_district = forms.CharField(label=_("District"), widget=RegionSelect("district", "to"))
    weight_kg = forms.DecimalField(
        label=_("Weight (kg)"),
        decimal_places=2,
        max_digits=8,
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal", "min": "0.1"}),
    )

    def __init__(self, *args, regions=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.places: dict = {}
        for party in ("from", "to"):
            province = self._current(f"{party}_province")
            city = self._current(f"{party}_city")
            options = {
                "province": regions(None, None) if regions else [],
                "city": regions(province, None) if regions and province else [],
                "district": regions(province, city) if regions and province and city else [],
            }
            placeholders = {"province": _("Province"), "city": _("City"), "district": _("District")}
            for level, names in options.items():
                self.fields[f"{party}_{level}"].widget.choices = [
                    ("", placeholders[level]),
                    *((name, name) for name in names),
                ]

    def _current(self, name: str) -> str:
        if self.is_bound:
            return (self.data.get(self.add_prefix(name)) or "").strip()
        return str(self.initial.get(name) or "")

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        serializer = EstimateRequestSerializer(
            data={
                "from": {level: cleaned[f"from_{level}"] for level in ("province", "city", "district")},
                "to": {level: cleaned[f"to_{level}"] for level in ("province", "city", "district")},
                "weight_kg": str(cleaned["weight_kg"]),
            }
        )
        if serializer.is_valid():
            self.places = serializer.validated_data
            return cleaned
        for head, value in serializer.errors.items():
            nested = value.items() if isinstance(value, dict) else [("", value)]
            for level, messages in nested:
                target = f"{head}_{level}" if level else head
                for message in messages:
                    self.add_error(target if target in self.fields else None, str(message))
        return cleaned

    def booking_query(self) -> str:
        """The booking page's values from this estimate (kept through sign-up)."""
        data = self.places
        values = {"weight_kg": format(data["weight_kg"].normalize(), "f")}
        for party, side in (("sender", "from"), ("recipient", "to")):
            place = data[side]["place"]
            values.update(
                {
                    f"{party}_province": place.province,
                    f"{party}_city": place.city,
                    f"{party}_district": place.district,
                }
            )
        return urlencode(values)


class BookingForm(forms.Form):
    """Sender, recipient, pickup window and parcel, as the API's shipment fields (DESIGN §7.3)."""

    sender_name = forms.CharField(label=_("Name"), max_length=60)
    sender_phone = forms.CharField(
        label=_("Phone"), max_length=24, widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})
    )
    sender_province = forms.CharField(label=_("Province"), widget=RegionSelect("province", "sender"))
    sender_city = forms.CharField(label=_("City"), widget=RegionSelect("city", "sender"))
    sender_district = forms.CharField(label=_("District"), widget=RegionSelect("district", "sender"))
    sender_address = forms.CharField(
        label=_("Street address"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("Street, building, room")}),
    )
    recipient_name = forms.CharField(label=_("Name"), max_length=60)
    recipient_phone = forms.CharField(
        label=_("Phone"), max_length=24, widget=forms.TextInput(attrs={"type": "tel"})
    )
    recipient_province = forms.CharField(label=_("Province"), widget=RegionSelect("province", "recipient"))
    recipient_city = forms.CharField(label=_("City"), widget=RegionSelect("city", "recipient"))
    recipient_district = forms.CharField(label=_("District"), widget=RegionSelect("district", "recipient"))
    recipient_address = forms.CharField(
        label=_("Street address"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("Street, building, room")}),
    )

    pickup_window = forms.CharField(label=_("Pickup time"), widget=forms.Select)

    item_type = forms.ChoiceField(label=_("Item type"), choices=[("", _("Choose a type")), *ItemType.choices])
    description = forms.CharField(
        label=_("What is inside"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. winter coat")}),
    )
    quantity = forms.IntegerField(
        label=_("Number of items"),
        initial=1,
        required=False,  # not given: 1, or with customs lines their total
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    weight_kg = forms.DecimalField(
        label=_("Weight (kg)"),
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )
    length_cm = forms.DecimalField(
        label=_("Length (cm)"), required=False, widget=forms.NumberInput(attrs={"inputmode": "decimal"})
    )
    width_cm = forms.DecimalField(
        label=_("Width (cm)"), required=False, widget=forms.NumberInput(attrs={"inputmode": "decimal"})
    )
    height_cm = forms.DecimalField(
        label=_("Height (cm)"), required=False, widget=forms.NumberInput(attrs={"inputmode": "decimal"})
    )
    declared_value = forms.DecimalField(
        label=_("Declared value"),
        initial=0,
        required=False,  # not given: 0, or with customs lines their sum
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    insured = forms.BooleanField(label=_("Insure this parcel"), required=False)
    original_packaging = forms.BooleanField(label=_("In its original packaging"), required=False)
    keep_upright = forms.BooleanField(label=_("Must be kept upright"), required=False)
    payer = forms.ChoiceField(
        label=_("Who pays the freight"),
        choices=Payer.choices,
        initial=Payer.SENDER,
        required=False,  # not chosen: the sender pays, as the API's default
        widget=forms.RadioSelect,
    )
    # Book again: the order this booking repeats (checked against the user when booking).
    rebooked_from = forms.CharField(required=False, widget=forms.HiddenInput)

    # item_<n>_description / _quantity / _unit_value: the customs lines, added in __init__.

    def __init__(self, *args, windows=(), regions=None, **kwargs):
        """``windows``: (value, label) pickup-window choices; ``regions``: a callable
        (province, city) -> choices used to render the region selects without JavaScript."""
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for row in range(CUSTOMS_ROWS):
            self.fields[f"item_{row}_description"] = forms.CharField(
                label=_("Goods"), max_length=200, required=False
            )
            self.fields[f"item_{row}_quantity"] = forms.IntegerField(
                label=_("Quantity"),
                required=False,
                min_value=1,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "1"}),
            )
            self.fields[f"item_{row}_unit_value"] = forms.DecimalField(
                label=_("Unit value"),
                required=False,
                decimal_places=2,
                widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal", "min": "0"}),
            )
        self.shipment_data: dict | None = None
        self.shipment = None
        self.fields["pickup_window"].widget.choices = [("", _("Choose a time")), *windows]
        for party in PARTIES:
            province = self._current(f"{party}_province")
            city = self._current(f"{party}_city")
            options = {
                "province": regions(None, None) if regions else [],
                "city": regions(province, None) if regions and province else [],
                "district": regions(province, city) if regions and province and city else [],
            }
            placeholders = {"province": _("Province"), "city": _("City"), "district": _("District")}
            for level, names in options.items():
                names = list(names)
                current = self._current(f"{party}_{level}")
                if current and current not in names:  # keep what was sent, to show its error
                    names.append(current)
                self.fields[f"{party}_{level}"].widget.choices = [
                    ("", placeholders[level]),
                    *((name, name) for name in names),
                ]

    def _current(self, name: str) -> str:
        if self.is_bound:
            return (self.data.get(self.add_prefix(name)) or "").strip()
        return str(self.initial.get(name) or self.fields[name].initial or "")

    def payload(self) -> dict:
        """The cleaned values in the shape of the API's shipment fields."""
        data = self.cleaned_data
        out: dict = {party: {f: data.get(f"{party}_{f}", "") for f in PARTY_FIELDS} for party in PARTIES}
        start, _sep, end = (data.get("pickup_window") or "").partition(WINDOW_SEPARATOR)
        out["pickup_window"] = {"start": start, "end": end}
        out.update(
            weight_kg=_str(data.get("weight_kg")),
            item_type=data.get("item_type", ""),
            description=data.get("description", ""),
            quantity=data.get("quantity"),
            declared_value=_str(data.get("declared_value")),
            insured=bool(data.get("insured")),
            # An unticked box says nothing either way: "not stated", not "no".
            original_packaging=data.get("original_packaging") or None,
            keep_upright=data.get("keep_upright") or None,
            payer=data.get("payer") or Payer.SENDER,
        )
        for name in ("quantity", "declared_value"):  # not given: the rules' defaults
            if out[name] is None:
                del out[name]
        dims = {d: data.get(f"{d}_cm") for d in DIMENSIONS}
        if any(v is not None for v in dims.values()):
            out["dimensions_cm"] = {d: _str(v) for d, v in dims.items()}
        items = self.customs_lines()
        if items:
            out["items"] = items
            # The lines' sum and total count, whatever the parcel fields say.
            out.pop("declared_value", None)
            out.pop("quantity", None)
        return out

    def customs_lines(self) -> list[dict]:
        """The filled rows, in order; a row left half empty keeps only what was given, so the rules
        say what is missing."""
        data = getattr(self, "cleaned_data", {})
        lines: list[dict] = []
        rows: list[int] = []
        for row in range(CUSTOMS_ROWS):
            raw = {f: (self.data.get(self.add_prefix(f"item_{row}_{f}")) or "").strip() for f in LINE_FIELDS}
            if not any(raw.values()):
                continue
            line = {}
            for f in LINE_FIELDS:
                value = data.get(f"item_{row}_{f}")
                if value not in (None, ""):
                    line[f] = value if f == "quantity" else str(value)
            lines.append(line)
            rows.append(row)
        self.line_rows = rows  # the form row of each line, to put a line's error on its row
        return lines

    def clean(self):
        cleaned = super().clean()
        payload = self.payload()
        serializer = ShipmentSerializer(data=payload)
        if serializer.is_valid():
            if not self.errors:
                self.shipment_data = payload
                self.shipment = serializer.to_shipment()
            return cleaned
        # Every rule's message next to its field, except where the field itself already
        # complained (a missing value is "required", not also "not a number").
        failed = set(self.errors)
        for field, message in flatten_errors(serializer.errors):
            field = self.line_field(field)
            target = field if field in self.fields else None
            if target not in failed:
                self.add_error(target, message)
        return cleaned

    @property
    def customs_rows(self) -> list[tuple]:
        """(description, quantity, unit value) bound fields of each customs row, for the template."""
        return [tuple(self[f"item_{row}_{f}"] for f in LINE_FIELDS) for row in range(CUSTOMS_ROWS)]

    def line_field(self, field: str | None) -> str | None:
        """``item_<index>_<name>`` of the API's lines → the same on the form row the line came from."""
        match = re.fullmatch(r"item_(\d+)_(\w+)", field or "")
        rows = getattr(self, "line_rows", [])
        if match and int(match[1]) < len(rows):
            return f"item_{rows[int(match[1])]}_{match[2]}"
        return field


def _str(value) -> str | None:
    return None if value is None else str(value)


def flatten_errors(errors, path: tuple[str, ...] = ()) -> list[tuple[str | None, str]]:
    """Serializer errors as (form field name, message): ``sender.phone`` -> ``sender_phone``,
    ``dimensions_cm.length`` -> ``length_cm``, anything else on the pickup window -> that select."""
    out: list[tuple[str | None, str]] = []
    if isinstance(errors, dict):
        for key, value in errors.items():
            out.extend(flatten_errors(value, (*path, str(key))))
        return out
    if isinstance(errors, list | tuple):
        for value in errors:
            out.extend(flatten_errors(value, path))
        return out
    return [(_field_for(path), str(errors))]


def _field_for(path: tuple[str, ...]) -> str | None:
    if not path or path[0] in ("non_field_errors", "__all__"):
        return None
    head = path[0]
    if head in PARTIES and len(path) > 1 and path[1] in PARTY_FIELDS:
        return f"{head}_{path[1]}"
    if head == "pickup_window":
        return "pickup_window"
    if head == "items" and len(path) > 2 and path[1].isdigit():
        return f"item_{path[1]}_{path[2]}"
    if head == "dimensions_cm":
        return f"{path[1]}_cm" if len(path) > 1 and path[1] in DIMENSIONS else "length_cm"
    return head


def initial_from_payload(payload: dict) -> dict:
    """Form initial values from shipment fields (the session copy, or a book-again prefill)."""
    initial: dict = {}
    for key, value in (payload or {}).items():
        if key in PARTIES and isinstance(value, dict):
            for f in PARTY_FIELDS:
                if value.get(f) not in (None, ""):
                    initial[f"{key}_{f}"] = value[f]
        elif key == "dimensions_cm" and isinstance(value, dict):
            for d in DIMENSIONS:
                if value.get(d) not in (None, ""):
                    initial[f"{d}_cm"] = value[d]
        elif key == "items" and isinstance(value, list):
            for row, line in enumerate(value[:CUSTOMS_ROWS]):
                for f in LINE_FIELDS:
                    if isinstance(line, dict) and line.get(f) not in (None, ""):
                        initial[f"item_{row}_{f}"] = line[f]
        elif key == "pickup_window" and isinstance(value, dict):
            if value.get("start") and value.get("end"):
                initial["pickup_window"] = f"{value['start']}{WINDOW_SEPARATOR}{value['end']}"
        elif value is not None:
            initial[key] = value
    return initial


class QuoteChoiceForm(forms.Form):
    """The carrier chosen on the quote page, its terms accepted, and hk-bag's extras."""

    carrier = forms.CharField(error_messages={"required": _("Choose a carrier.")}, widget=forms.RadioSelect)
    contract_version = forms.CharField(required=False, widget=forms.HiddenInput)
    accept_terms = forms.BooleanField(
        error_messages={"required": _("Read and accept the carrier's terms to book.")}
    )
    bag_size = forms.CharField(required=False)
    receipt_attested = forms.BooleanField(required=False)
    surcharge_accepted = forms.BooleanField(required=False)

    def __init__(self, *args, eligible: dict[str, str] | None = None, **kwargs):
        """``eligible``: carrier code -> current contract version of every eligible carrier."""
        super().__init__(*args, **kwargs)
        self.eligible = eligible or {}

    def clean(self):
        cleaned = super().clean()
        code = cleaned.get("carrier")
        if code and code not in self.eligible:
            self.add_error("carrier", _("This carrier cannot take this parcel."))
        elif code:
            # Each carrier's terms box carries the version the user was shown.
            cleaned["contract_version"] = (
                self.data.get(f"contract_version_{code}") or cleaned.get("contract_version") or ""
            )
        return cleaned


class CancelForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why are you cancelling?"), choices=CancelReason.choices)
    confirm = forms.BooleanField(
        label=_("Yes, cancel this pickup. The carrier is told and the courier will not come."),
        error_messages={"required": _("Tick the box to confirm the cancellation.")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
