"""order_place and order_rebook_initial, called as services (the page and the API both do)."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from carriers.shipment import Party, Shipment
from orders.api.serializers import ShipmentSerializer
from orders.models import Order, OrderEvent, Status
from orders.services import booking
from orders.services.statuses import order_transitioned

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 22, 15, 30, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def make_shipment(**changes) -> Shipment:
    values = {
        "sender": Party("张三", "+8613800138000", "广东省", "深圳市", "南山区", "科技园科苑路1号"),
        "recipient": Party("李四", "+8613900139000", "北京市", "北京市", "朝阳区", "建国路88号"),
        "pickup_start": datetime(2026, 11, 23, 10, tzinfo=SHANGHAI),
        "pickup_end": datetime(2026, 11, 23, 12, tzinfo=SHANGHAI),
        "weight_kg": Decimal("1.5"),
        "item_type": "clothing",
        "description": "冬季外套",
        "declared_value": Decimal("500"),
        "insured": True,
    }
    values.update(changes)
    return Shipment(**values)


def place(user, **kwargs):
    kwargs.setdefault("shipment", make_shipment())
    kwargs.setdefault("carrier_code", "swift-express")
    kwargs.setdefault("contract_version", "v1")
    return booking.order_place(user=user, **kwargs)


@pytest.mark.django_db
def test_place_writes_order_and_event_and_signals_after_commit(
    demo_carriers, customer, django_capture_on_commit_callbacks
):
    received = []

    def receiver(**kwargs):
        received.append((kwargs["old_status"], kwargs["new_status"], kwargs["actor"]))

    order_transitioned.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            order = place(customer)
    finally:
        order_transitioned.disconnect(receiver)

    assert order.status == Status.PLACED
    assert order.deadline == datetime(2026, 11, 23, tzinfo=SHANGHAI)
    assert len(order.pickup_code) == 6 and order.pickup_code.isdigit()
    assert order.estimate_amount == Decimal("24.00") + Decimal("2.50")  # freight + insurance
    assert OrderEvent.objects.filter(order=order, new_status=Status.PLACED).count() == 1
    assert received == [("", Status.PLACED, "user")]


@pytest.mark.django_db
def test_prohibited_goods_raise_with_the_screening_and_save_nothing(demo_carriers, customer):
    with pytest.raises(booking.GoodsProhibited) as exc:
        place(customer, shipment=make_shipment(description="仿真枪"))
    assert exc.value.payload["screening"]["verdict"] == "prohibited"
    assert not Order.objects.exists()
    assert not OrderEvent.objects.exists()


@pytest.mark.django_db
def test_stale_contract_raises_with_the_current_terms(demo_carriers, customer):
    with pytest.raises(booking.StaleContract) as exc:
        place(customer, contract_version="v0")
    assert exc.value.contract.version == "v1"
    assert exc.value.errors == {"contract_version": ["物流公司的合同条款已更新，请阅读并接受 v1 版。"]}
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_ineligible_carrier_raises_with_its_reasons(demo_carriers, customer):
    with pytest.raises(booking.CarrierIneligible) as exc:
        place(customer, shipment=make_shipment(weight_kg=Decimal("40")), carrier_code="econ-post")
    assert exc.value.errors["carrier"] == exc.value.quote.reasons
    assert exc.value.messages == exc.value.quote.reasons
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_the_service_rechecks_the_pickup_window(demo_carriers, customer):
    """A shipment validated an hour ago on a form may be stale by the time it is booked."""
    past = make_shipment(pickup_start=NOW - timedelta(hours=3), pickup_end=NOW - timedelta(hours=1))
    with pytest.raises(booking.BookingInvalid) as exc:
        place(customer, shipment=past)
    assert exc.value.errors == {"pickup_window": {"start": ["上门时段不能早于当前时间。"]}}
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_number_collision_is_retried(demo_carriers, customer, monkeypatch):
    first = place(customer)
    numbers = iter([first.number, "CP261122ZZZZZZZZZZ"])
    monkeypatch.setattr(booking, "new_order_number", lambda now=None: next(numbers))

    second = place(customer)

    assert second.number == "CP261122ZZZZZZZZZZ"
    assert Order.objects.count() == 2


def test_numbers_and_codes_look_right():
    number = booking.new_order_number(NOW)
    assert number.startswith("CP261122") and len(number) == 18
    assert set(number[8:]) <= set(booking.NUMBER_ALPHABET)
    codes = {booking.new_pickup_code() for _ in range(200)}
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert len(codes) > 150  # random, not a counter


@pytest.mark.django_db
def test_rebook_initial_prefills_a_valid_new_booking(demo_carriers, customer):
    old = place(
        customer,
        shipment=make_shipment(length_cm=Decimal("30"), width_cm=Decimal("20"), height_cm=Decimal("10")),
    )

    initial = booking.order_rebook_initial(order=old)

    assert initial["carrier"] == "swift-express"
    assert initial["rebooked_from"] == old.number
    assert initial["dimensions_cm"] == {"length": "30.0", "width": "20.0", "height": "10.0"}
    assert "pickup_window" not in initial and "contract_version" not in initial
    payload = {
        **initial,
        "pickup_window": {"start": "2026-11-24T10:00:00+08:00", "end": "2026-11-24T12:00:00+08:00"},
    }
    serializer = ShipmentSerializer(data=payload)
    assert serializer.is_valid(), serializer.errors

    new = place(customer, shipment=serializer.to_shipment(), rebooked_from=old)

    assert new.rebooked_from == old
    assert (new.description, new.weight_kg, new.sender_phone) == (
        old.description,
        old.weight_kg,
        old.sender_phone,
    )
    old.refresh_from_db()
    assert old.status == Status.PLACED  # the old order is left alone


@pytest.mark.django_db
def test_rebook_from_someone_elses_order_is_refused(demo_carriers, customer, other_customer):
    theirs = place(other_customer)
    with pytest.raises(PermissionDenied):
        place(customer, rebooked_from=theirs)
    assert Order.objects.count() == 1
