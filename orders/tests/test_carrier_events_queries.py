"""The callback path's SQL, exactly (DESIGN §7.2, issue: a fast callback path).

Counted as a real request runs them: outside any test transaction (``transaction=True``), so the
outer transaction costs no savepoint statements, and with the carrier and its keys cached, as they
are from the second callback of a process on.
"""

import pytest

from carriers.models import CarrierEvent
from carriers.services import carrier_credentials_rotate
from orders.models import OrderEvent, Status
from orders.tests.carrier_events_support import COURIER, NOW, Sender, body, minutes_ago, order_at

pytestmark = pytest.mark.django_db(transaction=True)

# The transaction's BEGIN and COMMIT are statements too (Django logs them on both databases); the
# budget counts them: at most 5 for a timeline callback, 6 for a status move.
TX = 2
SCAN = {"location": "深圳转运中心", "description": "已到达"}


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def send(api_client, carrier, customer):
    sender = Sender(api_client, carrier.code, carrier_credentials_rotate(carrier=carrier))
    # A first callback caches the carrier and its keys in this process.
    warm = order_at(carrier, customer, Status.IN_TRANSIT)
    assert sender.post(body(warm, "order.in_transit", minutes_ago(5), SCAN)).json() == {"result": "recorded"}
    return sender


def test_a_timeline_callback_is_five_statements(send, carrier, customer, django_assert_num_queries):
    order = order_at(carrier, customer, Status.IN_TRANSIT)

    # Begin, lock the order, insert the timeline entry, insert the log row (which takes the
    # webhook id), commit.
    with django_assert_num_queries(3 + TX):
        response = send.post(body(order, "order.in_transit", minutes_ago(10), SCAN))

    assert response.json() == {"result": "recorded"}
    assert OrderEvent.objects.filter(order=order, kind="order.in_transit").count() == 1


def test_a_status_move_is_six_statements(send, carrier, customer, django_assert_num_queries):
    order = order_at(carrier, customer, Status.PICKED_UP)

    # Begin, lock, update the order, insert the timeline entry, insert the log row, commit.
    with django_assert_num_queries(4 + TX):
        response = send.post(body(order, "order.in_transit", minutes_ago(10), SCAN))

    assert response.json() == {"result": "applied"}
    order.refresh_from_db()
    assert order.status == Status.IN_TRANSIT


def test_a_duplicate_is_found_by_the_unique_constraint(send, carrier, customer, django_assert_num_queries):
    order = order_at(carrier, customer, Status.PICKED_UP)
    payload = body(order, "order.in_transit", minutes_ago(10), SCAN)
    send.post(payload, msg_id="evt-dup")

    # Lock, insert the entry, the log row is refused: rolled back; then what took the id, the
    # order and the duplicate's own log row.
    with django_assert_num_queries(6 + TX):
        response = send.post(payload, msg_id="evt-dup")

    assert response.json() == {"result": "duplicate"}
    assert OrderEvent.objects.filter(order=order).count() == 1
    assert list(CarrierEvent.objects.filter(webhook_id="evt-dup").values_list("result", flat=True)) == [
        "duplicate",
        "applied",
    ]


def test_a_status_move_with_a_notice(send, carrier, customer, django_assert_num_queries):
    order = order_at(carrier, customer, Status.PLACED)

    # The four of a move, the newest earlier acceptance (a late one is only recorded), and the
    # notice: its owner, its de-duplication, the notice and its delivery rows under a savepoint.
    with django_assert_num_queries(11 + TX):
        response = send.post(body(order, "order.accepted", minutes_ago(10), {"courier": COURIER}))

    assert response.json() == {"result": "applied"}
