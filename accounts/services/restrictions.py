"""Restrictions on ordering and reviewing (DESIGN §6): the gate, and who puts them on.

``restriction_check(user=…, scope=…)`` is the one gate: booking and reviewing call it and get
``Restricted`` (a ``PermissionDenied``) carrying the reason and the end time, which
``accounts.restriction_responses`` turns into the 403 answer of the API or the page.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import (
    Restriction,
    RestrictionCause,
    RestrictionScope,
    User,
    Violation,
    ViolationKind,
)
from carriers.formats import local_time
from notifications.models import Kind
from notifications.services import notify, user_language

from .violations import violation_record

AUTO_RESTRICTION_HOURS = 24


class Restricted(PermissionDenied):
    """The user may not do this now. ``message`` is translated when read."""

    def __init__(self, restriction: Restriction, scope: str):
        super().__init__()
        self.restriction = restriction
        self.scope = scope

    @property
    def ends_at(self) -> datetime | None:
        return self.restriction.ends_at

    @property
    def reason(self) -> str:
        return restriction_reason(self.restriction)

    @property
    def message(self) -> str:
        if self.scope == RestrictionScope.REVIEWING:
            action = _("Your account may not post reviews at the moment.")
        else:
            action = _("Your account may not book new pickups at the moment.")
        if self.ends_at is None:
            until = _("This restriction is permanent.")
        else:
            until = _("It ends on %(until)s.") % {"until": local_time(self.ends_at)}
        return _("%(action)s Reason: %(reason)s. %(until)s") % {
            "action": action,
            "reason": self.reason,
            "until": until,
        }

    def __str__(self) -> str:
        return self.message


def restriction_reason(restriction: Restriction) -> str:
    """The reason as the user reads it, in the active language."""
    if restriction.cause == RestrictionCause.FREQUENT_CANCELLATIONS:
        return _("%(count)d or more cancellations within 24 hours") % {"count": cancellation_limit()}
    if restriction.reason:
        return restriction.reason
    return str(RestrictionCause(restriction.cause).label)


def cancellation_limit() -> int:
    return settings.CANCELLATION_RESTRICTION_LIMIT


def restrictions_active(*, user: User, now: datetime | None = None) -> QuerySet[Restriction]:
    now = now or timezone.now()
    return Restriction.objects.filter(user=user, lifted_at__isnull=True, starts_at__lte=now).filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=now)
    )


def restriction_check(*, user: User, scope: str, now: datetime | None = None) -> None:
    """Raise ``Restricted`` if ``user`` may not do ``scope`` (``ordering`` or ``reviewing``) now.

    When several restrictions apply, the one that lasts longest is reported.
    """
    if scope not in (RestrictionScope.ORDERING, RestrictionScope.REVIEWING):
        raise ValueError(f"check ordering or reviewing, not {scope!r}")
    restrictions = [r for r in restrictions_active(user=user, now=now) if r.covers(scope)]
    if restrictions:
        permanent = [r for r in restrictions if r.ends_at is None]
        raise Restricted(permanent[0] if permanent else max(restrictions, key=lambda r: r.ends_at), scope)


def _restriction_notify(restriction: Restriction) -> None:
    notify(
        user=restriction.user,
        kind=Kind.RESTRICTION_APPLIED,
        context={
            "scope": restriction.scope,
            "until": restriction.ends_at,
            "reason": _restriction_reason_in_user_language(restriction),
        },
        requires_action=False,
        dedupe_key=f"restriction:{restriction.pk}",
    )


def _restriction_reason_in_user_language(restriction: Restriction) -> str:
    with translation.override(user_language(restriction.user)):
        return restriction_reason(restriction)


def restriction_apply(
    *,
    user: User,
    scope: str,
    reason: str,
    ends_at: datetime | None,
    created_by: User | None = None,
    cause: str = RestrictionCause.ADMIN,
    violation: Violation | None = None,
) -> Restriction:
    """Restrict ``user`` (an admin's decision, or a rule); the user is told, with the reason."""
    if scope not in RestrictionScope.values:
        raise ValidationError({"scope": _("Choose what to restrict.")}, code="invalid_scope")
    if cause == RestrictionCause.ADMIN and not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason the user will see.")}, code="required")
    now = timezone.now()
    if ends_at is not None and ends_at <= now:
        raise ValidationError({"ends_at": _("The end must be in the future.")}, code="past")
    restriction = Restriction.objects.create(
        user=user,
        scope=scope,
        cause=cause,
        reason=(reason or "").strip(),
        starts_at=now,
        ends_at=ends_at,
        created_by=created_by,
        violation=violation,
    )
    # The in-app notice is written with the restriction (and rolled back with it); other channels
    # are sent after commit by notify itself.
    _restriction_notify(restriction)
    return restriction


def restriction_lift(*, restriction: Restriction) -> Restriction:
    if restriction.lifted_at is None:
        restriction.lifted_at = timezone.now()
        restriction.save(update_fields=["lifted_at"])
    return restriction


@transaction.atomic
def restriction_for_frequent_cancellations(
    *, user: User, count: int, now: datetime | None = None
) -> Restriction | None:
    """The automatic rule: ``count`` counted cancellations in the last 24 hours (the caller counts).

    At the limit the user may not order for 24 hours, is told at once, and a violation is recorded.
    Parallel cancels apply it once: the user row is locked while deciding.
    """
    if count < cancellation_limit():
        return None
    now = now or timezone.now()
    User.objects.select_for_update().filter(pk=user.pk).first()
    already = restrictions_active(user=user, now=now).filter(cause=RestrictionCause.FREQUENT_CANCELLATIONS)
    if already.exists():
        return None
    violation = violation_record(
        user=user,
        kind=ViolationKind.FREQUENT_CANCELLATION,
        note=f"{count} cancellations within 24 hours",
    )
    return restriction_apply(
        user=user,
        scope=RestrictionScope.ORDERING,
        reason="",
        ends_at=now + timedelta(hours=AUTO_RESTRICTION_HOURS),
        cause=RestrictionCause.FREQUENT_CANCELLATIONS,
        violation=violation,
    )
