"""The carrier callback's one lock reads the order without the booking's own columns.

``lifecycle.order_lock`` leaves out what no carrier event reads or changes (the parties, the
parcel's description, the screening …); those stay readable, one query each, with the values the
row holds, and a status move saves only what it changed.
"""

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from orders.models import Order, Status
from orders.rows import RowSelect
from orders.services.lifecycle import ORDER_LOCK_DEFERRED, order_lock
from orders.tests.carrier_events_support import COURIER, Sender, body, minutes_ago, order_at

pytestmark = pytest.mark.django_db


def test_the_lock_selects_no_booking_column_and_the_rest_as_stored(carrier, customer):
    order = order_at(
        carrier,
        customer,
        Status.IN_TRANSIT,
        sender_address="科技园南路 88 号",
        description="两本书",
        waybill_no="SF0001",
        declared_value=Decimal("120.00"),
    )

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        locked = order_lock(carrier_id=carrier.pk, number=order.number)

    (select,) = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    for name in ORDER_LOCK_DEFERRED:
        assert f'"{Order._meta.get_field(name).column}"' not in select, name
    assert sorted(locked.get_deferred_fields()) == sorted(
        Order._meta.get_field(name).attname for name in ORDER_LOCK_DEFERRED
    )
    # What carrier events read is there as stored, with its type.
    assert (locked.pk, locked.status, locked.waybill_no) == (order.pk, Status.IN_TRANSIT, "SF0001")
    assert locked.declared_value == Decimal("120.00")
    assert locked.status_changed_at == order.status_changed_at


def test_a_left_out_column_is_read_on_use_with_its_stored_value(carrier, customer):
    order = order_at(carrier, customer, Status.IN_TRANSIT, sender_address="科技园南路 88 号")

    with transaction.atomic():
        locked = order_lock(carrier_id=carrier.pk, number=order.number)
        with CaptureQueriesContext(connection) as queries:
            assert locked.sender_address == "科技园南路 88 号"
            assert locked.items == order.items

    assert len(queries.captured_queries) == 2


def test_a_status_move_after_the_lock_keeps_the_booking_columns(api_client, carrier, customer):
    from carriers.services import carrier_credentials_rotate

    order = order_at(carrier, customer, Status.PLACED, sender_name="李雷", description="两本书")
    sender = Sender(api_client, carrier.code, carrier_credentials_rotate(carrier=carrier))

    response = sender.post(body(order, "order.accepted", minutes_ago(5), {"courier": COURIER}))

    assert response.json() == {"result": "applied"}
    stored = Order.objects.get(pk=order.pk)
    assert (stored.status, stored.courier_name) == (Status.ACCEPTED, COURIER["name"])
    assert (stored.sender_name, stored.description, stored.items) == ("李雷", "两本书", order.items)


def test_the_primary_key_cannot_be_left_out():
    with pytest.raises(ValueError, match="primary key"):
        RowSelect(Order, "number = %s", defer=("id",))
