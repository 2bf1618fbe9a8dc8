from decimal import Decimal as D

import pytest

from carriers.selectors import carrier_acceptance_stats
from carriers.services.recommendation import rank, score_parts, smoothed_acceptance, smoothed_rating

from .helpers import make_order


def test_acceptance_is_smoothed_towards_the_prior():
    assert smoothed_acceptance(0, 0) == pytest.approx(0.8)  # a new carrier: the prior
    assert smoothed_acceptance(5, 5) == pytest.approx(13 / 15)  # perfect but short record: not 1
    assert smoothed_acceptance(0, 5) == pytest.approx(8 / 15)  # bad but short record: not 0
    assert smoothed_acceptance(500, 1000) == pytest.approx(508 / 1010)  # a long record: its own rate
    assert 0 < smoothed_acceptance(0, 1) < smoothed_acceptance(1, 1) < 1


def test_rating_is_smoothed_towards_the_prior():
    assert smoothed_rating(None, 0) == 4.0
    assert smoothed_rating(D("5"), 1) == pytest.approx((5 + 20 * 4.0) / 21)
    assert smoothed_rating(1.0, 100) == pytest.approx((100 + 20 * 4.0) / 120)
    # The prior is the platform-wide mean when one is given.
    assert smoothed_rating(None, 0, 3.5) == 3.5
    assert smoothed_rating(5.0, 20, 3.0) == pytest.approx((20 * 3.0 + 5 * 20) / 40)


def test_score_formula():
    # cheapest, new, unrated: 0.5 × 1 + 0.3 × 0.8 + 0.2 × 4/5 = 0.9
    assert score_parts(price_cny=D("17"), cheapest_cny=D("17"), acceptance=(0, 0), rating=None) == {
        "score": 0.9,
        "price_score": 1.0,
        "acceptance_rate": 0.8,
        "rating": 4.0,
    }
    # twice the cheapest price, 10 of 10 accepted, 4.5 over 5 reviews:
    # 0.5 × 0.5 + 0.3 × 18/20 + 0.2 × ((22.5 + 20 × 4) / 25) / 5 = 0.25 + 0.27 + 0.164 = 0.684
    parts = score_parts(price_cny=D("34"), cheapest_cny=D("17"), acceptance=(10, 10), rating=(D("4.5"), 5))
    assert parts["score"] == pytest.approx(0.684)


def test_rank_cheapest_first_when_nothing_else_is_known():
    ranking = rank({"swift-express": D("24"), "econ-post": D("17"), "heavy-freight": D("40")}, acceptance={})
    assert [code for code, _ in ranking] == ["econ-post", "swift-express", "heavy-freight"]


def test_rank_acceptance_can_beat_price():
    prices = {"swift-express": D("24"), "econ-post": D("17")}
    # econ 0.5 + 0.3 × 8/30 + 0.16 = 0.74 · swift 0.5 × 17/24 + 0.3 × 28/30 + 0.16 = 0.7942
    ranking = rank(prices, acceptance={"econ-post": (0, 20), "swift-express": (20, 20)})
    assert [code for code, _ in ranking] == ["swift-express", "econ-post"]


def test_rank_ratings_can_beat_price():
    prices = {"swift-express": D("24"), "econ-post": D("17")}
    ratings = {"econ-post": (1.0, 1000), "swift-express": (5.0, 1000)}  # long records: C = 20 barely weighs
    ranking = rank(prices, acceptance={}, ratings=ratings)
    assert [code for code, _ in ranking] == ["swift-express", "econ-post"]


def test_rank_ties_go_to_the_cheaper_then_the_code():
    ranking = rank({"b": D("10"), "a": D("10")}, acceptance={})
    assert [code for code, _ in ranking] == ["a", "b"]
    assert rank({}, acceptance={}) == []


def test_acceptance_stats_count_the_last_30_days(demo_carriers, django_assert_num_queries):
    swift, econ, heavy = (
        demo_carriers["swift-express"],
        demo_carriers["econ-post"],
        demo_carriers["heavy-freight"],
    )
    make_order(swift, status="accepted")
    make_order(swift, status="signed", days_ago=29)
    make_order(swift, status="cancelled", accepted_event=True)  # accepted, then cancelled
    make_order(swift, status="cancelled")  # cancelled before anyone accepted
    make_order(swift, status="placed")
    make_order(swift, status="signed", days_ago=31)  # outside the window
    make_order(econ, status="expired")
    make_order(econ, status="dispatching")

    with django_assert_num_queries(1):
        stats = carrier_acceptance_stats([swift, econ, heavy])
    assert stats == {"swift-express": (3, 5), "econ-post": (0, 2), "heavy-freight": (0, 0)}


def test_acceptance_stats_without_carriers_makes_no_query(django_assert_num_queries, db):
    with django_assert_num_queries(0):
        assert carrier_acceptance_stats([]) == {}
