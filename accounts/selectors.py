"""Reads of the accounts app: agreements, address books, contact changes waiting for a code."""

from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .models import (
    Address,
    Agreement,
    AgreementAcceptance,
    AgreementKind,
    ContactChange,
    ContactField,
    ServiceFeeAnnouncement,
    User,
)


def _published(now: datetime, kind: str) -> QuerySet[Agreement]:
    return Agreement.objects.filter(kind=kind, published_at__isnull=False, published_at__lte=now)


def agreement_current(*, now: datetime | None = None, kind: str = AgreementKind.TERMS) -> Agreement | None:
    """The version in force: the latest published one whose effective date has passed."""
    now = now or timezone.now()
    return _published(now, kind).filter(effective_at__lte=now).order_by("-effective_at", "-id").first()


def agreement_upcoming(*, now: datetime | None = None, kind: str = AgreementKind.TERMS) -> Agreement | None:
    """The next published version that is not yet in force (announced ahead of its date)."""
    now = now or timezone.now()
    return _published(now, kind).filter(effective_at__gt=now).order_by("effective_at", "id").first()


def agreement_get_published(
    *, version: str, now: datetime | None = None, kind: str = AgreementKind.TERMS
) -> Agreement:
    """A published version by its code (past, current or upcoming); 404 for drafts and unknowns."""
    return get_object_or_404(_published(now or timezone.now(), kind), version=version)


def agreements_in_force(*, now: datetime | None = None) -> list[Agreement]:
    """The version in force of each document (agreement, privacy policy), in one query."""
    now = now or timezone.now()
    rows = (
        Agreement.objects.filter(published_at__isnull=False, published_at__lte=now, effective_at__lte=now)
        .order_by("kind", "-effective_at", "-id")
        .only("pk", "kind", "version", "effective_at")
    )
    current: dict[str, Agreement] = {}
    for agreement in rows:
        current.setdefault(agreement.kind, agreement)
    return list(current.values())


def agreement_acceptance_latest(*, user: User) -> AgreementAcceptance | None:
    return (
        AgreementAcceptance.objects.filter(user=user)
        .select_related("agreement")
        .order_by("-accepted_at", "-id")
        .first()
    )


def address_list_for_user(*, user: User) -> QuerySet[Address]:
    return Address.objects.filter(user=user)


def address_get_for_user(*, user: User, pk: int) -> Address:
    """One of the user's own addresses; 404 for anyone else's (no hint that it exists)."""
    return get_object_or_404(Address, pk=pk, user=user)


def order_of_user(*, user: User, number: str):
    """One of the user's orders by its number, or None (feedback may name one)."""
    return user.orders.filter(number=number).first()


def contact_changes_pending(*, user: User) -> dict[str, str | None]:
    """The new phone number and e-mail address waiting for their code (``None``: nothing waits)."""
    pending: dict[str, str | None] = dict.fromkeys(ContactField.values)
    rows = ContactChange.objects.filter(
        user=user,
        used_at__isnull=True,
        expires_at__gt=timezone.now(),
        tries__lt=settings.CONTACT_CODE_TRIES,
    ).order_by("created_at", "id")
    for change in rows:
        pending[change.field] = change.new_value
    return pending


class UpcomingServiceFee(NamedTuple):
    """A published service fee that applies from ``effective_at`` on (CNY per order)."""

    fee: Decimal
    effective_at: datetime


def service_fees_published() -> list[tuple[datetime, Decimal]]:
    """(effective from, fee CNY per order) of every published announcement, in one query: what
    quotes keep (registered with ``carriers.services.configuration``). Announcements are few."""
    return list(
        ServiceFeeAnnouncement.objects.filter(published_at__isnull=False).values_list("effective_at", "fee")
    )


def service_fee_schedule(*, now: datetime | None = None) -> tuple[Decimal | None, UpcomingServiceFee | None]:
    """In one query: the fee (CNY per order) of the latest published announcement in force, or
    None when none applies yet (pricing then uses ``PLATFORM_SERVICE_FEE``), and the next
    published one still to take effect (None: none announced). Announcements are few; all are
    read."""
    now = now or timezone.now()
    fee, upcoming = None, None
    rows = (
        ServiceFeeAnnouncement.objects.filter(published_at__isnull=False)
        .order_by("-effective_at", "-id")
        .values_list("fee", "effective_at")
    )
    for amount, effective_at in rows:
        if effective_at > now:
            upcoming = UpcomingServiceFee(fee=amount, effective_at=effective_at)
        else:
            fee = amount
            break
    return fee, upcoming
