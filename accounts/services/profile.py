"""Correcting the profile, the contact details and the channels notices use (000 8.3)."""

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import NOTIFICATION_CHANNEL_DEFAULTS, NOTIFICATION_CHANNELS, ContactField, User
from accounts.names import validate_visible_name
from accounts.selectors import contact_changes_pending

from .common import Errors, add_error, contacts_clean, taken_error
from .contacts import contact_change_request

_KEEP_ONE = _("Keep a mobile number or an e-mail address: you log in with it.")

PROFILE_FIELDS = ("display_name", "phone", "email", "language", "notification_channels")


def _channels_clean(value: Any, *, current: Mapping[str, bool], errors: Errors) -> dict[str, bool]:
    if not isinstance(value, Mapping) or set(value) - set(NOTIFICATION_CHANNELS):
        add_error(errors, "notification_channels", _("Choose among SMS, e-mail, push and WeChat."), "invalid")
        return dict(current)
    if not all(isinstance(on, bool) for on in value.values()):
        add_error(errors, "notification_channels", _("Each channel is on or off."), "invalid")
        return dict(current)
    return {
        channel: value.get(channel, current.get(channel, default))
        for channel, default in (NOTIFICATION_CHANNEL_DEFAULTS.items())
    }


@transaction.atomic
def profile_update(*, user: User, data: Mapping[str, Any]) -> User:
    """Correct the profile, contact details and notice channels (000 8.3). Keys absent from
    ``data`` are kept.

    A new mobile number or e-mail address does not take effect here: a code is sent to it and
    ``contact_change_confirm`` applies it (``contact_changes_pending`` lists what waits). Removing
    one applies at once as long as the other stays, since people log in with them; the login
    follows the contact details (the mobile number, or the e-mail address when there is none).
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
        required_message=_KEEP_ONE,
    )
    # New values wait for their code; until then the account keeps the ones it has.
    to_confirm = {
        field: value
        for field, value in ((ContactField.PHONE, phone), (ContactField.EMAIL, email))
        if value and value != getattr(user, field)
    }
    kept_phone = user.phone if ContactField.PHONE in to_confirm else phone
    kept_email = user.email if ContactField.EMAIL in to_confirm else email
    if not (kept_phone or kept_email) and "phone" not in errors:
        add_error(errors, "phone", _KEEP_ONE, "required")
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
    current_channels = {**NOTIFICATION_CHANNEL_DEFAULTS, **(user.notification_channels or {})}
    channels = current_channels
    if "notification_channels" in data:
        channels = _channels_clean(data["notification_channels"], current=current_channels, errors=errors)
    if errors:
        raise ValidationError(errors)

    new = {
        "display_name": display_name,
        "phone": kept_phone,
        "email": kept_email,
        "language": language,
        "notification_channels": channels,
        "username": kept_phone or kept_email,
    }
    changed = [field for field, value in new.items() if getattr(user, field) != value]
    for field in changed:
        setattr(user, field, new[field])
    if changed:
        try:
            with transaction.atomic():
                user.save(update_fields=changed)
        except IntegrityError:
            user.refresh_from_db()
            raise taken_error(kept_phone if "phone" in changed else None) from None
    for field, value in to_confirm.items():
        pending = contact_changes_pending(user=user)
        if pending[field] != value:  # saving the same form again does not send another code
            contact_change_request(user=user, field=field, value=value)
    return user
