"""Reads of reviews: carrier ratings, the carrier pages, my reviews, the moderation queue.

Ratings (DESIGN §4): a carrier's rating is the Bayesian average of its published reviews' carrier
ratings, ``(C·m + Σ ratings) / (C + n)``, with ``m`` the platform-wide mean of all published carrier
ratings (4.0 before there is any) and ``C`` = 20 reviews (``carriers.services.recommendation``,
which also feeds it into the recommendation score).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from carriers.models import Carrier
from carriers.services.recommendation import RATING_PRIOR, bayesian_rating

from .models import Complaint, ComplaintStatus, Review, ReviewPhoto, ReviewStatus


@dataclass(frozen=True)
class CarrierRating:
    average: float | None  # plain mean of the carrier ratings, None without reviews
    count: int
    platform_average: float | None  # mean of the platform ratings of the same reviews
    rating: float  # the Bayesian average shown and ranked on

    @property
    def stars(self) -> str:
        return f"{self.rating:.1f}"


def _published_totals() -> tuple[dict[int, dict], float]:
    """(carrier id → sums and counts of its published reviews, platform-wide mean carrier rating):
    one query over every carrier, so the platform-wide mean comes with it."""
    rows = (
        Review.objects.filter(status=ReviewStatus.PUBLISHED)
        .order_by()
        .values("carrier_id")
        .annotate(n=Count("id"), carrier_sum=Sum("carrier_rating"), platform_sum=Sum("platform_rating"))
    )
    totals = {row["carrier_id"]: row for row in rows}
    n_all = sum(row["n"] for row in totals.values())
    prior = sum(row["carrier_sum"] for row in totals.values()) / n_all if n_all else RATING_PRIOR
    return totals, prior


def _ratings(carriers: Iterable[Carrier]) -> dict[int, CarrierRating]:
    totals, prior = _published_totals()
    found = {}
    for carrier in carriers:
        row = totals.get(carrier.pk)
        n = row["n"] if row else 0
        average = row["carrier_sum"] / n if n else None
        found[carrier.pk] = CarrierRating(
            average=average,
            count=n,
            platform_average=row["platform_sum"] / n if n else None,
            rating=bayesian_rating(average, n, prior),
        )
    return found


def carrier_rating_stats(carriers: Iterable[Carrier]) -> dict[str, tuple]:
    """code → (average carrier rating, number of published reviews, platform-wide mean): what the
    recommendation reads (registered with ``carriers.selectors`` when the app loads). One query."""
    carriers = list(carriers)
    totals, prior = _published_totals()
    stats = {}
    for carrier in carriers:
        row = totals.get(carrier.pk)
        if row:
            stats[carrier.code] = (row["carrier_sum"] / row["n"], row["n"], prior)
        else:
            stats[carrier.code] = (None, 0, prior)
    return stats


def carrier_list_with_ratings() -> list[tuple[Carrier, CarrierRating]]:
    """Active carriers with their ratings, best rated first: two queries."""
    carriers = list(Carrier.objects.filter(active=True).order_by("code"))
    ratings = _ratings(carriers)
    rows = [(carrier, ratings[carrier.pk]) for carrier in carriers]
    rows.sort(key=lambda row: (-row[1].rating, row[0].code))
    return rows


def carrier_rating(carrier: Carrier) -> CarrierRating:
    return _ratings([carrier])[carrier.pk]


def published_reviews_for_carrier(carrier: Carrier) -> QuerySet[Review]:
    """The carrier's published reviews, newest first, with author, reply and photos: a constant
    number of queries whatever the number of reviews (page + photos)."""
    return (
        Review.objects.filter(carrier=carrier, status=ReviewStatus.PUBLISHED)
        .select_related("user", "reply")
        .prefetch_related(Prefetch("photos", queryset=ReviewPhoto.objects.order_by("position", "id")))
        .order_by("-created_at", "-id")
    )


def review_list_for_user(*, user) -> QuerySet[Review]:
    return (
        Review.objects.filter(user=user)
        .select_related("order", "carrier", "reply")
        .prefetch_related("photos")
        .order_by("-created_at", "-id")
    )


def moderation_queue() -> QuerySet[Review]:
    """Reviews a moderator must look at: held by the screen, reported, or complained about."""
    return Review.objects.filter(Q(status=ReviewStatus.PENDING) | Q(queued_at__isnull=False))


def open_complaints() -> QuerySet[Complaint]:
    return Complaint.objects.filter(status=ComplaintStatus.OPEN).order_by("created_at", "id")
