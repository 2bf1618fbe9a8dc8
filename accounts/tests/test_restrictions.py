"""Restrictions (DESIGN §6): the automatic rule on cancellations, the 403 gate, the end by itself."""

import copy
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from accounts.models import Restriction, RestrictionCause, RestrictionScope, Violation, ViolationKind
from accounts.restriction_responses import restricted_body
from accounts.services.restrictions import Restricted, restriction_apply, restriction_check
from carriers.services import carrier_credentials_rotate
from notifications.models import Kind, Notification
from orders.models import CancelReason, Order, Status
from orders.services.cancellation import cancellations_counted, order_cancel
from orders.tests.carrier_events_support import Sender, body
from orders.tests.factories import OrderFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 22, 9, 0, tzinfo=SHANGHAI)

SHIPMENT = {
    "sender": {
        "name": "张三",
        "phone": "13800138000",
        "province": "广东省",
        "city": "深圳市",
        "district": "南山区",
        "address": "科技园科苑路1号",
    },
    "recipient": {
        "name": "李四",
        "phone": "13900139000",
        "province": "北京市",
        "city": "北京市",
        "district": "朝阳区",
        "address": "建国路88号",
    },
    "weight_kg": "1.5",
    "dimensions_cm": {"length": 30, "width": 20, "height": 10},
    "item_type": "clothing",
    "description": "冬季外套",
    "quantity": 1,
    "declared_value": "500.00",
    "insured": True,
    "carrier": "swift-express",
    "contract_version": "v1",
}


def _booking(day: str) -> dict:
    payload = copy.deepcopy(SHIPMENT)
    payload["pickup_window"] = {"start": f"{day}T10:00:00+08:00", "end": f"{day}T12:00:00+08:00"}
    return payload


def _cancel(user, reason=CancelReason.CHANGED_MIND):
    order = OrderFactory(user=user, status=Status.PLACED)
    order_cancel(order=order, actor_user=user, reason=reason)
    return order


def _restrictions(user):
    return list(Restriction.objects.filter(user=user))


@time_machine.travel(T0, tick=False)
def test_the_third_cancellation_restricts_ordering_for_24_hours_and_tells_the_user_then(customer):
    _cancel(customer)
    _cancel(customer, CancelReason.WRONG_DETAILS)
    assert _restrictions(customer) == []
    assert not Notification.objects.filter(user=customer, kind=Kind.RESTRICTION_APPLIED).exists()

    _cancel(customer, CancelReason.OTHER)

    [restriction] = _restrictions(customer)
    assert (restriction.scope, restriction.cause) == (
        RestrictionScope.ORDERING,
        RestrictionCause.FREQUENT_CANCELLATIONS,
    )
    assert restriction.ends_at == T0 + timedelta(hours=24)
    [notice] = Notification.objects.filter(user=customer, kind=Kind.RESTRICTION_APPLIED)
    assert notice.title == "下单功能受限"
    assert "2026-11-23 09:00" in notice.body
    violation = Violation.objects.get(user=customer)
    assert violation.kind == ViolationKind.FREQUENT_CANCELLATION
    assert restriction.violation == violation
    # A fourth cancellation changes nothing more.
    _cancel(customer)
    assert len(_restrictions(customer)) == 1
    assert Notification.objects.filter(user=customer, kind=Kind.RESTRICTION_APPLIED).count() == 1


@time_machine.travel(T0, tick=False)
@pytest.mark.parametrize(
    "fault", [CancelReason.COURIER_NO_SHOW, CancelReason.COURIER_LATE, CancelReason.COURIER_ASKED]
)
def test_cancellations_that_are_the_carriers_fault_do_not_count(customer, fault):
    _cancel(customer)
    _cancel(customer)
    for _n in range(3):
        _cancel(customer, fault)
    assert cancellations_counted(user=customer) == 2
    assert _restrictions(customer) == []


def test_only_cancellations_within_24_hours_count(customer):
    with time_machine.travel(T0, tick=False):
        _cancel(customer)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        _cancel(customer)
    with time_machine.travel(T0 + timedelta(hours=24, seconds=1), tick=False):
        _cancel(customer)  # the first fell out of the window: two in 24 hours
        assert cancellations_counted(user=customer) == 2
        assert _restrictions(customer) == []
    with time_machine.travel(T0 + timedelta(hours=24, minutes=59), tick=False):
        _cancel(customer)  # 1 h, 24 h, 24 h 59 min: three within 24 hours
        [restriction] = _restrictions(customer)
        assert restriction.ends_at == T0 + timedelta(hours=48, minutes=59)


