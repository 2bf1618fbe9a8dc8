"""order_list_for_user / order_get_for_user: only the owner's visible orders."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.utils import timezone

from orders.models import Status
from orders.selectors import order_get_for_user, order_list_for_user
from orders.tests.factories import OrderEventFactory, OrderFactory


@pytest.mark.django_db
def test_list_excludes_hidden_and_others_and_filters_status(customer, other_customer):
    placed = OrderFactory(user=customer, status=Status.PLACED)
    signed = OrderFactory(user=customer, status=Status.SIGNED, carrier=placed.carrier)
    OrderFactory(user=customer, hidden_by_user_at=timezone.now(), carrier=placed.carrier)
    OrderFactory(user=other_customer, carrier=placed.carrier)

    assert set(order_list_for_user(user=customer)) == {placed, signed}
    assert list(order_list_for_user(user=customer, status=Status.SIGNED)) == [signed]
    assert list(order_list_for_user(user=AnonymousUser())) == []


@pytest.mark.django_db
def test_get_prefetches_the_timeline(customer, django_assert_num_queries):
    order = OrderFactory(user=customer)
    OrderEventFactory.create_batch(3, order=order)

    with django_assert_num_queries(2):
        fetched = order_get_for_user(user=customer, number=order.number)
        assert fetched.carrier.code and fetched.contract.version
        assert len(list(fetched.events.all())) == 3


@pytest.mark.django_db
def test_get_is_404_for_others_and_hidden(customer, other_customer):
    order = OrderFactory(user=customer)
    with pytest.raises(Http404):
        order_get_for_user(user=other_customer, number=order.number)
    order.hidden_by_user_at = timezone.now()
    order.save(update_fields=["hidden_by_user_at"])
    with pytest.raises(Http404):
        order_get_for_user(user=customer, number=order.number)
