"""Two posts of a review of the same order at once, and two replies: exactly one each. PostgreSQL."""

import pytest
from django.db import connection

from orders.models import Order
from orders.tests.concurrency import race
from reviews.models import CarrierReply, Review
from reviews.services import ReviewRefused, reply_create, review_create
from reviews.tests.factories import ReviewFactory, signed_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are only meaningful on PostgreSQL")


@pytest.mark.parametrize("attempt", range(3))
def test_two_reviews_of_one_order_at_once_store_exactly_one(attempt, customer):
    order = signed_order(user=customer)

    def write(text):
        return lambda: review_create(
            order=Order.objects.get(pk=order.pk),
            user=customer,
            carrier_rating=5,
            platform_rating=5,
            text=text,
        )

    results = race(write("第一条"), write("第二条"))

    failures = [r for r in results if isinstance(r, Exception)]
    assert len(failures) == 1 and isinstance(failures[0], ReviewRefused)
    assert failures[0].code == "already_reviewed"
    assert Review.objects.filter(order=order).count() == 1


@pytest.mark.parametrize("attempt", range(3))
def test_two_replies_at_once_store_exactly_one(attempt, customer):
    review = ReviewFactory(user=customer)

    results = race(
        lambda: reply_create(review=Review.objects.get(pk=review.pk), carrier=review.carrier, text="谢谢"),
        lambda: reply_create(review=Review.objects.get(pk=review.pk), carrier=review.carrier, text="感谢"),
    )

    failures = [r for r in results if isinstance(r, Exception)]
    assert len(failures) == 1 and isinstance(failures[0], ReviewRefused)
    assert CarrierReply.objects.filter(review=review).count() == 1
