"""Reads about carriers: the carriers to quote, their contract terms, acceptance and ratings."""

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from .models import Carrier, ContractTerms

ACCEPTANCE_WINDOW = timedelta(days=30)


def carrier_list_for_quotes(*, now: datetime | None = None) -> QuerySet[Carrier]:
    """Active carriers with what quoting reads prefetched: 5 queries whatever the number of carriers.

    ``carrier.published_contracts`` holds the published versions, newest first (bodies deferred).
    """
    now = now or timezone.now()
    published = (
        ContractTerms.objects.filter(published_at__lte=now).defer("body").order_by("-published_at", "-id")
    )
    return Carrier.objects.filter(active=True).prefetch_related(
        "zone_rates",
        "transit_times",
        "bag_sizes",
        Prefetch("contracts", queryset=published, to_attr="published_contracts"),
    )


def current_contract(carrier: Carrier, *, now: datetime | None = None) -> ContractTerms:
    """The carrier's current contract terms: the latest version published at or before ``now``.

    Raises ContractTerms.DoesNotExist when the carrier has published none (such a carrier is never
    eligible). When ``carrier.published_contracts`` was prefetched by carrier_list_for_quotes (with
    its own ``now``), that list is used as it is, without a query.
    """
    prefetched = getattr(carrier, "published_contracts", None)
    if prefetched is not None:
        contract = prefetched[0] if prefetched else None
    else:
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


def carrier_acceptance_stats(
    carriers: Iterable[Carrier], *, now: datetime | None = None
) -> dict[str, tuple[int, int]]:
    """code → (accepted, pushed) over the orders created in the last 30 days, in one query.

    pushed = orders created in the window for the carrier; accepted = those of them that reached
    ``accepted`` or any later status (picked up … signed, rejected), or that have an ``accepted``
    event (accepted, then cancelled or expired). Carriers without orders get (0, 0).
    """
    from orders.models import Order, OrderEvent, Status

    carriers = list(carriers)
    by_id = {c.pk: c.code for c in carriers}
    stats = {c.code: (0, 0) for c in carriers}
    if not carriers:
        return stats
    reached = [
        Status.ACCEPTED,
        Status.PICKED_UP,
        Status.IN_TRANSIT,
        Status.OUT_FOR_DELIVERY,
        Status.PROBLEM,
        Status.SIGNED,
        Status.REJECTED,
    ]
    was_accepted = OrderEvent.objects.filter(order=OuterRef("pk"), new_status=Status.ACCEPTED)
    since = (now or timezone.now()) - ACCEPTANCE_WINDOW
    rows = (
        Order.objects.filter(carrier_id__in=by_id, created_at__gte=since)
        .order_by()
        .values("carrier_id")
        .annotate(
            pushed=Count("pk"),
            accepted=Count("pk", filter=Q(status__in=reached) | Q(Exists(was_accepted))),
        )
    )
    for row in rows:
        stats[by_id[row["carrier_id"]]] = (row["accepted"], row["pushed"])
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
