"""Normalising the identifiers people log in with: a mainland or Hong Kong mobile, or an e-mail."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

MOBILE_REGIONS = ("CN", "HK")


def normalize_mobile(raw: str) -> str | None:
    """Return the E.164 form of a mainland or Hong Kong mobile number, or None."""
    text = (raw or "").strip().replace(" ", "").replace("-", "")
    if not text:
        return None
    for region in MOBILE_REGIONS:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if not phonenumbers.is_valid_number(number):
            continue
        if phonenumbers.region_code_for_number(number) not in MOBILE_REGIONS:
            continue
        if phonenumbers.number_type(number) not in (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        ):
            continue
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def normalize_email(raw: str) -> str | None:
    text = (raw or "").strip().lower()
    if not text:
        return None
    try:
        validate_email(text)
    except ValidationError:
        return None
    return text


def normalize_login(raw: str) -> str:
    """The canonical username for a phone or e-mail; raises ValidationError if it is neither."""
    if "@" in (raw or ""):
        email = normalize_email(raw)
        if email:
            return email
        raise ValidationError(_("Enter a valid e-mail address."), code="invalid_email")
    phone = normalize_mobile(raw)
    if phone:
        return phone
    raise ValidationError(
        _("Enter a mainland China or Hong Kong mobile number, or an e-mail address."),
        code="invalid_login",
    )


def normalize_contact_phone(raw: str) -> str | None:
    """A phone a courier can call: a mobile (E.164), a mainland landline (+86-area-number) or a
    Hong Kong fixed line (E.164). None when it is none of these.

    Landlines keep their area code visible because that is how couriers and carriers' systems
    expect them (the same form the booking API uses).
    """
    mobile = normalize_mobile(raw)
    if mobile:
        return mobile
    text = (raw or "").strip().replace(" ", "").replace("-", "")
    if not text:
        return None
    for region in MOBILE_REGIONS:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if not phonenumbers.is_valid_number(number):
            continue
        if phonenumbers.region_code_for_number(number) != region:
            continue
        if phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.FIXED_LINE:
            continue
        if region == "HK":
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        national = phonenumbers.national_significant_number(number)
        area = phonenumbers.length_of_geographical_area_code(number)
        return f"+86-{national[:area]}-{national[area:]}"
    return None
