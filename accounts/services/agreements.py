"""Recording acceptance of the user service agreement."""

import ipaddress

from accounts.models import Agreement, AgreementAcceptance, User


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