def test_three_cancellations_just_inside_24_hours_restrict(customer):
    with time_machine.travel(T0, tick=False):
        _cancel(customer)
        _cancel(customer)
    with time_machine.travel(T0 + timedelta(hours=23, minutes=59, seconds=59), tick=False):
        _cancel(customer)
    assert len(_restrictions(customer)) == 1


def test_cancellations_by_admins_and_carriers_do_not_count(customer, moderator):
    with time_machine.travel(T0, tick=False):
        for _n in range(3):
            order = OrderFactory(user=customer, status=Status.PLACED)
            order_cancel(order=order, actor_user=moderator, actor="admin")
    assert _restrictions(customer) == []


def test_a_customer_cancel_exception_from_the_carrier_counts(api_client, customer, carrier):
    send = Sender(api_client, carrier.code, carrier_credentials_rotate(carrier=carrier))
    with time_machine.travel(T0, tick=False):
        _cancel(customer)
        _cancel(customer)
        other = OrderFactory(
            user=customer, carrier=carrier, status=Status.ACCEPTED, status_changed_at=T0 - timedelta(hours=1)
        )
        unreachable = send.post(
            body(
                other,
                "order.pickup_exception",
                T0 - timedelta(minutes=5),
                {"code": "unreachable", "note": ""},
            )
        )
        assert unreachable.status_code == 200
        assert _restrictions(customer) == []
        order = OrderFactory(
            user=customer, carrier=carrier, status=Status.ACCEPTED, status_changed_at=T0 - timedelta(hours=1)
        )
        response = send.post(
            body(
                order,
                "order.pickup_exception",
                T0 - timedelta(minutes=5),
                {"code": "customer_cancel", "note": ""},
            )
        )
        assert response.status_code == 200
    [restriction] = _restrictions(customer)
    assert restriction.scope == RestrictionScope.ORDERING


@pytest.fixture
def restricted(customer):
    with time_machine.travel(T0, tick=False):
        for _n in range(3):
            _cancel(customer)
    return Restriction.objects.get(user=customer)


def test_booking_over_the_api_is_403_with_reason_and_end_and_lifts_by_itself(
    demo_carriers, customer_client, customer, restricted
):
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        before = Order.objects.count()
        response = customer_client.post("/api/v1/orders/", _booking("2026-11-23"), format="json")
        assert response.status_code == 403
        assert response.json() == {
            "error": "您的账号暂时不能预约新的上门取件。原因：24 小时内取消 3 次及以上。限制将于 2026-11-23 09:00 结束。",
            "code": "restricted",
            "scope": "ordering",
            "reason": "24 小时内取消 3 次及以上",
            "ends_at": "2026-11-23T01:00:00+00:00",
        }
        assert Order.objects.count() == before
    with time_machine.travel(T0 + timedelta(hours=24, seconds=1), tick=False):
        lifted = customer_client.post("/api/v1/orders/", _booking("2026-11-24"), format="json")
        assert lifted.status_code == 201


def test_open_orders_go_on_while_restricted(customer_client, customer, restricted):
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        order = OrderFactory(user=customer, status=Status.ACCEPTED)
        response = customer_client.post(
            f"/api/v1/orders/{order.number}/cancel/", {"reason": "courier_late"}, format="json"
        )
        assert response.status_code == 200
        assert customer_client.get(f"/api/v1/orders/{order.number}/").status_code == 200


def test_booking_page_shows_the_restriction(customer, restricted):
    browser = Client()
    browser.force_login(customer)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        page = browser.get("/")
        assert page.status_code == 403
        html = page.content.decode()
        assert "24 小时内取消 3 次及以上" in html
        assert "2026-11-23 09:00" in html
        assert browser.get("/book/quote/").status_code == 403
    with time_machine.travel(T0 + timedelta(hours=25), tick=False):
        assert browser.get("/").status_code == 200


