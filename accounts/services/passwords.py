"""Password change and reset by a 6-digit code (DESIGN §6, 000 2.2).

A reset request answers the same whether or not the account exists; the code goes to the phone
(SMS) or e-mail address the user typed, through the notification channels, after commit. Only a
keyed digest of the code is stored. A right code sets the new password, lifts every lockout on the
account and ends its other sessions and tokens.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token

from accounts.identifiers import normalize_login
from accounts.models import LoginGuard, PasswordResetCode, User
from accounts.tasks import send_password_reset_code

from .login import user_login_digests

CODE_DIGITS = 6


def _code_digest(code: str, *, user_id: int) -> str:
    key = f"password-reset:{settings.SECRET_KEY}".encode()
    return hmac.new(key, f"{user_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _user_for(login: str) -> User | None:
    try:
        canonical = normalize_login(login)
    except ValidationError:
        return None
    return User.objects.filter(Q(username=canonical) | Q(phone=canonical) | Q(email=canonical)).first()


def _new_password_check(password: str, *, user: User | None) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.error_list}) from None


def credentials_revoke(*, user: User, keep_token: str | None = None) -> None:
    """End the user's other sessions and API tokens after a password change or reset.

    Sessions end by themselves: Django checks a hash of the password stored in each session, so
    every session but the one the caller refreshes (``update_session_auth_hash``) is logged out.
    """
    tokens = Token.objects.filter(user=user)
    if keep_token:
        tokens = tokens.exclude(key=keep_token)
    tokens.delete()


def password_change(
    *, user: User, old_password: str, new_password: str, keep_token: str | None = None
) -> User:
    """Change a password; the old one is required. Other sessions and tokens are revoked."""
    if not user.check_password(old_password):
        raise ValidationError(
            {"old_password": _("The current password is incorrect.")}, code="wrong_password"
        )
    _new_password_check(new_password, user=user)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        credentials_revoke(user=user, keep_token=keep_token)
    return user


def password_reset_request(*, login: str) -> None:
    """Send a reset code to ``login`` if it is an account's phone or e-mail; silently nothing otherwise."""
    user = _user_for(login)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    if user is None or not user.is_active:
        _code_digest(code, user_id=0)  # the same work as for a real account
        return
    channel = "email" if "@" in normalize_login(login) else "sms"
    now = timezone.now()
    with transaction.atomic():
        # One live code per account: a new request replaces the previous code.
        PasswordResetCode.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
        reset = PasswordResetCode.objects.create(
            user=user,
            code_digest=_code_digest(code, user_id=user.pk),
            sent_to=channel,
            created_at=now,
            expires_at=now + timedelta(minutes=settings.PASSWORD_RESET_CODE_MINUTES),
        )
        transaction.on_commit(lambda: send_password_reset_code.delay(reset.pk, code))


def _wrong_code() -> ValidationError:
    return ValidationError(
        {"code": _("The code is wrong or has expired. Request a new code if you need one.")},
        code="invalid_code",
    )


def password_reset_confirm(*, login: str, code: str, new_password: str) -> User:
    """Set a new password with a code from ``password_reset_request``.

    A wrong code uses up one of the tries; unknown accounts, expired, used-up and wrong codes all
    get the same error.
    """
    user = _user_for(login)
    code = (code or "").strip()
    if user is None:
        _code_digest(code, user_id=0)
        raise _wrong_code()
    with transaction.atomic():
        reset = (
            PasswordResetCode.objects.select_for_update()
            .filter(user=user, used_at__isnull=True, expires_at__gt=timezone.now())
            .filter(tries__lt=settings.PASSWORD_RESET_CODE_TRIES)
            .order_by("-created_at", "-id")
            .first()
        )
        matches = reset is not None and hmac.compare_digest(
            reset.code_digest, _code_digest(code, user_id=user.pk)
        )
        if reset is not None and not matches:
            reset.tries += 1
            reset.save(update_fields=["tries"])
    if not matches:
        raise _wrong_code()
    _new_password_check(new_password, user=user)
    with transaction.atomic():
        # Only one of two parallel confirmations with the right code sets the password.
        if not PasswordResetCode.objects.filter(pk=reset.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        ):
            raise _wrong_code()
        user.set_password(new_password)
        user.save(update_fields=["password"])
        credentials_revoke(user=user)
        LoginGuard.objects.filter(login_digest__in=user_login_digests(user)).delete()
    return user
