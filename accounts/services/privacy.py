"""Privacy (查询、更正、删除、注销; DESIGN §6): export all of a user's data, delete or terminate an account.

Other apps hold data about users too (orders, reviews). They plug in through two settings rather
than being imported here (they depend on accounts, not the other way round):

- ``ACCOUNT_DATA_EXPORTERS``: ``{"section": "dotted.path"}``, each ``f(*, user) -> JSON value``;
- ``ACCOUNT_DATA_ERASERS``: dotted paths, each ``f(*, user, needles, by)``, run in the deletion's
  transaction before the account's own rows go: they cancel what is open (orders reach the carrier
  through the outbox) and anonymise what must be kept, using ``scrub`` with ``needles`` (the
  user's name, phone numbers, e-mail and addresses).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token

from accounts.models import (
    Address,
    AgreementAcceptance,
    ContactChange,
    Feedback,
    LoginGuard,
    PasswordResetCode,
    Restriction,
    User,
    Violation,
    ViolationKind,
)
from accounts.sessions import user_sessions_end
from notifications.models import Notification

from .login import user_login_digests
from .violations import violation_record

# Keys whose string values are personal wherever they appear in stored JSON (events, payloads).
PERSONAL_KEYS = frozenset(
    {"name", "phone", "address", "mobile", "email", "signed_by", "contact", "pickup_code"}
)
_SEPARATORS = re.compile(r"[\s\-()]+")


def _phone_spellings(phone: str) -> set[str]:
    spellings = {phone}
    for prefix in ("+86", "+852", "+853", "+886"):
        if phone.startswith(prefix):
            spellings.add(phone[len(prefix) :])
    return {s for s in spellings if s}


def personal_needles(*, user: User, extra: Iterable[str] = ()) -> set[str]:
    """The strings that identify the user: name, login, phone numbers, e-mail, address book entries."""
    values: set[str] = set()
    for value in (user.display_name, user.username, user.email, *extra):
        if value:
            values.add(value)
    for phone in filter(
        None, [user.phone, *Address.objects.filter(user=user).values_list("phone", flat=True)]
    ):
        values |= _phone_spellings(phone)
    for name, address in Address.objects.filter(user=user).values_list("name", "address"):
        values |= {name, address}
    if user.username and user.username.startswith("+"):
        values |= _phone_spellings(user.username)
    return {v.strip().lower() for v in values if v and len(v.strip()) >= 2}


def _contains(text: str, needles: set[str]) -> bool:
    low = text.lower()
    squeezed = _SEPARATORS.sub("", low)
    return any(needle in low or _SEPARATORS.sub("", needle) in squeezed for needle in needles)


def scrub(value: Any, needles: set[str]) -> Any:
    """A copy of stored text or JSON with personal data blanked: every string under a personal
    key, and every string that contains one of ``needles``."""
    if isinstance(value, str):
        return "" if needles and _contains(value, needles) else value
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if isinstance(item, str) and str(key).lower() in PERSONAL_KEYS:
                out[key] = ""
            else:
                out[key] = scrub(item, needles)
        return out
    if isinstance(value, list | tuple):
        return [scrub(item, needles) for item in value]
    return value


# --- export ----------------------------------------------------------------------------------


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def account_data_export(*, user: User) -> dict:
    """Everything the platform stores about ``user``, as one JSON-ready document."""
    document: dict[str, Any] = {
        "exported_at": timezone.now().isoformat(),
        "profile": {
            "username": user.username,
            "name": user.display_name,
            "phone": user.phone,
            "email": user.email,
            "language": user.language,
            "channels": user.notification_channels,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        },
        "addresses": [
            {
                "label": a.label,
                "name": a.name,
                "phone": a.phone,
                "province": a.province,
                "city": a.city,
                "district": a.district,
                "address": a.address,
                "is_default": a.is_default,
            }
            for a in Address.objects.filter(user=user)
        ],
        "notifications": [
            {
                "kind": n.kind,
                "title": n.title,
                "body": n.body,
                "read": n.read_at is not None,
                "created_at": _iso(n.created_at),
            }
            for n in Notification.objects.filter(user=user).order_by("created_at", "id")
        ],
        "agreement_acceptances": [
            {
                "version": a.agreement.version,
                "title": a.agreement.title,
                "method": a.method,
                "accepted_at": _iso(a.accepted_at),
                "ip": a.ip,
                "user_agent": a.user_agent,
            }
            for a in AgreementAcceptance.objects.filter(user=user).select_related("agreement")
        ],
        "violations": [
            {
                "kind": v.kind,
                "note": v.note,
                "order": v.order.number if v.order_id else None,
                "review": v.review_id,
                "recorded_at": _iso(v.created_at),
            }
            for v in Violation.objects.filter(user=user).select_related("order")
        ],
        "restrictions": [
            {
                "scope": r.scope,
                "cause": r.cause,
                "reason": r.reason,
                "starts_at": _iso(r.starts_at),
                "ends_at": _iso(r.ends_at),
                "lifted_at": _iso(r.lifted_at),
            }
            for r in Restriction.objects.filter(user=user)
        ],
    }
    document["feedback"] = [
        {
            "category": f.category,
            "text": f.text,
            "order": f.order.number if f.order_id else None,
            "status": f.status,
            "reply": f.reply,
            "created_at": _iso(f.created_at),
        }
        for f in Feedback.objects.filter(user=user).select_related("order")
    ]
    for section, path in settings.ACCOUNT_DATA_EXPORTERS.items():
        document[section] = import_string(path)(user=user)
    return document


# --- deletion and termination ------------------------------------------------------------------


def _erase(*, user: User, by: User | None) -> set[str]:
    needles = personal_needles(user=user)
    for path in settings.ACCOUNT_DATA_ERASERS:
        import_string(path)(user=user, needles=needles, by=by)
    Address.objects.filter(user=user).delete()
    Feedback.objects.filter(user=user).delete()
    Notification.objects.filter(user=user).delete()
    PasswordResetCode.objects.filter(user=user).delete()
    Token.objects.filter(user=user).delete()
    LoginGuard.objects.filter(login_digest__in=user_login_digests(user)).delete()
    # Sessions also hold what the booking form remembered; they are found by their user column.
    user_sessions_end(user_pk=user.pk)
    ContactChange.objects.filter(user=user).delete()
    return needles


def account_delete(*, user: User, password: str) -> None:
    """The user deletes their own account (注销), confirming with their password.

    Open orders are cancelled (the carriers are told), orders are kept anonymised, and everything
    else about the user goes, the user row included.
    """
    if not user.check_password(password or ""):
        raise ValidationError({"password": _("The password is incorrect.")}, code="wrong_password")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        _erase(user=user, by=None)
        user.delete()


def account_terminate(*, user: User, by: User, reason: str) -> User:
    """An admin ends an account for breaking the agreement (DESIGN §6).

    Like a deletion, but the row stays, anonymised and unable to log in, with its violations and
    restrictions as the record of why.
    """
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason the user will see.")}, code="required")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        needles = _erase(user=user, by=by)
        for violation in Violation.objects.filter(user=user):
            violation.note = scrub(violation.note, needles)
            violation.save(update_fields=["note"])
        for restriction in Restriction.objects.filter(user=user):
            restriction.reason = scrub(restriction.reason, needles)
            restriction.save(update_fields=["reason"])
        AgreementAcceptance.objects.filter(user=user).update(ip=None, user_agent="")
        user.username = f"terminated-{user.pk}"
        user.phone = None
        user.email = None
        user.display_name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save(update_fields=["username", "phone", "email", "display_name", "is_active", "password"])
        violation_record(
            user=user,
            kind=ViolationKind.OTHER,
            note=f"terminated: {scrub(reason.strip(), needles)}",
            recorded_by=by,
        )
    return user
