"""Two writers racing on one order: exactly one wins (DESIGN §3.1, §11). Needs PostgreSQL."""

import pytest
from django.db import connection

from orders.models import Actor, Order, OrderEvent, Status
from orders.services.cancellation import order_cancel
from orders.services.lifecycle import IllegalTransition, order_transition
from orders.tests.concurrency import race
from orders.tests.factories import OrderFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are only meaningful on PostgreSQL")


@pytest.mark.parametrize("attempt", range(5))
def test_cancel_racing_pickup_has_exactly_one_winner(attempt, customer):
    order = OrderFactory(user=customer, status=Status.ACCEPTED)

    results = race(
        lambda: order_cancel(order=Order.objects.get(pk=order.pk), actor_user=customer),
        lambda: order_transition(
            order=Order.objects.get(pk=order.pk), to=Status.PICKED_UP, actor=Actor.CARRIER
        ),
    )

    failures = [r for r in results if isinstance(r, Exception)]
    assert len(failures) == 1 and isinstance(failures[0], IllegalTransition)
    order.refresh_from_db()
    events = list(OrderEvent.objects.filter(order=order))
    assert len(events) == 1
    assert events[0].new_status == order.status
    assert order.status in (Status.CANCELLED, Status.PICKED_UP)


def test_two_identical_moves_apply_once(customer):
    order = OrderFactory(user=customer, status=Status.PLACED)

    results = race(
        *[
            (
                lambda: order_transition(
                    order=Order.objects.get(pk=order.pk), to=Status.ACCEPTED, actor=Actor.CARRIER
                )
            )
            for _ in range(4)
        ]
    )

    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert OrderEvent.objects.filter(order=order).count() == 1
