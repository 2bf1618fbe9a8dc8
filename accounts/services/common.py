"""Shared by the account services: field-keyed errors and the identifiers people log in with."""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.identifiers import normalize_email, normalize_mobile
from accounts.models import User

Errors = dict[str, list[ValidationError]]


def add_error(errors: Errors, field: str, message, code: str, **params) -> None:
    errors.setdefault(field, []).append(ValidationError(message, code=code, params=params or None))


def identifier_taken(value: str, *, exclude: User | None = None) -> bool:
    """Whether another account logs in with ``value`` (as its login, phone or e-mail)."""
    taken = User.objects.filter(Q(username=value) | Q(phone=value) | Q(email=value))
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    return taken.exists()


def contacts_clean(
    *, phone: str | None, email: str | None, exclude: User | None, errors: Errors, required_message
) -> tuple[str | None, str | None]:
    """Normalise a phone / e-mail pair; at least one is needed because people log in with them."""
    phone_n = email_n = None
    if (phone or "").strip():
        phone_n = normalize_mobile(phone)
        if phone_n is None:
            add_error(
                errors, "phone", _("Enter a valid mainland China or Hong Kong mobile number."), "invalid"
            )
        elif identifier_taken(phone_n, exclude=exclude):
            add_error(errors, "phone", _("An account with this mobile number already exists."), "taken")
    if (email or "").strip():
        email_n = normalize_email(email)
        if email_n is None:
            add_error(errors, "email", _("Enter a valid e-mail address."), "invalid")
        elif identifier_taken(email_n, exclude=exclude):
            add_error(errors, "email", _("An account with this e-mail address already exists."), "taken")
    if not (phone or "").strip() and not (email or "").strip():
        add_error(errors, "phone", required_message, "required")
    return phone_n, email_n


def taken_error(phone: str | None) -> ValidationError:
    # A concurrent sign-up or edit won the race between our check and the insert.
    if phone:
        return ValidationError({"phone": _("An account with this mobile number already exists.")})
    return ValidationError({"email": _("An account with this e-mail address already exists.")})
