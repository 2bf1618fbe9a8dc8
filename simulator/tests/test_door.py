"""The courier at the door (development only): the sender tells a simulated courier the pickup code
on ``/simulator/door/``, and the carrier that requires it collects; a wrong code is refused by the
platform as for any courier."""

import re

import pytest
from django.urls import reverse

from orders.models import OrderEvent, Status
from simulator.tests.test_simulator import due_for_pickup, order_for

S = Status
DOOR = "/simulator/door/"


@pytest.fixture
def live_simulator(settings, carrier, live_server):
    settings.CARRIER_SIMULATOR = True
    settings.SIMULATOR_STEP_SECONDS = 2
    settings.SIMULATOR_PROBLEM_RATE = 0
    settings.CELERY_TASK_ALWAYS_EAGER = False  # steps run here, by the page
    settings.PLATFORM_URL = live_server.url
    return carrier


def test_the_page_is_served_while_the_simulator_is_installed():
    assert reverse("simulator:door") == DOOR


@pytest.mark.django_db
def test_the_page_needs_a_login(client):
    response = client.get(DOOR)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db(transaction=True)
def test_a_waiting_courier_is_listed_and_collects_with_the_right_code(live_simulator, customer, client):
    waiting = due_for_pickup(live_simulator, user=customer, status=S.ACCEPTED)
    order_for(live_simulator, user=customer, status=S.ACCEPTED)  # window tomorrow: not at the door yet
    client.force_login(customer)

    page = client.get(DOOR, HTTP_ACCEPT_LANGUAGE="en")
    listed = re.findall(r'<section class="card" data-testid="door-(\w+)"', page.content.decode())
    assert listed == [waiting.number]

    answer = client.post(DOOR, {"number": waiting.number, "pickup_code": "654321"}, follow=True)

    waiting.refresh_from_db()
    assert waiting.status == S.PICKED_UP
    assert OrderEvent.objects.get(order=waiting).kind == "order.picked_up"
    assert f"快递员已揽收订单 {waiting.number}。" in answer.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_wrong_code_is_refused_and_the_courier_keeps_waiting(live_simulator, customer, client):
    waiting = due_for_pickup(live_simulator, user=customer, status=S.ACCEPTED)
    client.force_login(customer)

    answer = client.post(
        DOOR, {"number": waiting.number, "pickup_code": "000000"}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )

    waiting.refresh_from_db()
    assert (waiting.status, OrderEvent.objects.filter(order=waiting).count()) == (S.ACCEPTED, 0)
    assert "could not collect" in answer.content.decode()
    assert f'data-testid="door-{waiting.number}"' in answer.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_missing_code_changes_nothing(live_simulator, customer, client):
    waiting = due_for_pickup(live_simulator, user=customer, status=S.ACCEPTED)
    client.force_login(customer)

    answer = client.post(DOOR, {"number": waiting.number}, follow=True, HTTP_ACCEPT_LANGUAGE="en")

    waiting.refresh_from_db()
    assert waiting.status == S.ACCEPTED
    assert "Enter the order number and the pickup code." in answer.content.decode()
