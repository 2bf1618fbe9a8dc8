"""Correcting the profile and contact details (000 8.3)."""

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.names import validate_visible_name

from .common import Errors, add_error, contacts_clean, taken_error

PROFILE_FIELDS = ("display_name", "phone", "email", "language")


@transaction.atomic
def profile_update(*, user: User, data: Mapping[str, Any]) -> User:
    """Correct the profile and contact details (000 8.3). Keys absent from ``data`` are kept.

    The login follows the contact details: it is the mobile number, or the e-mail address when
    there is no number, so a number given up can no longer be used to reach this account.
    """
    unknown = set(data) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"profile_update got unknown fields: {sorted(unknown)}")
    errors: Errors = {}
    phone, email = contacts_clean(
        phone=data.get("phone", user.phone),
        email=data.get("email", user.email),
        exclude=user,
        errors=errors,
        required_message=_("Keep a mobile number or an e-mail address: you log in with it."),
    )
    display_name = (data.get("display_name", user.display_name) or "").strip()
    if display_name:
        try:
            display_name = validate_visible_name(display_name)
        except ValidationError as exc:
            errors.setdefault("display_name", []).append(exc)
    name_limit = User._meta.get_field("display_name").max_length
    if len(display_name) > name_limit:
        add_error(
            errors, "display_name", _("Use at most %(limit)d characters."), "max_length", limit=name_limit
        )
    language = data.get("language", user.language) or ""
    if language and language not in {code for code, _name in settings.LANGUAGES}:
        add_error(errors, "language", _("Choose one of the offered languages."), "invalid")
    if errors:
        raise ValidationError(errors)

    new = {
        "display_name": display_name,
        "phone": phone,
        "email": email,
        "language": language,
        "username": phone or email,
    }
    changed = [field for field, value in new.items() if getattr(user, field) != value]
    if not changed:
        return user
    for field in changed:
        setattr(user, field, new[field])
    try:
        with transaction.atomic():
            user.save(update_fields=changed)
    except IntegrityError:
        user.refresh_from_db()
        raise taken_error(phone if "phone" in changed else None) from None
    return user
