"""GET/DELETE /api/v1/orders/…, cancel: owner only, constant queries, filter, pagination (§7.3)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from orders.models import Actor, Order, OrderEvent, Status
from orders.tests.factories import OrderEventFactory, OrderFactory

S = Status
LIST_URL = "/api/v1/orders/"


def detail_url(order: Order) -> str:
    return f"/api/v1/orders/{order.number}/"


def cancel_url(order: Order) -> str:
    return f"/api/v1/orders/{order.number}/cancel/"


# --- detail ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_detail_shows_the_order_with_timeline_courier_and_code(customer, customer_client):
    order = OrderFactory(
        user=customer,
        status=S.PICKED_UP,
        pickup_code="048213",
        courier_name="王师傅",
        courier_phone="+8613700000000",
        courier_employee_id="E1024",
        waybill_no="SW123456789",
        fee_amount=Decimal("26.00"),
        fee_currency="CNY",
        estimate_amount=Decimal("23.00"),
        estimate_breakdown={"freight": "22.00", "insurance": "1.00"},
        deadline=None,
        length_cm=Decimal("30"),
        width_cm=Decimal("20"),
        height_cm=Decimal("10"),
    )
    t0 = timezone.now() - timedelta(hours=3)
    OrderEventFactory(order=order, old_status="", new_status=S.PLACED, actor=Actor.USER, occurred_at=t0)
    OrderEventFactory(
        order=order,
        old_status=S.PLACED,
        new_status=S.PICKED_UP,
        actor=Actor.CARRIER,
        occurred_at=t0 + timedelta(hours=2),
        note="已揽收",
    )

    response = customer_client.get(detail_url(order))

    assert response.status_code == 200
    body = response.json()
    assert body["number"] == order.number
    assert (body["status"], body["status_label"]) == ("picked_up", "已揽件")
    assert body["carrier"] == order.carrier.code
    assert body["pickup_code"] == "048213"
    assert body["courier"] == {"name": "王师傅", "phone": "+8613700000000", "employee_id": "E1024"}
    assert body["waybill_no"] == "SW123456789"
    assert body["fee"] == {"amount": "26.00", "currency": "CNY"}
    assert body["estimate"] == {
        "amount": "23.00",
        "currency": "CNY",
        "breakdown": {"freight": "22.00", "insurance": "1.00"},
    }
    assert body["deadline"] is None
    assert body["exception"] is None
    assert body["return_state"] == ""
    assert body["dimensions_cm"] == {"length": "30.0", "width": "20.0", "height": "10.0"}
    assert body["sender"]["phone"] == "+8613800138000"
    assert [(e["old_status"], e["new_status"], e["actor"]) for e in body["events"]] == [
        ("", "placed", "user"),
        ("placed", "picked_up", "carrier"),
    ]
    assert body["events"][1]["status_label"] == "已揽件"
    assert body["events"][1]["note"] == "已揽收"


@pytest.mark.django_db
def test_detail_shows_the_open_pickup_exception(customer, customer_client):
    deadline = timezone.now() + timedelta(hours=6)
    order = OrderFactory(
        user=customer,
        status=S.ACCEPTED,
        exception_code="unreachable",
        exception_note="无人接听",
        deadline=deadline,
    )
    body = customer_client.get(detail_url(order)).json()
    assert body["exception"]["code"] == "unreachable"
    assert body["exception"]["note"] == "无人接听"
    assert body["fee"] is None
    assert body["courier"] is None


@pytest.mark.django_db
def test_token_auth_works(customer):
    order = OrderFactory(user=customer)
    token = Token.objects.create(user=customer)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get(detail_url(order)).status_code == 200


@pytest.mark.django_db
def test_anonymous_is_refused(api_client, customer):
    order = OrderFactory(user=customer)
    assert api_client.get(LIST_URL).status_code in (401, 403)
    assert api_client.get(detail_url(order)).status_code in (401, 403)


# --- no IDOR ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_another_users_order_is_404_for_detail_cancel_and_delete(customer, other_customer, customer_client):
    theirs = OrderFactory(user=other_customer, status=S.PLACED)

    assert customer_client.get(detail_url(theirs)).status_code == 404
    assert customer_client.post(cancel_url(theirs), {"reason": "other"}, format="json").status_code == 404
    assert customer_client.delete(detail_url(theirs)).status_code == 404

    theirs.refresh_from_db()
    assert (theirs.status, theirs.hidden_by_user_at) == (S.PLACED, None)
    assert not OrderEvent.objects.exists()
    assert customer_client.get(LIST_URL).json()["results"] == []


@pytest.mark.django_db
def test_unknown_number_is_404(customer_client):
    assert customer_client.get("/api/v1/orders/CP000000NOPE/").status_code == 404


# --- cancel ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_cancel_before_pickup(customer, customer_client):
    order = OrderFactory(user=customer, status=S.ACCEPTED)

    response = customer_client.post(cancel_url(order), {"reason": "courier_late"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["status_label"], body["cancel_reason"]) == (
        "cancelled",
        "已取消",
        "courier_late",
    )
    assert body["events"][-1]["new_status"] == "cancelled"
    event = OrderEvent.objects.get(order=order)
    assert (event.actor, event.actor_user) == (Actor.USER, customer)


@pytest.mark.django_db
def test_cancel_reason_defaults_to_other(customer, customer_client):
    order = OrderFactory(user=customer)
    response = customer_client.post(cancel_url(order), {}, format="json")
    assert response.status_code == 200
    assert response.json()["cancel_reason"] == "other"


@pytest.mark.django_db
def test_cancel_with_unknown_reason_is_a_field_error(customer, customer_client):
    order = OrderFactory(user=customer)
    response = customer_client.post(cancel_url(order), {"reason": "bored"}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()
    assert Order.objects.get(pk=order.pk).status == S.PLACED


@pytest.mark.django_db
def test_cancel_after_pickup_is_409_with_the_message(customer, customer_client):
    order = OrderFactory(user=customer, status=S.IN_TRANSIT)

    response = customer_client.post(cancel_url(order), {"reason": "changed_mind"}, format="json")

    assert response.status_code == 409
    assert response.json() == {"error": "已揽件的订单不能取消，如有问题请联系快递公司。"}
    assert Order.objects.get(pk=order.pk).status == S.IN_TRANSIT
    assert not OrderEvent.objects.exists()


# --- delete ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_delete_hides_but_does_not_cancel(customer, customer_client):
    order = OrderFactory(user=customer, status=S.ACCEPTED)

    response = customer_client.delete(detail_url(order))

    assert response.status_code == 204
    order.refresh_from_db()
    assert order.status == S.ACCEPTED
    assert order.hidden_by_user_at is not None
    assert not OrderEvent.objects.exists()
    assert customer_client.get(detail_url(order)).status_code == 404
    assert customer_client.post(cancel_url(order), {}, format="json").status_code == 404
    assert customer_client.get(LIST_URL).json()["count"] == 0


# --- list ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_is_mine_newest_first_without_hidden(customer, other_customer, customer_client):
    old = OrderFactory(user=customer)
    new = OrderFactory(user=customer)
    Order.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=1))
    OrderFactory(user=customer, hidden_by_user_at=timezone.now())
    OrderFactory(user=other_customer)

    body = customer_client.get(LIST_URL).json()

    assert body["count"] == 2
    assert [o["number"] for o in body["results"]] == [new.number, old.number]
    assert "events" not in body["results"][0]
    assert body["results"][0]["pickup_code"] == new.pickup_code


@pytest.mark.django_db
def test_list_filters_by_status(customer, customer_client):
    OrderFactory(user=customer, status=S.PLACED)
    signed = OrderFactory(user=customer, status=S.SIGNED)

    body = customer_client.get(LIST_URL, {"status": "signed"}).json()
    assert [o["number"] for o in body["results"]] == [signed.number]

    assert customer_client.get(LIST_URL, {"status": "nonsense"}).status_code == 400


@pytest.mark.django_db
def test_list_is_paginated(customer, customer_client):
    carrier = OrderFactory(user=customer).carrier
    OrderFactory.create_batch(24, user=customer, carrier=carrier)

    first = customer_client.get(LIST_URL).json()
    second = customer_client.get(LIST_URL, {"page": 2}).json()

    assert first["count"] == 25
    assert len(first["results"]) == 20
    assert first["next"].endswith("?page=2")
    assert len(second["results"]) == 5
    assert second["next"] is None
    numbers = {o["number"] for o in first["results"]} | {o["number"] for o in second["results"]}
    assert len(numbers) == 25


@pytest.mark.django_db
@pytest.mark.parametrize("how_many", [3, 30])
def test_list_query_count_is_constant(how_many, customer, customer_client, django_assert_max_num_queries):
    first = OrderFactory(user=customer, status=S.PICKED_UP, courier_name="王师傅")
    OrderFactory.create_batch(how_many - 1, user=customer, carrier=first.carrier, rebooked_from=first)

    with django_assert_max_num_queries(2):  # the page and its count
        response = customer_client.get(LIST_URL)

    assert response.status_code == 200
    assert response.json()["count"] == how_many


@pytest.mark.django_db
@pytest.mark.parametrize("how_many", [3, 30])
def test_detail_query_count_is_constant(how_many, customer, customer_client, django_assert_max_num_queries):
    order = OrderFactory(user=customer)
    OrderEventFactory.create_batch(how_many, order=order)

    with django_assert_max_num_queries(2):  # the order with its carrier and contract, its events
        response = customer_client.get(detail_url(order))

    assert len(response.json()["events"]) == how_many
