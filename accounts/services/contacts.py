"""A new mobile number or e-mail address takes effect once confirmed (DESIGN §7.3, 000 8.3).

``PATCH /api/v1/me/`` and the account page ask for the change; a 6-digit code goes to the NEW
number or address (so nobody can attach someone else's number to an account, or lose theirs to a
typo); ``contact_change_confirm`` with that code makes it the account's contact detail and login.
Only a keyed digest of the code is stored; it is valid for ``CONTACT_CODE_MINUTES`` and
``CONTACT_CODE_TRIES`` wrong guesses, and an account gets at most ``CONTACT_CODES_PER_HOUR``
codes an hour (each one is an SMS or an e-mail to an address the user typed).
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import ContactChange, ContactField, User
from accounts.tasks import send_contact_code

from .common import identifier_taken, taken_error

CODE_DIGITS = 6


def _code_digest(code: str, *, user_id: int, field: str, value: str) -> str:
    key = f"contact-change:{settings.SECRET_KEY}".encode()
    return hmac.new(key, f"{user_id}:{field}:{value}:{code}".encode(), hashlib.sha256).hexdigest()


def _taken(field: str, value: str) -> ValidationError:
    return taken_error(value if field == ContactField.PHONE else None)


def contact_change_request(*, user: User, field: str, value: str) -> ContactChange:
    """Send a code to ``value``, the new (normalised) phone number or e-mail address of ``user``.

    A newer request for the same field replaces the older one. Called inside ``profile_update``'s
    transaction; the code leaves after commit.
    """
    if field not in ContactField.values:
        raise ValueError(f"unknown contact field {field!r}")
    now = timezone.now()
    recent = ContactChange.objects.filter(user=user, created_at__gt=now - timedelta(hours=1)).count()
    if recent >= settings.CONTACT_CODES_PER_HOUR:
        raise ValidationError(
            {field: _("Too many confirmation codes were sent in the last hour. Try again later.")},
            code="throttled",
        )
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    ContactChange.objects.filter(user=user, field=field, used_at__isnull=True).update(used_at=now)
    change = ContactChange.objects.create(
        user=user,
        field=field,
        new_value=value,
        code_digest=_code_digest(code, user_id=user.pk, field=field, value=value),
        created_at=now,
        expires_at=now + timedelta(minutes=settings.CONTACT_CODE_MINUTES),
    )
    transaction.on_commit(lambda: send_contact_code.delay(change.pk, code))
    return change


def _wrong_code() -> ValidationError:
    return ValidationError(
        {"code": _("The code is wrong or has expired. Save the new contact detail again for a new code.")},
        code="invalid_code",
    )


def contact_change_confirm(*, user: User, field: str, code: str) -> User:
    """Make the pending ``field`` change of ``user`` theirs, given the code sent to the new value.

    A wrong code uses up one try; wrong, expired, used-up and missing codes get the same error.
    The login follows the contact details, as in ``profile_update``.
    """
    if field not in ContactField.values:
        raise ValidationError({"field": _("Choose phone or email.")}, code="invalid")
    code = (code or "").strip()
    with transaction.atomic():
        change = (
            ContactChange.objects.select_for_update()
            .filter(user=user, field=field, used_at__isnull=True, expires_at__gt=timezone.now())
            .filter(tries__lt=settings.CONTACT_CODE_TRIES)
            .order_by("-created_at", "-id")
            .first()
        )
        matches = change is not None and hmac.compare_digest(
            change.code_digest, _code_digest(code, user_id=user.pk, field=field, value=change.new_value)
        )
        if change is not None and not matches:
            change.tries += 1
            change.save(update_fields=["tries"])
    if not matches:
        raise _wrong_code()
    with transaction.atomic():
        # Only one of two parallel confirmations with the right code applies it.
        if not ContactChange.objects.filter(pk=change.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        ):
            raise _wrong_code()
        if identifier_taken(change.new_value, exclude=user):
            raise _taken(field, change.new_value)
        user = User.objects.select_for_update().get(pk=user.pk)
        setattr(user, field, change.new_value)
        user.username = user.phone or user.email
        try:
            with transaction.atomic():
                user.save(update_fields=[field, "username"])
        except IntegrityError:
            raise _taken(field, change.new_value) from None
    return user
