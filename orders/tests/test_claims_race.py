"""Two claims racing for one parcel, and a decision racing an admin's: one wins (PostgreSQL)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection

from orders.models import Claim, ClaimStatus, Order, OrderEvent, OutboxMessage
from orders.services import claims
from orders.tests.claims_support import PICKED_AT, picked_up_parcel
from orders.tests.concurrency import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgres(time_machine):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are only meaningful on PostgreSQL")
    time_machine.move_to(PICKED_AT + timedelta(days=2), tick=False)


def _file(order, customer, kind):
    return lambda: claims.claim_file(
        order=Order.objects.get(pk=order.pk),
        user=customer,
        kind=kind,
        amount=Decimal("300.00"),
        description="同时提交",
    )


@pytest.mark.parametrize("attempt", range(3))
def test_two_claims_at_once_file_one(attempt, demo_carriers, customer):
    order = picked_up_parcel(demo_carriers["hk-bag"], customer)

    results = race(_file(order, customer, "lost"), _file(order, customer, "short"))

    refusals = [r for r in results if isinstance(r, Exception)]
    assert len(refusals) == 1
    assert (type(refusals[0]), refusals[0].rule) == (claims.ClaimRefused, "claim_exists")
    assert Claim.objects.filter(order=order).count() == 1
    assert OutboxMessage.objects.filter(order=order, event_type="claim.created").count() == 1
    assert OrderEvent.objects.filter(order=order, kind="claim.filed").count() == 1


@pytest.mark.parametrize("attempt", range(3))
def test_two_different_decisions_at_once_record_one(attempt, demo_carriers, customer):
    order = picked_up_parcel(demo_carriers["hk-bag"], customer)
    claim = _file(order, customer, "lost")()

    def decide(decision: str):
        return lambda: claims.claim_decide(
            order=Order.objects.get(pk=order.pk),
            claim_id=claim.pk,
            decision=claims.Decision(
                decision=decision,
                amount=Decimal("100.00") if decision == "approved" else None,
                return_freight=Decimal("0"),
                note="",
            ),
            actor="admin",
        )

    results = race(decide("approved"), decide("rejected"))

    refusals = [r for r in results if isinstance(r, Exception)]
    assert len(refusals) == 1
    assert refusals[0].rule == "claim_decided_already"
    claim.refresh_from_db()
    assert claim.status in (ClaimStatus.APPROVED, ClaimStatus.REJECTED)
    assert OrderEvent.objects.filter(order=order, kind="claim.decided").count() == 1
