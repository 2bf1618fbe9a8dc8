"""The rules of a booking's fields (DESIGN §3.2, §7.3), as plain functions.

The API serializers and the booking page's form both call these, so a rule and its message live in
one place. Each raises ``django.core.exceptions.ValidationError`` with a translated message (Chinese
by default); the multi-field ones raise a dict keyed by the part that is wrong.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carriers import regions
from carriers.models import Carrier, PricingKind
from carriers.services.configuration import CarrierConfig
from carriers.services.quotes import PICKUP_LEAD
from orders.clock import local_date, start_of_local_day

# The form offered windows starting at least PICKUP_LEAD from now; it was filled a moment ago.
PICKUP_START_GRACE = timedelta(minutes=5)
# A courier cannot be promised for less than this (DESIGN §4).
PICKUP_MIN_LENGTH = timedelta(hours=1)
# Pickup can be booked for today, tomorrow or the day after (§3.2).
PICKUP_DAYS_AHEAD = 2

_PHONE_SEPARATORS = re.compile(r"[\s\-()（）.]")
_POSTCODE_ONLY = re.compile(r"^(?:邮编|郵編|郵遞區號|邮政编码|郵政編碼|postcode|zip)?[:：]?\d{4,6}$", re.I)
_PO_BOX = re.compile(r"p\.?\s*o\.?\s*box|\bg\.?p\.?o\.?\s*box|邮政信箱|郵政信箱|信箱", re.I)

PHONE_MESSAGE = _(
    "Enter a valid phone number: a mainland mobile number, a landline with its area code, "
    "or a Hong Kong number."
)


def validate_contact_phone(raw: str) -> str:
    """A mainland mobile, a mainland landline with its area code, or a Hong Kong number.

    Returns the normalised form: E.164 for mobiles and Hong Kong numbers (``+8613800138000``,
    ``+85291234567``), ``+86-<area>-<number>`` for mainland landlines (``+86-755-88888888``).
    """
    text = _PHONE_SEPARATORS.sub("", str(raw or ""))
    if not text or len(text) > 20:
        raise ValidationError(PHONE_MESSAGE, code="invalid_phone")
    candidates = [text]
    if not text.startswith(("+", "0")):
        if text.startswith("86") and len(text) == 13:  # 8613800138000 typed without the +
            candidates.append("+" + text)
        if text.startswith("852") and len(text) == 11:
            candidates.append("+" + text)
    number = None
    for candidate in candidates:
        for region in ("CN", "HK"):  # a bare 8-digit number is Hong Kong, not a mainland landline
            try:
                parsed = phonenumbers.parse(candidate, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(parsed):
                number = parsed
                break
        if number is not None:
            break
    if number is None:
        raise ValidationError(PHONE_MESSAGE, code="invalid_phone")

    kind = phonenumbers.number_type(number)
    fixed = {phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
    mobile = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
    if number.country_code == 852 and kind in fixed | mobile:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if number.country_code == 86 and kind in mobile:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if number.country_code == 86 and kind == phonenumbers.PhoneNumberType.FIXED_LINE:
        national = str(number.national_number)
        area = phonenumbers.length_of_geographical_area_code(number)
        if area:
            return f"+86-{national[:area]}-{national[area:]}"
    raise ValidationError(PHONE_MESSAGE, code="invalid_phone")


def validate_region(province: str, city: str, district: str) -> regions.Place:
    """A province / city / district that exist together; returns their canonical names.

    Raises a dict keyed by the first level that is wrong (``province``, ``city`` or ``district``).
    """
    if regions.is_valid(province, city, district):
        return regions.canonical_place(province, city, district)
    city = (city or "").strip()
    if regions.province_code(province) is None:
        field, message = "province", _("Choose a province from the list.")
    elif city not in regions.cities(province) and city not in regions.DIRECTLY_GOVERNED_ALIASES:
        field, message = "city", _("This city is not in the province chosen.")
    else:
        field, message = "district", _("This district is not in the city chosen.")
    raise ValidationError({field: ValidationError(message, code=f"unknown_{field}")})


def validate_address_detail(value: str) -> str:
    """Street, building and door number; a postcode or a PO box alone is not an address (003 §8a)."""
    text = (value or "").strip()
    if not text:
        raise ValidationError(_("Enter the street address."), code="required")
    if _POSTCODE_ONLY.match(re.sub(r"\s", "", text)):
        raise ValidationError(
            _("A postcode alone is not an address: enter the street, building and door number."),
            code="postcode_only",
        )
    if _PO_BOX.search(text):
        raise ValidationError(
            _("Parcels cannot be collected from or delivered to a PO box: enter a street address."),
            code="po_box",
        )
    return text


def validate_pickup_window(start: datetime, end: datetime, now: datetime | None = None) -> None:
    """Today, tomorrow or the day after (Asia/Shanghai), at least an hour long, and starting no
    sooner than an hour from now (DESIGN §4).

    Raises a dict keyed by ``start`` or ``end``. Whether the window suits a carrier's hours is part
    of that carrier's eligibility, not of this rule.
    """
    now = now or timezone.now()
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValidationError(
            {"start": ValidationError(_("Give the pickup time with its time zone."), code="naive")}
        )
    if end <= start:
        raise ValidationError(
            {
                "end": ValidationError(
                    _("The pickup window must end after it starts."), code="end_before_start"
                )
            }
        )
    if end - start < PICKUP_MIN_LENGTH:
        raise ValidationError(
            {"end": ValidationError(_("The pickup window must be at least one hour long."), code="too_short")}
        )
    if start < now - PICKUP_START_GRACE:
        raise ValidationError(
            {"start": ValidationError(_("The pickup window cannot start in the past."), code="in_past")}
        )
    if start < now + PICKUP_LEAD - PICKUP_START_GRACE:
        raise ValidationError(
            {
                "start": ValidationError(
                    _("The pickup window must start at least an hour from now: choose a later time."),
                    code="too_soon",
                )
            }
        )
    last_day = local_date(now) + timedelta(days=PICKUP_DAYS_AHEAD)
    too_far = ValidationError(
        _("Pickup can be booked for today, tomorrow or the day after tomorrow."), code="too_far"
    )
    if local_date(start) > last_day:
        raise ValidationError({"start": too_far})
    if end > start_of_local_day(last_day + timedelta(days=1)):
        raise ValidationError({"end": too_far})


def validate_weight_kg(value: Decimal) -> None:
    if value is None or value <= 0:
        raise ValidationError(_("The weight must be more than 0 kg."), code="not_positive")


def validate_dimension_cm(value: Decimal) -> None:
    if value is None or value <= 0:
        raise ValidationError(_("Each side must be more than 0 cm."), code="not_positive")


def validate_quantity(value: int) -> None:
    if value is None or value < 1:
        raise ValidationError(_("The parcel must hold at least one item."), code="min_quantity")


def validate_declared_value(value: Decimal) -> None:
    if value is None or value < 0:
        raise ValidationError(_("The declared value cannot be negative."), code="negative")


def validate_insured_value(*, insured: bool, declared_value: Decimal | None) -> None:
    """Insurance (保价) covers the declared value, so insuring needs one above 0; raises by field."""
    if insured and not (declared_value and declared_value > 0):
        raise ValidationError(
            {
                "declared_value": ValidationError(
                    _("Enter the declared value of the goods to insure them."), code="insured_without_value"
                )
            }
        )


# The contract terms are accepted by sending the version read (DESIGN §4); no version, no booking.
CONTRACT_NOT_ACCEPTED = _("Accept the carrier's contract terms.")


def validate_description(value: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError(_("Describe what is in the parcel."), code="required")
    return text


def validate_bag_terms(
    *, carrier: Carrier | CarrierConfig, receipt_attested: bool, surcharge_accepted: bool
) -> None:
    """A bag-priced carrier (hk-bag, 003 §9b) needs both attestations; raises a dict by field."""
    if carrier.pricing != PricingKind.BAG:
        return
    errors = {}
    if not receipt_attested:
        errors["receipt_attested"] = ValidationError(
            _("Confirm that the sale receipt is in the bag."), code="receipt_not_attested"
        )
    if not surcharge_accepted:
        errors["surcharge_accepted"] = ValidationError(
            _(
                "Accept the surcharge: if it is refused the parcel is not shipped and the freight "
                "is not refunded."
            ),
            code="surcharge_not_accepted",
        )
    if errors:
        raise ValidationError(errors)
