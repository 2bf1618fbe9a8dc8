"""The carrier's decision on a claim over the signed callback ``claim.decided`` (DESIGN §7.2, §10):
a compensation above the lowest of the amount claimed, the receipt (declared) value and the
carrier's cap (HKD 20,000 for hk-bag) is refused; the return freight is deducted; the user is told."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from carriers.services import carrier_credentials_rotate
from carriers.webhooks import sign_payload
from notifications.models import Notification
from orders.models import Claim, ClaimStatus, OrderEvent
from orders.tests.carrier_events_support import Sender, body, new_msg_id
from orders.tests.claims_support import PICKED_AT, S, claim_post, picked_up_parcel

pytestmark = pytest.mark.django_db


@pytest.fixture
def hk_bag(demo_carriers):
    return demo_carriers["hk-bag"]


@pytest.fixture
def now(time_machine):
    moment = PICKED_AT + timedelta(days=3)
    time_machine.move_to(moment, tick=False)
    return moment


@pytest.fixture
def send(api_client, hk_bag):
    return Sender(api_client, hk_bag.code, carrier_credentials_rotate(carrier=hk_bag))


def _claim(customer, customer_client, order, amount: str) -> Claim:
    response = claim_post(customer_client, order, amount=amount)
    assert response.status_code == 201
    return Claim.objects.get(pk=response.json()["id"])


def _decided(order, claim, *, occurred_at, **data) -> dict:
    return body(order, "claim.decided", occurred_at, {"claim": claim.pk, **data})


def test_an_approved_claim_reaches_the_user_with_the_return_freight_deducted(
    send, hk_bag, customer, customer_client, now, time_machine
):
    customer.language = "en"
    customer.save(update_fields=["language"])
    order = picked_up_parcel(hk_bag, customer, S.REJECTED, declared_value=Decimal("800.00"))
    claim = _claim(customer, customer_client, order, "650.00")
    time_machine.move_to(now + timedelta(days=5), tick=False)
    decided_at = now + timedelta(days=4)

    response = send.post(
        _decided(
            order,
            claim,
            occurred_at=decided_at,
            decision="approved",
            amount="600.00",
            return_freight="45.00",
            note="按售价证明赔偿",
        )
    )

    assert (response.status_code, response.json()) == (200, {"result": "applied"})
    claim.refresh_from_db()
    assert (claim.status, claim.compensation, claim.return_freight, claim.paid_out, claim.decided_at) == (
        ClaimStatus.APPROVED,
        Decimal("600.00"),
        Decimal("45.00"),
        Decimal("555.00"),
        decided_at,
    )
    [notice] = Notification.objects.filter(order=order, kind="claim_decided")
    assert notice.title == f"Your claim on order {order.number} is approved"
    assert notice.body == (
        "Compensation: HK$600.00\nReturn freight deducted: HK$45.00\nPaid to you: HK$555.00\n"
        "Carrier's note: 按售价证明赔偿"
    )
    [shown] = customer_client.get(f"/api/v1/orders/{order.number}/").json()["claims"]
    assert shown["status"] == "approved"
    assert shown["decision"] == {
        "amount": {"amount": "600.00", "currency": "HKD"},
        "return_freight": {"amount": "45.00", "currency": "HKD"},
        "paid_out": {"amount": "555.00", "currency": "HKD"},
        "note": "按售价证明赔偿",
        "decided_at": timezone.localtime(decided_at).isoformat(),
    }
    entry = OrderEvent.objects.get(order=order, kind="claim.decided")
    assert (entry.actor, entry.source_event_id, entry.occurred_at, entry.new_status) == (
        "carrier",
        send.last_msg_id,
        decided_at,
        S.REJECTED,
    )


def test_a_rejected_claim_is_told_to_the_user(send, hk_bag, customer, customer_client, now):
    customer.language = "en"
    customer.save(update_fields=["language"])
    order = picked_up_parcel(hk_bag, customer, S.IN_TRANSIT)
    claim = _claim(customer, customer_client, order, "300.00")

    response = send.post(
        _decided(order, claim, occurred_at=now, decision="rejected", note="包裹已找到，正在派送")
    )

    assert response.json() == {"result": "applied"}
    claim.refresh_from_db()
    assert (claim.status, claim.compensation, claim.paid_out) == (ClaimStatus.REJECTED, None, None)
    [notice] = Notification.objects.filter(order=order, kind="claim_decided")
    assert (notice.title, notice.body) == (
        f"Your claim on order {order.number} is rejected",
        "The carrier rejected your claim.\nCarrier's note: 包裹已找到，正在派送",
    )


# The limit is the lowest of the three: each one binds in turn, on both sides of it.
LIMITS = [
    # (declared value, amount claimed, the limit that binds)
    pytest.param("30000.00", "25000.00", "20000.00", id="the-carriers-cap"),
    pytest.param("800.00", "650.00", "650.00", id="the-amount-claimed"),
    pytest.param("500.00", "650.00", "500.00", id="the-receipt-value"),
]


@pytest.mark.parametrize(("declared", "claimed", "limit"), LIMITS)
def test_the_compensation_up_to_the_limit_is_accepted(
    send, hk_bag, customer, customer_client, now, declared, claimed, limit
):
    order = picked_up_parcel(hk_bag, customer, declared_value=Decimal(declared))
    claim = _claim(customer, customer_client, order, claimed)

    response = send.post(_decided(order, claim, occurred_at=now, decision="approved", amount=limit))

    assert response.json() == {"result": "applied"}
    claim.refresh_from_db()
    assert (claim.status, claim.compensation) == (ClaimStatus.APPROVED, Decimal(limit))


@pytest.mark.parametrize(("declared", "claimed", "limit"), LIMITS)
def test_a_compensation_a_cent_above_the_limit_is_refused(
    send, hk_bag, customer, customer_client, now, declared, claimed, limit
):
    order = picked_up_parcel(hk_bag, customer, declared_value=Decimal(declared))
    claim = _claim(customer, customer_client, order, claimed)
    above = str(Decimal(limit) + Decimal("0.01"))

    response = send.post(
        _decided(order, claim, occurred_at=now, decision="approved", amount=above),
        headers={"accept-language": "en"},
    )

    assert response.status_code == 409
    assert response.json() == {
        "error": "compensation_over_limit",
        "detail": f"The compensation may not exceed {limit} HKD: the lowest of the amount claimed, the "
        "receipt (declared) value and the carrier's cap.",
        "status": "picked_up",
    }
    claim.refresh_from_db()
    assert (claim.status, claim.compensation) == (ClaimStatus.SUBMITTED, None)
    assert not Notification.objects.filter(order=order, kind="claim_decided").exists()
    assert not OrderEvent.objects.filter(order=order, kind="claim.decided").exists()


def test_the_return_freight_cannot_exceed_the_compensation(send, hk_bag, customer, customer_client, now):
    order = picked_up_parcel(hk_bag, customer)
    claim = _claim(customer, customer_client, order, "300.00")

    response = send.post(
        _decided(order, claim, occurred_at=now, decision="approved", amount="100.00", return_freight="100.01")
    )

    assert (response.status_code, response.json()["error"]) == (409, "return_freight_over_compensation")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED


def test_an_approval_without_an_amount_is_400(send, hk_bag, customer, customer_client, now):
    order = picked_up_parcel(hk_bag, customer)
    claim = _claim(customer, customer_client, order, "300.00")

    response = send.post(_decided(order, claim, occurred_at=now, decision="approved"))

    assert response.status_code == 400
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED


def test_an_unknown_claim_is_409(send, hk_bag, customer, customer_client, now):
    order = picked_up_parcel(hk_bag, customer)
    claim = _claim(customer, customer_client, order, "300.00")
    other = picked_up_parcel(hk_bag, customer)

    # The claim exists, but on another order.
    response = send.post(_decided(other, claim, occurred_at=now, decision="rejected"))

    assert (response.status_code, response.json()["error"]) == (409, "claim_not_found")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED


def test_the_same_decision_again_is_recorded_and_another_is_refused(
    send, hk_bag, customer, customer_client, now
):
    order = picked_up_parcel(hk_bag, customer)
    claim = _claim(customer, customer_client, order, "300.00")
    send.post(_decided(order, claim, occurred_at=now, decision="approved", amount="300.00"))

    again = send.post(_decided(order, claim, occurred_at=now, decision="approved", amount="300.00"))
    changed = send.post(_decided(order, claim, occurred_at=now, decision="rejected"))

    assert again.json() == {"result": "recorded"}
    assert (changed.status_code, changed.json()["error"]) == (409, "claim_decided_already")
    claim.refresh_from_db()
    assert (claim.status, claim.compensation) == (ClaimStatus.APPROVED, Decimal("300.00"))
    assert Notification.objects.filter(order=order, kind="claim_decided").count() == 1


def test_a_decision_is_never_late(send, hk_bag, customer, customer_client, now, time_machine):
    """Decided while in transit, reported after the parcel was signed: still the decision."""
    order = picked_up_parcel(hk_bag, customer, S.IN_TRANSIT)
    claim = _claim(customer, customer_client, order, "300.00")
    time_machine.move_to(now + timedelta(hours=3), tick=False)
    send.post(
        body(order, "order.signed", now + timedelta(hours=2), {"signed_by": "本人", "remark": "内物缺失"})
    )

    response = send.post(
        _decided(order, claim, occurred_at=now + timedelta(hours=1), decision="approved", amount="120.00")
    )

    assert response.json() == {"result": "applied"}
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED


def test_an_unsigned_decision_changes_nothing(api_client, hk_bag, customer, customer_client, now):
    order = picked_up_parcel(hk_bag, customer)
    claim = _claim(customer, customer_client, order, "300.00")
    raw = json.dumps(_decided(order, claim, occurred_at=now, decision="approved", amount="300.00"))
    signed = sign_payload(
        secret="whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=",
        msg_id=new_msg_id(),
        timestamp=now,
        body=raw.encode(),
    )

    response = api_client.post(
        f"/api/v1/carriers/{hk_bag.code}/events/", data=raw, content_type="application/json", headers=signed
    )

    assert response.status_code == 401
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED


def test_the_decision_callback_query_count(
    send, hk_bag, customer, customer_client, now, django_assert_num_queries
):
    order = picked_up_parcel(hk_bag, customer)
    claim = _claim(customer, customer_client, order, "300.00")
    payload = _decided(order, claim, occurred_at=now, decision="approved", amount="300.00")

    # The carrier and its secret; the savepoint, the order's lock; the claim, its update; the
    # timeline entry; the owner, the notice's duplicate check, savepoint, notice, its delivery,
    # release; the log row; the release.
    with django_assert_num_queries(15):
        response = send.post(payload)

    assert response.json() == {"result": "applied"}
