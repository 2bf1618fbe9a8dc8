"""Names must show a letter; API times must carry their offset (DESIGN §6)."""

import copy
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import Address
from accounts.services import address_create
from orders.models import Order

INVISIBLE = [
    "\u200b\u200b",  # zero-width spaces
    "\u200e\u200f",  # left-to-right and right-to-left marks
    "\u2060\ufeff",  # word joiner, BOM
    " \u200d ",  # a zero-width joiner between spaces
]
NOW = datetime(2026, 11, 22, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
BOOKING = {
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
    "pickup_window": {"start": "2026-11-23T10:00:00+08:00", "end": "2026-11-23T12:00:00+08:00"},
    "weight_kg": "1.5",
    "item_type": "clothing",
    "description": "冬季外套",
    "quantity": 1,
    "carrier": "swift-express",
    "contract_version": "v1",
}
INVISIBLE_ERROR = "请输入至少包含一个可见文字的姓名。"


@pytest.mark.parametrize("name", INVISIBLE)
def test_invisible_display_name_is_refused(customer_client, customer, name):
    response = customer_client.patch("/api/v1/me/", {"display_name": name}, format="json")
    assert response.status_code == 400
    assert response.json() == {"display_name": [INVISIBLE_ERROR]}
    customer.refresh_from_db()
    assert customer.display_name == "张三"


def test_a_name_loses_invisible_ends_but_keeps_its_letters(customer_client, customer):
    response = customer_client.patch("/api/v1/me/", {"display_name": "\u200b王五\u200e"}, format="json")
    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.display_name == "王五"


def test_bidi_override_is_refused_anywhere(customer_client, customer):
    response = customer_client.patch("/api/v1/me/", {"display_name": "张\u202e三"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"display_name": ["姓名中含有隐藏的文字方向控制字符，请重新输入。"]}


@pytest.mark.parametrize("name", INVISIBLE)
def test_invisible_address_book_name_is_refused(customer, name):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        address_create(
            user=customer,
            name=name,
            phone="13800138000",
            province="广东省",
            city="深圳市",
            district="南山区",
            address="科技园科苑路1号",
        )
    assert refused.value.message_dict == {"name": [INVISIBLE_ERROR]}
    assert Address.objects.count() == 0


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("party", ["sender", "recipient"])
@pytest.mark.parametrize("name", INVISIBLE)
def test_invisible_sender_or_recipient_is_refused(demo_carriers, customer_client, party, name):
    payload = copy.deepcopy(BOOKING)
    payload[party]["name"] = name
    response = customer_client.post("/api/v1/orders/", payload, format="json")
    assert response.status_code == 400
    assert response.json()[party] == {"name": [INVISIBLE_ERROR]}
    assert Order.objects.count() == 0


@time_machine.travel(NOW, tick=False)
def test_a_naive_pickup_time_is_refused(demo_carriers, customer_client):
    payload = copy.deepcopy(BOOKING)
    payload["pickup_window"] = {"start": "2026-11-23T10:00:00", "end": "2026-11-23T12:00:00+08:00"}
    response = customer_client.post("/api/v1/orders/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["pickup_window"] == {
        "start": ["请带上时区偏移填写时间，例如 2026-11-23T10:00:00+08:00。"]
    }
    assert Order.objects.count() == 0


@time_machine.travel(NOW, tick=False)
def test_a_time_with_offset_books(demo_carriers, customer_client):
    response = customer_client.post("/api/v1/orders/", BOOKING, format="json")
    assert response.status_code == 201


@time_machine.travel(NOW, tick=False)
def test_a_well_formed_but_impossible_pickup_time_is_a_400(demo_carriers, customer_client):
    """Found by the schemathesis run: 12:99 reached the date parser's ValueError (a 500)."""
    payload = copy.deepcopy(BOOKING)
    payload["pickup_window"] = {"start": "2026-11-23T10:00:00+08:00", "end": "2026-11-23T12:99:00Z"}
    response = customer_client.post(
        "/api/v1/orders/", payload, format="json", headers={"Accept-Language": "en"}
    )
    assert response.status_code == 400
    assert response.json()["pickup_window"] == {
        "end": [
            "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]]+HH:MM."
        ]
    }
    assert Order.objects.count() == 0
