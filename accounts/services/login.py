"""Password login and its lockout (ours): every way of logging in goes through ``login_attempt``."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from accounts.identifiers import normalize_login
from accounts.models import User


class LoginError(Exception):
    """A refused login. ``message`` is translated into the active language when read."""

    @property
    def message(self) -> str:
        raise NotImplementedError

    def __str__(self) -> str:
        return str(self.message)


class InvalidCredentials(LoginError):
    @property
    def message(self) -> str:
        return str(_("The mobile number / e-mail or the password is incorrect."))


class AccountLocked(LoginError):
    def __init__(self, *, until: datetime):
        super().__init__()
        self.until = until

    @property
    def message(self) -> str:
        return str(
            _("Too many failed attempts: this account is locked until %(until)s. Please try again later.")
            % {"until": formats.date_format(timezone.localtime(self.until), "Y-m-d H:i")}
        )


def _user_for_login(login: str) -> User | None:
    return User.objects.filter(Q(username=login) | Q(phone=login) | Q(email=login)).first()


def login_attempt(*, login: str, password: str, request: HttpRequest | None = None) -> User:
    """Check a password login; every way of logging in (page, API token) goes through here.

    Raises ``AccountLocked`` while the account is locked (without checking the password, so a
    locked account cannot be guessed at) and ``InvalidCredentials`` otherwise. The failure that
    reaches ``LOGIN_FAILURE_LIMIT`` locks the account for ``LOGIN_LOCKOUT_MINUTES``.
    """
    try:
        canonical = normalize_login(login)
    except ValidationError:
        raise InvalidCredentials() from None
    user = _user_for_login(canonical)
    if user is not None and user.locked_until and user.locked_until > timezone.now():
        raise AccountLocked(until=user.locked_until)
    authenticated = authenticate(request, username=canonical, password=password)
    if authenticated is None:
        if user is not None:
            until = login_failure_register(user=user)
            if until is not None:
                raise AccountLocked(until=until)
        raise InvalidCredentials()
    login_success_register(user=authenticated)
    return authenticated


@transaction.atomic
def login_failure_register(*, user: User) -> datetime | None:
    """Count a wrong password. Returns the end of the lock if the account is (now) locked."""
    row = User.objects.select_for_update().get(pk=user.pk)
    now = timezone.now()
    if row.locked_until and row.locked_until > now:
        return row.locked_until  # a parallel attempt locked it first: keep that lock
    row.failed_login_count += 1
    row.locked_until = None
    if row.failed_login_count >= settings.LOGIN_FAILURE_LIMIT:
        row.locked_until = now + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        row.failed_login_count = 0  # the next lock needs a full series of failures again
    row.save(update_fields=["failed_login_count", "locked_until"])
    user.failed_login_count, user.locked_until = row.failed_login_count, row.locked_until
    return row.locked_until


def login_success_register(*, user: User) -> User:
    """A good password clears the failure count and records the login time."""
    user.failed_login_count = 0
    user.locked_until = None
    user.last_login = timezone.now()
    user.save(update_fields=["failed_login_count", "locked_until", "last_login"])
    return user


def user_unlock(*, user: User) -> User:
    """Lift a lockout (admin action)."""
    user.failed_login_count = 0
    user.locked_until = None
    user.save(update_fields=["failed_login_count", "locked_until"])
    return user
