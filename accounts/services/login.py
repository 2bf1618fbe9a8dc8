"""Password login and its lockout (DESIGN §6): every way of logging in goes through ``login_attempt``.

Failures are counted per (client IP, login) in a ``LoginGuard`` row that is locked and counted
*before* the password is checked: of any number of parallel attempts, at most
``LOGIN_FAILURE_LIMIT`` reach the password check until one succeeds or the lock expires. A locked
login answers exactly like a wrong password, and an unknown login goes through the same steps as a
known one, so the answers tell nobody which accounts exist. The lock is per IP, so guessing from
elsewhere never locks the owner out; a password reset clears it everywhere.

django-axes was weighed: it counts a failure after the password check, so parallel attempts all
get checked before the first failure is written. The per-IP rate limit is DRF's throttle
(``accounts.throttles``), used by the token endpoint and the login page alike.
"""

import hashlib
import hmac
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.identifiers import normalize_login
from accounts.models import LoginGuard, User
from accounts.request_meta import client_ip


class LoginError(Exception):
    """A refused login. ``message`` is translated into the active language when read."""

    @property
    def message(self) -> str:
        raise NotImplementedError

    def __str__(self) -> str:
        return str(self.message)


class InvalidCredentials(LoginError):
    """Wrong login or password, or too many failures: deliberately one answer for all three."""

    @property
    def message(self) -> str:
        return str(_("The mobile number / e-mail or the password is incorrect."))


def login_digest(login: str) -> str:
    """A keyed digest of a login, as the lockout stores it (no phone or e-mail in that table)."""
    try:
        canonical = normalize_login(login)
    except ValidationError:
        canonical = (login or "").strip().lower()
    key = f"login-guard:{settings.SECRET_KEY}".encode()
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


def login_guard_admit(*, ip: str, digest: str) -> bool:
    """Count one attempt for (ip, login) before its password is checked; False while locked.

    The count is written and committed before the check, so a failure needs no second write and
    parallel attempts see each other's counts.
    """
    LoginGuard.objects.bulk_create([LoginGuard(ip=ip, login_digest=digest)], ignore_conflicts=True)
    now = timezone.now()
    with transaction.atomic():
        guard = LoginGuard.objects.select_for_update().get(ip=ip, login_digest=digest)
        if guard.locked_until is not None:
            if guard.locked_until > now:
                return False
            guard.failures, guard.locked_until = 0, None  # the lock expired: a new series
        guard.failures += 1
        if guard.failures >= settings.LOGIN_FAILURE_LIMIT:
            # This attempt is the last one admitted; if it fails too, the lock stands.
            guard.locked_until = now + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        guard.save(update_fields=["failures", "locked_until", "updated_at"])
    return True


def login_guard_clear(*, digest: str, ip: str | None = None) -> int:
    """Forget the failures of a login: from one IP after a good password, everywhere after a reset."""
    guards = LoginGuard.objects.filter(login_digest=digest)
    if ip is not None:
        guards = guards.filter(ip=ip)
    return guards.delete()[0]


def user_login_digests(user: User) -> list[str]:
    return [login_digest(value) for value in {user.username, user.phone, user.email} if value]


def login_password_check(*, login: str, password: str, request: HttpRequest | None) -> User | None:
    """The guarded password check behind ``authenticate()`` (so the admin login is guarded too).

    Returns the user for a right password of an active, unlocked login; ``None`` otherwise, after
    the same work whether the login is unknown, locked or known.
    """
    ip = (client_ip(request) if request is not None else None) or ""
    digest = login_digest(login)
    if not login_guard_admit(ip=ip, digest=digest):
        make_password(password)  # the time a password check takes, so a lock cannot be told apart
        return None
    try:
        canonical = normalize_login(login)
    except ValidationError:
        make_password(password)
        return None
    user = User.objects.filter(Q(username=canonical) | Q(phone=canonical) | Q(email=canonical)).first()
    if user is None:
        make_password(password)  # same work whether or not the account exists
        return None
    if not (user.check_password(password) and user.is_active):
        return None
    login_guard_clear(digest=digest, ip=ip)
    return user


def login_attempt(*, login: str, password: str, request: HttpRequest | None = None) -> User:
    """Check a password login (page and API token). Raises ``InvalidCredentials`` for every refusal."""
    user = authenticate(request, username=login, password=password)
    if user is None:
        raise InvalidCredentials()
    login_success_register(user=user)
    return user


def login_success_register(*, user: User) -> User:
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    return user


def user_unlock(*, user: User) -> int:
    """Lift every lockout on the user's logins (admin action). Returns how many were lifted."""
    return LoginGuard.objects.filter(login_digest__in=user_login_digests(user)).delete()[0]