def test_reviewing_gate(customer, moderator):
    restriction_check(user=customer, scope=RestrictionScope.REVIEWING)  # nothing on record
    restriction_apply(
        user=customer,
        scope=RestrictionScope.REVIEWING,
        reason="恶意评价",
        ends_at=None,
        created_by=moderator,
    )
    restriction_check(user=customer, scope=RestrictionScope.ORDERING)  # ordering is free
    with pytest.raises(Restricted) as refused:
        restriction_check(user=customer, scope=RestrictionScope.REVIEWING)
    assert restricted_body(refused.value) == {
        "error": "您的账号暂时不能发表评价。原因：恶意评价。此限制为永久限制。",
        "code": "restricted",
        "scope": "reviewing",
        "reason": "恶意评价",
        "ends_at": None,
    }


def test_an_admin_restriction_needs_a_reason(customer, moderator):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        restriction_apply(
            user=customer, scope=RestrictionScope.BOTH, reason=" ", ends_at=None, created_by=moderator
        )
    assert _restrictions(customer) == []


def test_admin_suspends_with_a_reason_and_lifts(client, moderator, customer):
    client.force_login(moderator)
    refused = client.post(
        "/admin/accounts/user/",
        {"action": "suspend", "_selected_action": [customer.pk], "reason": ""},
        follow=True,
    )
    assert refused.status_code == 200
    assert _restrictions(customer) == []

    client.post(
        "/admin/accounts/user/",
        {"action": "suspend", "_selected_action": [customer.pk], "reason": "多次虚假下单"},
        follow=True,
    )
    [suspension] = _restrictions(customer)
    assert (suspension.scope, suspension.cause, suspension.reason, suspension.ends_at) == (
        RestrictionScope.BOTH,
        RestrictionCause.SUSPENSION,
        "多次虚假下单",
        None,
    )
    assert suspension.created_by == moderator
    for scope in (RestrictionScope.ORDERING, RestrictionScope.REVIEWING):
        with pytest.raises(Restricted):
            restriction_check(user=customer, scope=scope)
    notice = Notification.objects.get(user=customer, kind=Kind.RESTRICTION_APPLIED)
    assert "多次虚假下单" in notice.body
    assert client.get(f"/admin/accounts/user/{customer.pk}/change/").status_code == 200

    client.post(
        "/admin/accounts/restriction/", {"action": "lift", "_selected_action": [suspension.pk]}, follow=True
    )
    suspension.refresh_from_db()
    assert suspension.lifted_at is not None
    restriction_check(user=customer, scope=RestrictionScope.ORDERING)


def test_admin_applies_a_timed_restriction(client, moderator, customer):
    client.force_login(moderator)
    with time_machine.travel(T0, tick=False):
        response = client.post(
            "/admin/accounts/restriction/add/",
            {
                "user": customer.pk,
                "scope": "reviewing",
                "reason": "恶意评价",
                "ends_at_0": "2026-11-29",
                "ends_at_1": "09:00:00",
            },
        )
    assert response.status_code == 302
    [restriction] = _restrictions(customer)
    assert restriction.ends_at == datetime(2026, 11, 29, 9, 0, tzinfo=SHANGHAI)
    assert restriction.created_by == moderator


def test_reviewing_over_the_api_and_the_page_is_403_while_restricted(customer, customer_client, moderator):
    from reviews.models import Review
    from reviews.tests.factories import signed_order

    with time_machine.travel(T0, tick=False):
        order = signed_order(user=customer)
        restriction_apply(
            user=customer,
            scope=RestrictionScope.BOTH,
            reason="多次恶意差评",
            ends_at=T0 + timedelta(days=7),
            created_by=moderator,
        )
        response = customer_client.post(
            f"/api/v1/orders/{order.number}/review/",
            {"carrier_rating": 5, "platform_rating": 5, "text": "很好"},
            format="multipart",
        )
        assert response.status_code == 403
        assert response.json() == {
            "error": "您的账号暂时不能发表评价。原因：多次恶意差评。限制将于 2026-11-29 09:00 结束。",
            "code": "restricted",
            "scope": "both",
            "reason": "多次恶意差评",
            "ends_at": "2026-11-29T01:00:00+00:00",
        }
        browser = Client()
        browser.force_login(customer)
        page = browser.get(f"/reviews/new/{order.number}/")
        assert page.status_code == 403
        assert "多次恶意差评" in page.content.decode()
        assert Review.objects.count() == 0
    with time_machine.travel(T0 + timedelta(days=7, seconds=1), tick=False):
        response = customer_client.post(
            f"/api/v1/orders/{order.number}/review/",
            {"carrier_rating": 5, "platform_rating": 5, "text": "很好"},
            format="multipart",
        )
        assert response.status_code == 201
