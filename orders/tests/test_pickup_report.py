"""What the courier reports at pickup (DESIGN §3.1 picked_up, §7.2): kept on the order and shown.

The actual weight is an order field (the user's and the carrier's APIs show it); the courier's
corrections stay in the event's data, which the user's timeline shows — never a pickup code.
"""

from decimal import Decimal

import pytest

from carriers.services import carrier_credentials_rotate
from orders.models import Actor, Status
from orders.tests.carrier_events_support import (
    NOW,
    PICKUP_CODE,
    Sender,
    body,
    minutes_ago,
    order_at,
    picked_up_data,
)
from orders.tests.factories import OrderEventFactory

pytestmark = pytest.mark.django_db
S = Status


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def send(api_client, carrier):
    return Sender(api_client, carrier.code, carrier_credentials_rotate(carrier=carrier))


def test_the_actual_weight_is_kept_and_shown_to_the_user_and_the_carrier(
    send, carrier, customer, customer_client
):
    order = order_at(carrier, customer, S.ACCEPTED)
    corrections = {"recipient_phone": "13900139001"}

    response = send.post(
        body(
            order,
            "order.picked_up",
            minutes_ago(15),
            picked_up_data(weight_kg="1.625", corrections=corrections),
        )
    )

    assert response.json() == {"result": "applied"}
    order.refresh_from_db()
    assert (order.weight_kg, order.actual_weight_kg) == (Decimal("1.50"), Decimal("1.625"))

    detail = customer_client.get(f"/api/v1/orders/{order.number}/").json()
    assert (detail["weight_kg"], detail["actual_weight_kg"]) == ("1.50", "1.625")
    [event] = detail["events"]
    assert event["kind"] == "order.picked_up"
    assert event["data"] == {
        "waybill_no": "SF1234567890",
        "weight_kg": "1.625",
        "fee": {"amount": "23.00", "currency": "CNY"},
        "corrections": corrections,
    }
    listed = customer_client.get("/api/v1/orders/").json()["results"]
    assert [o["actual_weight_kg"] for o in listed] == ["1.625"]

    [pulled] = send.get_orders({"status": "picked_up"}).json()["results"]
    assert (pulled["number"], pulled["actual_weight_kg"]) == (order.number, "1.625")


def test_a_repeated_pickup_report_does_not_change_the_weight(send, carrier, customer):
    order = order_at(carrier, customer, S.ACCEPTED)
    send.post(body(order, "order.picked_up", minutes_ago(15), picked_up_data(weight_kg="1.6")))

    response = send.post(body(order, "order.picked_up", minutes_ago(10), picked_up_data(weight_kg="9.9")))

    assert response.json() == {"result": "recorded"}
    order.refresh_from_db()
    assert order.actual_weight_kg == Decimal("1.600")


def test_before_pickup_there_is_no_actual_weight(carrier, customer, customer_client):
    order = order_at(carrier, customer, S.PLACED)
    assert customer_client.get(f"/api/v1/orders/{order.number}/").json()["actual_weight_kg"] is None


def test_the_timeline_never_shows_a_pickup_code_whatever_an_event_holds(carrier, customer, customer_client):
    order = order_at(carrier, customer, S.PICKED_UP)
    OrderEventFactory(
        order=order,
        kind="order.picked_up",
        old_status=S.ACCEPTED,
        new_status=S.PICKED_UP,
        actor=Actor.CARRIER,
        data={
            "pickup_code": PICKUP_CODE,
            "waybill_no": "SF1",
            "corrections": {"pickup_code": PICKUP_CODE, "sender_name": "张三丰"},
            "history": [{"pickup_code": PICKUP_CODE, "at": "x"}],
        },
    )

    response = customer_client.get(f"/api/v1/orders/{order.number}/")

    # Once only: the order's own code, which its owner sees.
    assert response.content.decode().count(PICKUP_CODE) == 1
    assert response.json()["pickup_code"] == PICKUP_CODE
    assert response.json()["events"][0]["data"] == {
        "waybill_no": "SF1",
        "corrections": {"sender_name": "张三丰"},
        "history": [{"at": "x"}],
    }
