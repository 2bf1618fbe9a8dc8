"""Factories for review tests: signed orders (with their order.signed event) and reviews."""

from datetime import datetime

import factory
from django.utils import timezone

from orders.models import Actor, OrderEvent, Status
from orders.tests.factories import OrderFactory
from reviews.models import Review, ReviewStatus


def signed_order(*, user, carrier=None, signed_at: datetime | None = None, **fields):
    """An order of ``user`` the carrier reported signed at ``signed_at`` (default: now)."""
    signed_at = signed_at or timezone.now()
    if carrier is not None:
        fields["carrier"] = carrier
        contract = carrier.contracts.order_by("-id").first()
        if contract is not None:
            fields.setdefault("contract", contract)
    order = OrderFactory(user=user, status=Status.SIGNED, status_changed_at=signed_at, **fields)
    OrderEvent.objects.create(
        order=order,
        kind="status",
        old_status=Status.OUT_FOR_DELIVERY,
        new_status=Status.SIGNED,
        actor=Actor.CARRIER,
        occurred_at=signed_at,
    )
    return order


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    order = factory.LazyAttribute(lambda o: signed_order(user=o.user, carrier=o.carrier))
    user = factory.SubFactory("tests.factories.UserFactory")
    carrier = factory.SubFactory("orders.tests.factories.CarrierFactory")
    carrier_rating = 5
    platform_rating = 5
    text = "快递员很准时，包装完好"
    status = ReviewStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
