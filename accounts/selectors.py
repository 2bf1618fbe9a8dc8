"""Reads of the accounts app: agreements and address books."""

from datetime import datetime

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .models import Address, Agreement, AgreementAcceptance, User


def _published(now: datetime) -> QuerySet[Agreement]:
    return Agreement.objects.filter(published_at__isnull=False, published_at__lte=now)


def agreement_current(*, now: datetime | None = None) -> Agreement | None:
    """The agreement in force: the latest published version whose effective date has passed."""
    now = now or timezone.now()
    return _published(now).filter(effective_at__lte=now).order_by("-effective_at", "-id").first()


def agreement_upcoming(*, now: datetime | None = None) -> Agreement | None:
    """The next published version that is not yet in force (announced ahead of its date)."""
    now = now or timezone.now()
    return _published(now).filter(effective_at__gt=now).order_by("effective_at", "id").first()


def agreement_get_published(*, version: str, now: datetime | None = None) -> Agreement:
    """A published version by its code (past, current or upcoming); 404 for drafts and unknowns."""
    return get_object_or_404(_published(now or timezone.now()), version=version)


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
