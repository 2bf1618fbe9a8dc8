"""Reads about carriers: their contract terms, acceptance and ratings (what quotes read of the
carriers themselves is ``services.configuration``'s snapshot)."""

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta

from django.utils import timezone

from .models import Carrier, ContractTerms

ACCEPTANCE_WINDOW = timedelta(days=30)


def current_contract(carrier: Carrier, *, now: datetime | None = None) -> ContractTerms:
    """The carrier's current contract terms: the latest version published at or before ``now``.

    Raises ContractTerms.DoesNotExist when the carrier has published none (such a carrier is never
    eligible). Quotes read the same from their snapshot (``CarrierConfig.contract_at``).
    """
    contract = (
        carrier.contracts.filter(published_at__lte=now or timezone.now())
        .order_by("-published_at", "-id")
        .first()
    )
    if contract is None:
        raise ContractTerms.DoesNotExist(f"{carrier.code} has no published contract terms")
    return contract


def contract_version(carrier: Carrier, version: str, *, now: datetime | None = None) -> ContractTerms | None:
    """A published version of the carrier's terms (current or older), or None."""
    return carrier.contracts.filter(version=version, published_at__lte=now or timezone.now()).first()


def contract_versions(carrier: Carrier, *, now: datetime | None = None) -> list[ContractTerms]:
    return list(
        carrier.contracts.filter(published_at__lte=now or timezone.now())
        .defer("body")
        .order_by("-published_at", "-id")
    )


# code → (accepted, pushed) over the orders created in the last 30 days (``ACCEPTANCE_WINDOW``).
AcceptanceSource = Callable[..., Mapping[str, tuple[int, int]]]
_acceptance_source: AcceptanceSource | None = None


def carrier_acceptance_source_register(source: AcceptanceSource | None) -> None:
    """The orders app registers where acceptance comes from when it loads (carriers does not import it)."""
    global _acceptance_source
    _acceptance_source = source


def carrier_acceptance_stats(
    carriers: Iterable[Carrier], *, now: datetime | None = None
) -> dict[str, tuple[int, int]]:
    """code → (accepted, pushed) over the orders created in the last 30 days, from the registered
    source (``orders.selectors.carrier_acceptance_over_orders``); every carrier (0, 0) without one."""
    carriers = list(carriers)
    stats = {c.code: (0, 0) for c in carriers}
    if carriers and _acceptance_source is not None:
        stats.update(_acceptance_source(carriers, now=now))
    return stats


# code → (average carrier rating, number of ratings[, platform-wide mean]) for the given carriers.
RatingSource = Callable[[list[Carrier]], Mapping[str, tuple]]
_rating_source: RatingSource | None = None


def carrier_rating_source_register(source: RatingSource | None) -> None:
    """The reviews app registers where ratings come from when it loads (carriers does not import it)."""
    global _rating_source
    _rating_source = source


def carrier_rating_stats(carriers: Iterable[Carrier]) -> Mapping[str, tuple]:
    """code → (average carrier rating 1–5, number of ratings, platform-wide mean) from the registered
    source; every carrier is unrated (the prior) when none is registered."""
    if _rating_source is None:
        return {}
    return _rating_source(list(carriers))


def carriers_for_screening(code: str | None = None) -> list[Carrier]:
    """Registered with prohibited (``screening_carriers``): the carrier ``code`` (a list of one, or
    empty), or every active carrier, with what screening reads."""
    fields = ("code", "refusal_groups", "active")
    if code is None:
        return list(Carrier.objects.filter(active=True).only(*fields))
    return list(Carrier.objects.filter(code=code).only(*fields)[:1])
