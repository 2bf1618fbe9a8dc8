"""Ranking of eligible carriers (DESIGN §4 "Recommendation").

Score of an eligible carrier ``c`` (higher is better, between 0 and 1)::

    score(c) = 0.5 × price_score + 0.3 × acceptance + 0.2 × rating / 5

    price_score = cheapest price ÷ price(c)          both in CNY; 1 for the cheapest carrier
    acceptance  = (accepted + 10 × 0.8) ÷ (pushed + 10)
                  accepted ÷ pushed over the orders of the last 30 days, smoothed towards a
                  prior rate of 0.8 worth 10 orders: a new carrier scores 0.8, 5 of 5 gives 0.87,
                  0 of 5 gives 0.53, and a long record converges on its real rate
    rating      = (C × m + Σ ratings) ÷ (C + n)                                   (DESIGN §4)
                  the Bayesian average of the carrier's n published carrier ratings (1–5):
                  m is the platform-wide mean of all published carrier ratings (4.0 before
                  there is any), C = 20 reviews; m for a carrier nobody has rated yet, so a
                  new carrier is neither 1 nor 5, and a long record converges on its own mean

Ties go to the cheaper carrier, then to the code in alphabetical order. The top carrier is
``recommended`` (推荐): the default when the user names none.
"""

from collections.abc import Mapping
from decimal import Decimal

PRICE_WEIGHT = 0.5
ACCEPTANCE_WEIGHT = 0.3
RATING_WEIGHT = 0.2

ACCEPTANCE_PRIOR_RATE = 0.8
ACCEPTANCE_PRIOR_ORDERS = 10
RATING_PRIOR = 4.0
RATING_PRIOR_REVIEWS = 20
RATING_MAX = 5.0


def smoothed_acceptance(accepted: int, pushed: int) -> float:
    """(accepted + 10 × 0.8) ÷ (pushed + 10): never 0 or 1 for a new carrier."""
    return (accepted + ACCEPTANCE_PRIOR_ORDERS * ACCEPTANCE_PRIOR_RATE) / (pushed + ACCEPTANCE_PRIOR_ORDERS)


def bayesian_rating(
    average: float | Decimal | None, count: int, prior_mean: float | Decimal | None = RATING_PRIOR
) -> float:
    """(C × m + average × n) ÷ (C + n) with C = 20; the prior mean m alone without ratings."""
    prior = RATING_PRIOR if prior_mean is None else float(prior_mean)
    if not count or average is None:
        return prior
    return (float(average) * count + RATING_PRIOR_REVIEWS * prior) / (count + RATING_PRIOR_REVIEWS)


def smoothed_rating(
    average: float | Decimal | None, count: int, prior_mean: float | Decimal | None = RATING_PRIOR
) -> float:
    """The rating term: ``bayesian_rating`` of (average, count[, platform-wide mean])."""
    return bayesian_rating(average, count, prior_mean)


def score_parts(
    *, price_cny: Decimal, cheapest_cny: Decimal, acceptance: tuple[int, int], rating: tuple | None
) -> dict[str, float]:
    price_score = float(cheapest_cny / price_cny) if price_cny > 0 else 1.0
    acceptance_rate = smoothed_acceptance(*acceptance)
    rating_value = smoothed_rating(*(rating or (None, 0)))
    score = (
        PRICE_WEIGHT * price_score
        + ACCEPTANCE_WEIGHT * acceptance_rate
        + RATING_WEIGHT * rating_value / RATING_MAX
    )
    return {
        "score": round(score, 4),
        "price_score": round(price_score, 4),
        "acceptance_rate": round(acceptance_rate, 4),
        "rating": round(rating_value, 4),
    }


def rank(
    prices_cny: Mapping[str, Decimal],
    *,
    acceptance: Mapping[str, tuple[int, int]],
    ratings: Mapping[str, tuple] | None = None,
) -> list[tuple[str, dict[str, float]]]:
    """[(carrier code, score parts)] best first, for the eligible carriers' CNY prices."""
    if not prices_cny:
        return []
    ratings = ratings or {}
    cheapest = min(prices_cny.values())
    scored = [
        (
            code,
            score_parts(
                price_cny=price,
                cheapest_cny=cheapest,
                acceptance=acceptance.get(code, (0, 0)),
                rating=ratings.get(code),
            ),
        )
        for code, price in prices_cny.items()
    ]
    scored.sort(key=lambda item: (-item[1]["score"], prices_cny[item[0]], item[0]))
    return scored
