"""Published reviews feed the recommendation: a better-rated carrier moves up (DESIGN §4, §8)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from carriers.selectors import carrier_rating_stats
from carriers.services import quote_shipment
from carriers.tests.helpers import ALLOWED, make_shipment
from orders.models import Order, Status
from orders.tests.factories import OrderFactory
from reviews.models import Review, ReviewStatus
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_statistics(settings):
    """Every quote here reads the ratings afresh: these tests are about what the ranking does with
    them (how long a process keeps them is carriers' ``test_configuration``)."""
    settings.QUOTE_STATISTICS_SECONDS = 0


def rate(carrier, rating: int, count: int, *, status=ReviewStatus.PUBLISHED) -> None:
    """``count`` reviews of ``carrier`` with ``rating``, on orders older than the 30-day acceptance
    window (so only the rating term changes)."""
    user = UserFactory()
    template = OrderFactory(
        user=user, carrier=carrier, contract=carrier.contracts.first(), status=Status.SIGNED
    )
    orders = []
    for n in range(count):
        order = Order.objects.get(pk=template.pk)
        order.pk, order.number = None, f"R{carrier.pk}{rating}{n:07d}"
        orders.append(order)
    orders = Order.objects.bulk_create(orders)
    Order.objects.filter(carrier=carrier).update(created_at=timezone.now() - timedelta(days=40))
    Review.objects.bulk_create(
        Review(order=o, user=user, carrier=carrier, carrier_rating=rating, platform_rating=5, status=status)
        for o in orders
    )


def ranking() -> list[str]:
    return [q.carrier.code for q in quote_shipment(shipment=make_shipment(), screening=ALLOWED) if q.eligible]


def test_a_better_rated_carrier_moves_up(demo_carriers):
    assert ranking() == ["econ-post", "swift-express", "heavy-freight"]  # cheapest first, all unrated

    rate(demo_carriers["swift-express"], 5, 300)
    rate(demo_carriers["econ-post"], 1, 300)

    assert ranking() == ["swift-express", "econ-post", "heavy-freight"]
    top = quote_shipment(shipment=make_shipment(), screening=ALLOWED)[0]
    assert top.recommended and top.carrier.code == "swift-express"


def test_only_published_reviews_count(demo_carriers):
    rate(demo_carriers["swift-express"], 5, 300, status=ReviewStatus.HIDDEN)
    rate(demo_carriers["econ-post"], 1, 300, status=ReviewStatus.PENDING)

    assert ranking() == ["econ-post", "swift-express", "heavy-freight"]


def test_the_rating_term_is_the_bayesian_average(demo_carriers):
    swift, econ = demo_carriers["swift-express"], demo_carriers["econ-post"]
    rate(swift, 5, 4)
    rate(econ, 2, 4)

    stats = carrier_rating_stats([swift, econ, demo_carriers["heavy-freight"]])

    # platform mean m = (4 × 5 + 4 × 2) / 8 = 3.5
    assert stats == {
        "swift-express": (5.0, 4, 3.5),
        "econ-post": (2.0, 4, 3.5),
        "heavy-freight": (None, 0, 3.5),
    }
    swift_quote = next(
        q for q in quote_shipment(shipment=make_shipment(), screening=ALLOWED) if q.carrier.code == swift.code
    )
    assert swift_quote.score["rating"] == pytest.approx((20 * 3.5 + 4 * 5) / 24, abs=1e-4)


def test_ratings_are_read_in_one_query(demo_carriers, django_assert_num_queries):
    rate(demo_carriers["swift-express"], 4, 3)

    with django_assert_num_queries(1):
        carrier_rating_stats(demo_carriers.values())
