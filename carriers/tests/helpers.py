"""Builders shared by the carriers tests."""

import dataclasses
import itertools
from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from carriers.shipment import Party, Shipment

SHANGHAI = ZoneInfo("Asia/Shanghai")

SHENZHEN = Party("张三", "+8613800138000", "广东省", "深圳市", "南山区", "科技园科苑路1号")
GUANGZHOU = Party("王五", "+8613700137000", "广东省", "广州市", "天河区", "天河路385号")
BEIJING = Party("李四", "+8613900139000", "北京市", "北京市", "朝阳区", "建国路88号")
URUMQI = Party("阿依古丽", "+8613999999999", "新疆维吾尔自治区", "乌鲁木齐市", "天山区", "解放南路1号")
KASHGAR = Party("买买提", "+8613999999998", "新疆维吾尔自治区", "喀什地区", "喀什市", "人民东路2号")
HAIKOU = Party("陈六", "+8613600136000", "海南省", "海口市", "美兰区", "海府路3号")
WAN_CHAI = Party("陳大文", "+85291234567", "香港特别行政区", "香港特别行政区", "湾仔区", "軒尼詩道1號")


def local(year, month, day, hour, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def make_shipment(**overrides) -> Shipment:
    base = Shipment(
        sender=SHENZHEN,
        recipient=BEIJING,
        pickup_start=local(2026, 11, 23, 10),
        pickup_end=local(2026, 11, 23, 12),
        weight_kg=Decimal("1.5"),
        item_type="clothing",
        description="冬季外套",
    )
    return dataclasses.replace(base, **overrides)


def hk_shipment(**overrides) -> Shipment:
    defaults = {"sender": WAN_CHAI, "recipient": SHENZHEN, "declared_value": Decimal("800.00")}
    return make_shipment(**{**defaults, **overrides})


def screening(verdict="allowed", refused_by=(), refusal_reasons=None, ground_only=False):
    """A stand-in for prohibited.services.screen_item's result."""
    return SimpleNamespace(
        verdict=verdict,
        refused_by=list(refused_by),
        refusal_reasons=dict(refusal_reasons or {}),
        ground_only=ground_only,
        as_dict=lambda: {"verdict": verdict},
    )


ALLOWED = screening()


def make_order(carrier, *, status="placed", days_ago=1, accepted_event=False, now=None):
    """An order of ``carrier`` created ``days_ago`` days before ``now`` (acceptance statistics)."""
    from django.utils import timezone

    from carriers.selectors import current_contract
    from orders.models import Order, OrderEvent

    now = now or timezone.now()
    number = f"T{next(_numbers):09d}"
    order = Order.objects.create(
        number=number,
        carrier=carrier,
        status=status,
        status_changed_at=now,
        sender_name="张三",
        sender_phone="+8613800138000",
        sender_province="广东省",
        sender_city="深圳市",
        sender_district="南山区",
        sender_address="科技园科苑路1号",
        recipient_name="李四",
        recipient_phone="+8613900139000",
        recipient_province="北京市",
        recipient_city="北京市",
        recipient_district="朝阳区",
        recipient_address="建国路88号",
        pickup_start=now,
        pickup_end=now + timedelta(hours=2),
        weight_kg=Decimal("1.5"),
        item_type="clothing",
        description="冬季外套",
        contract=current_contract(carrier),
        estimate_amount=Decimal("24.00"),
        estimate_currency="CNY",
        pickup_code="123456",
    )
    Order.objects.filter(pk=order.pk).update(created_at=now - timedelta(days=days_ago))
    if accepted_event:
        OrderEvent.objects.create(
            order=order,
            kind="status",
            old_status="placed",
            new_status="accepted",
            actor="carrier",
            occurred_at=now,
        )
    return order


_numbers = itertools.count(1)
