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
