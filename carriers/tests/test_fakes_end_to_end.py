"""End to end over real HTTP both ways: the platform books with the fake Kuaidi100 / fake SF on
loopback, and the fakes push their callbacks, in their own formats, to the platform's live server
— booking → accepted → picked up → signed."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from delivery import services as engine
from orders.models import Order, OrderEvent, Status
from orders.services import outbox
from orders.tests.carrier_events_support import order_at
from simulator.fakes.kuaidi100 import FakeKuaidi100
from simulator.fakes.sf import FakeSF

pytestmark = pytest.mark.django_db(transaction=True)
BEIJING = ZoneInfo("Asia/Shanghai")


def book(order) -> None:
    with transaction.atomic():
        message = outbox.outbox_message_add(
            order_id=order.pk,
            carrier_id=order.carrier_id,
            event_type="order.created",
            payload=outbox.order_created_payload(order),
        )
    assert engine.message_deliver(message_id=message.pk) == engine.Outcome.SENT


def steps(n: int) -> list[datetime]:
    start = datetime.now(BEIJING) - timedelta(minutes=30)
    return [start + timedelta(minutes=5 * i) for i in range(n)]


def timeline(order) -> list[str]:
    return list(
        OrderEvent.objects.filter(order=order, actor="carrier").order_by("id").values_list("kind", flat=True)
    )


def test_kuaidi100_booking_to_signed(live_server, settings, carrier, customer):
    settings.PLATFORM_URL = live_server.url
    with FakeKuaidi100(key="K", secret="S", salt="SALT") as fake:
        carrier.integration = "kuaidi100"
        carrier.integration_settings = {
            "key": "K",
            "secret": "S",
            "salt": "SALT",
            "kuaidicom": "shunfeng",
            "base_url": fake.url,
        }
        carrier.save()
        order = order_at(carrier, customer, Status.PLACED, since=datetime.now(BEIJING) - timedelta(hours=1))

        book(order)
        [booking] = fake.bookings.values()
        at = steps(5)
        answers = [
            fake.push(booking, "0", message="下单成功", at=at[0]),
            fake.push(
                booking, "1", message="已接单", at=at[1], courierName="王师傅", courierMobile="13700137000"
            ),
            fake.push(booking, "10", message="已取件", at=at[2], weight="1.6", freight="23.00"),
            fake.push(booking, "101", message="运输中", at=at[3]),
            fake.push(booking, "13", message="已签收", at=at[4]),
        ]

    assert answers == [(200, {"result": True, "returnCode": "200", "message": "成功"})] * 5
    order = Order.objects.get(pk=order.pk)
    assert (order.status, order.courier_name, order.waybill_no, str(order.fee_amount)) == (
        Status.SIGNED,
        "王师傅",
        booking.kuaidinum,
        "23.00",
    )
    assert timeline(order) == [
        "order.dispatching",
        "order.accepted",
        "order.picked_up",
        "order.in_transit",
        "order.signed",
    ]


def test_sf_booking_to_signed(live_server, carrier, customer):
    with FakeSF(partner_id="P", check_word="CW") as fake:
        carrier.integration = "sf"
        carrier.integration_settings = {
            "partner_id": "P",
            "check_word": "CW",
            "base_url": fake.url + "/std/service",
            "monthly_card": "",
            "express_type_id": "1",
        }
        carrier.save()
        order = order_at(carrier, customer, Status.PLACED, since=datetime.now(BEIJING) - timedelta(hours=1))
        url = f"{live_server.url}/api/v1/carriers/{carrier.code}/events/"

        book(order)
        booking = fake.orders[order.number]
        at = steps(4)
        answers = [
            fake.push(
                url,
                fake.state_fields(booking, "04-40001", "已派单", emp=("0123456", "13700137000"), at=at[0]),
            ),
            # One route push with two routes: picked up, then a scan on the way.
            fake.push(
                url,
                fake.routes_fields(
                    [
                        fake.route(booking, "50", remark="顺丰速运 已收取快件", at=at[1]),
                        fake.route(booking, "30", remark="快件已发车", address="深圳集散中心", at=at[2]),
                    ]
                ),
            ),
            fake.push(url, fake.routes_fields([fake.route(booking, "80", remark="已签收", at=at[3])])),
        ]

    assert answers == [(200, {"return_code": "0000", "return_msg": "成功"})] * 3
    order = Order.objects.get(pk=order.pk)
    assert (order.status, order.courier_employee_id, order.waybill_no) == (
        Status.SIGNED,
        "0123456",
        booking.waybill_no,
    )
    assert timeline(order) == ["order.accepted", "order.picked_up", "order.in_transit", "order.signed"]
