"""Agreement versions (DESIGN §6): publishing a version, and recording acceptance.

Publishing tells every user (an in-app notice they acknowledge by reading it, shown in the banner
until then, plus their other channels). From its effective date on, a user who goes on using the
platform has accepted it: the first request after that date records a "continued use" acceptance.
"""

import ipaddress
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import AcceptanceMethod, Agreement, AgreementAcceptance, AgreementKind, User
from accounts.selectors import agreements_in_force
from notifications.announcements import broadcast_start
from notifications.models import Kind


def _clean_ip(ip: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((ip or "").strip()))
    except ValueError:
        return None


def agreement_accept(
    *,
    user: User,
    agreement: Agreement,
    method: str,
    ip: str | None = None,
    user_agent: str = "",
) -> AgreementAcceptance:
    """Record that ``user`` accepted ``agreement``; the first acceptance of a version is kept."""
    acceptance, _created = AgreementAcceptance.objects.get_or_create(
        user=user,
        agreement=agreement,
        defaults={
            "method": method,
            "ip": _clean_ip(ip),
            "user_agent": (user_agent or "")[: AgreementAcceptance._meta.get_field("user_agent").max_length],
        },
    )
    return acceptance


@transaction.atomic
def agreement_publish(*, agreement: Agreement, now: datetime | None = None) -> int:
    """Publish a draft version with its effective date and tell every active user (a batched
    broadcast after commit).

    Returns how many users are told. The effective date may be now or later, never earlier: users
    cannot have accepted by using the service before they were told.
    """
    now = now or timezone.now()
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.published_at is not None:
        raise ValidationError(_("Version %(version)s is published already.") % {"version": agreement.version})
    if agreement.effective_at < now:
        raise ValidationError(_("The effective date must not be in the past."))
    agreement.published_at = now
    agreement.save(update_fields=["published_at"])
    return broadcast_start(
        kind=Kind.AGREEMENT_UPDATED,
        context={
            "version": agreement.version,
            "effective_at": agreement.effective_at,
            "agreement_title": str(agreement.title),
            "agreement_kind": "privacy" if agreement.kind == AgreementKind.PRIVACY else "terms",
            "url": agreement.get_absolute_url(),
        },
        requires_action=True,
        dedupe_key=f"agreement:{agreement.kind}:{agreement.version}",
    )


def agreements_continued_use_record(
    *, user: User, ip: str | None = None, user_agent: str = "", now: datetime | None = None
) -> list[str]:
    """Record acceptance by continued use of every version in force the user has not accepted.

    Called on the user's requests (``accounts.middleware``); returns the versions in force, as the
    caller may remember them to skip the check until one changes.
    """
    in_force = agreements_in_force(now=now)
    accepted = set(
        AgreementAcceptance.objects.filter(user=user, agreement__in=in_force).values_list(
            "agreement_id", flat=True
        )
    )
    for agreement in in_force:
        if agreement.pk not in accepted:
            agreement_accept(
                user=user,
                agreement=agreement,
                method=AcceptanceMethod.CONTINUED_USE,
                ip=ip,
                user_agent=user_agent,
            )
    return sorted(f"{a.kind}:{a.version}" for a in in_force)
