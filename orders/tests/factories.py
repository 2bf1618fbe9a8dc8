"""Factories for order tests. Orders are built directly (not booked) to put them in any status."""

from datetime import time, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from carriers.models import Carrier, ContractTerms
from orders.clock import local_date, start_of_local_day
from orders.models import Actor, ItemType, Order, OrderEvent, Status
from tests.factories import UserFactory


class CarrierFactory(factory.django.DjangoModelFactory):
    """A plain domestic carrier; tests that need the demo tariffs use the ``carrier`` fixture."""

    class Meta:
        model = Carrier
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"test-carrier-{n}")
    name_zh_hans = factory.Sequence(lambda n: f"测试快递{n}")
    transport_modes = ["ground"]
    max_weight_kg = Decimal("50")
    max_length_cm = Decimal("150")
    max_volume_cm3 = Decimal("1000000")
    pickup_start = time(8, 0)
    pickup_end = time(20, 0)
    insurance_max_value = Decimal("20000")


class ContractTermsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContractTerms

    carrier = factory.SubFactory(CarrierFactory)
    version = factory.Sequence(lambda n: f"v{n}")
    title = "服务条款"
    body = "测试条款"


class OrderUserFactory(UserFactory):
    """An order's owner without a password hash: hashing would dominate the 121-pair tests."""

    password = factory.PostGenerationMethodCall("set_unusable_password")


def _tomorrow_at(hour: int):
    return start_of_local_day(local_date(timezone.now()) + timedelta(days=1)) + timedelta(hours=hour)


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"CPT{n:09d}")
    user = factory.SubFactory(OrderUserFactory)
    carrier = factory.SubFactory(CarrierFactory)
    contract = factory.SubFactory(ContractTermsFactory, carrier=factory.SelfAttribute("..carrier"))
    status = Status.PLACED
    status_changed_at = factory.LazyFunction(timezone.now)

    sender_name = "张三"
    sender_phone = "+8613800138000"
    sender_province = "广东省"
    sender_city = "深圳市"
    sender_district = "南山区"
    sender_address = "科技园科苑路1号"
    recipient_name = "李四"
    recipient_phone = "+8613900139000"
    recipient_province = "北京市"
    recipient_city = "北京市"
    recipient_district = "朝阳区"
    recipient_address = "建国路88号"

    pickup_start = factory.LazyFunction(lambda: _tomorrow_at(10))
    pickup_end = factory.LazyFunction(lambda: _tomorrow_at(12))
    weight_kg = Decimal("1.50")
    item_type = ItemType.CLOTHING
    description = "冬季外套"
    quantity = 1
    declared_value = Decimal("500.00")
    insured = True

    estimate_amount = Decimal("23.00")
    estimate_currency = "CNY"
    estimate_breakdown = factory.LazyFunction(dict)
    screening = factory.LazyFunction(lambda: {"verdict": "allowed"})
    pickup_code = "123456"


class OrderEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderEvent

    order = factory.SubFactory(OrderFactory)
    kind = "status"
    old_status = ""
    new_status = Status.PLACED
    actor = Actor.USER
    occurred_at = factory.LazyFunction(timezone.now)
