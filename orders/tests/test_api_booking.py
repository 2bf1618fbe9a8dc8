"""POST /api/v1/quotes/ and POST /api/v1/orders/: booking through the API (DESIGN §3.2, §4, §7.3)."""

import copy
import re
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from orders.models import Actor, Order, OrderEvent, Status

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 22, 15, 30, tzinfo=SHANGHAI)
QUOTES_URL = "/api/v1/quotes/"
ORDERS_URL = "/api/v1/orders/"
PHONE_ERROR = "请输入有效的电话号码：大陆手机号、带区号的固定电话或香港电话号码。"
CJK = re.compile(r"[\u4e00-\u9fff]")

SHIPMENT = {
    "sender": {
        "name": "张三",
        "phone": "138 0013 8000",
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
    "dimensions_cm": {"length": 30, "width": 20, "height": 10},
    "item_type": "clothing",
    "description": "冬季外套",
    "quantity": 1,
    "declared_value": "500.00",
    "insured": True,
}

HK_SENDER = {
    "name": "陳大文",
    "phone": "+852 9123 4567",
    "province": "香港特别行政区",
    "city": "香港特别行政区",
    "district": "中西区",
    "address": "皇后大道中100号",
}


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def booking(demo_carriers, customer_client):
    """POST a booking: the demo shipment with ``changes`` applied (None deletes a key)."""

    def post(changes: dict | None = None, **nested):
        payload = copy.deepcopy(SHIPMENT)
        payload.update({"carrier": "swift-express", "contract_version": "v1"})
        for key, value in (changes or {}).items():
            if value is None:
                payload.pop(key, None)
            else:
                payload[key] = value
        for key, value in nested.items():
            payload[key] = {**payload[key], **value}
        return customer_client.post(ORDERS_URL, payload, format="json")

    return post


def assert_nothing_saved():
    assert Order.objects.count() == 0
    assert OrderEvent.objects.count() == 0


# --- quotes ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_quotes_list_every_carrier_in_the_contract_shape(demo_carriers, customer_client):
    response = customer_client.post(QUOTES_URL, SHIPMENT, format="json")

    assert response.status_code == 200
    quotes = response.json()["quotes"]
    assert {q["carrier"] for q in quotes} == {"swift-express", "econ-post", "heavy-freight", "hk-bag"}
    for quote in quotes:
        assert set(quote) == {
            "carrier",
            "name",
            "eligible",
            "reasons",
            "recommended",
            "why",
            "price",
            "eta",
            "breakdown",
            "contract",
        }
    assert sum(q["recommended"] for q in quotes) == 1
    assert [q["why"] for q in quotes if q["recommended"]][0].startswith("推荐理由")
    assert all(q["why"] == "" for q in quotes if not q["recommended"])
    swift = next(q for q in quotes if q["carrier"] == "swift-express")
    assert swift["eligible"] is True
    assert swift["eta"] == {"min_days": 2, "max_days": 3}  # 深圳 → 北京: another province
    assert swift["price"] == {"amount": "26.50", "currency": "CNY"}
    assert swift["contract"]["version"] == "v1"
    hk = next(q for q in quotes if q["carrier"] == "hk-bag")
    assert hk["eligible"] is False and hk["reasons"]


@pytest.mark.django_db
def test_quotes_validate_the_shipment(demo_carriers, customer_client):
    payload = {**SHIPMENT, "weight_kg": "0"}
    response = customer_client.post(QUOTES_URL, payload, format="json")
    assert response.status_code == 400
    assert response.json() == {"weight_kg": ["重量必须大于 0 千克。"]}


# --- booking succeeds ------------------------------------------------------------------------


@pytest.mark.django_db
def test_booking_creates_the_order_at_the_quoted_estimate(booking, customer, customer_client):
    quotes = customer_client.post(QUOTES_URL, SHIPMENT, format="json").json()["quotes"]
    swift = next(q for q in quotes if q["carrier"] == "swift-express")

    response = booking()

    assert response.status_code == 201, response.json()
    body = response.json()
    order = Order.objects.get()
    assert body["number"] == order.number
    assert re.fullmatch(r"CP261122[0-9A-HJKMNP-TV-Z]{10}", order.number)
    assert (body["status"], body["status_label"]) == ("placed", "已下单")
    assert body["carrier"] == "swift-express"
    assert body["estimate"]["amount"] == swift["price"]["amount"] == "26.50"
    assert body["estimate"]["currency"] == "CNY"
    assert body["estimate"]["breakdown"] == swift["breakdown"]
    assert re.fullmatch(r"\d{6}", body["pickup_code"])
    assert body["deadline"] == "2026-11-23T00:00:00+08:00"
    assert body["contract"]["version"] == "v1"
    assert [(e["old_status"], e["new_status"], e["actor"]) for e in body["events"]] == [
        ("", "placed", "user")
    ]

    assert order.user == customer
    assert order.estimate_amount == Decimal("26.50")
    assert order.deadline == datetime(2026, 11, 23, 0, 0, tzinfo=SHANGHAI)
    assert order.status_changed_at == NOW
    assert order.sender_phone == "+8613800138000"
    assert (order.length_cm, order.width_cm, order.height_cm) == (Decimal("30"), Decimal("20"), Decimal("10"))
    assert order.currency == "CNY"
    assert order.screening["verdict"] == "allowed"
    assert order.contract.version == "v1"
    event = OrderEvent.objects.get()
    assert (event.new_status, event.actor, event.actor_user, event.occurred_at) == (
        Status.PLACED,
        Actor.USER,
        customer,
        NOW,
    )


@pytest.mark.django_db
def test_booking_without_a_carrier_takes_the_recommended_one(booking, customer_client):
    quotes = customer_client.post(QUOTES_URL, SHIPMENT, format="json").json()["quotes"]
    recommended = next(q for q in quotes if q["recommended"])

    response = booking({"carrier": None})

    assert response.status_code == 201, response.json()
    assert response.json()["carrier"] == recommended["carrier"]
    assert response.json()["estimate"]["amount"] == recommended["price"]["amount"]


@pytest.mark.django_db
def test_each_booking_gets_its_own_number_and_code(booking):
    numbers = {booking().json()["number"] for _ in range(5)}
    assert len(numbers) == 5


@pytest.mark.django_db
def test_hk_bag_is_booked_in_hkd_with_both_attestations(booking):
    refused = booking({"sender": HK_SENDER, "carrier": "hk-bag"})
    assert refused.status_code == 400
    assert set(refused.json()) == {"items", "receipt_attested", "surcharge_accepted"}
    assert refused.json()["receipt_attested"] == ["请确认购物收据已放入袋中。"]
    assert refused.json()["items"] == ["请逐行列明袋中物品以便清关：品名、数量和单价。"]
    assert_nothing_saved()

    response = booking(
        {
            "sender": HK_SENDER,
            "carrier": "hk-bag",
            "receipt_attested": True,
            "surcharge_accepted": True,
            "items": [{"description": "冬季外套", "quantity": 1, "unit_value": "500.00"}],
        }
    )

    assert response.status_code == 201, response.json()
    order = Order.objects.get()
    assert order.sender_phone == "+85291234567"
    assert (order.currency, order.estimate_currency) == ("HKD", "HKD")
    assert order.receipt_attested and order.surcharge_accepted


# --- booking refused: a field error in Chinese, nothing saved ---------------------------------


@pytest.mark.django_db
def test_invalid_phone(booking):
    response = booking(sender={"phone": "12345"})
    assert response.status_code == 400
    assert response.json() == {"sender": {"phone": [PHONE_ERROR]}}
    assert_nothing_saved()


@pytest.mark.django_db
def test_pickup_window_in_the_past(booking):
    response = booking(
        pickup_window={"start": "2026-11-22T10:00:00+08:00", "end": "2026-11-22T12:00:00+08:00"}
    )
    assert response.status_code == 400
    assert response.json() == {"pickup_window": {"start": ["上门时段不能早于当前时间。"]}}
    assert_nothing_saved()


@pytest.mark.django_db
def test_pickup_window_too_far_ahead(booking):
    response = booking(
        pickup_window={"start": "2026-11-25T10:00:00+08:00", "end": "2026-11-25T12:00:00+08:00"}
    )
    assert response.status_code == 400
    assert response.json() == {"pickup_window": {"start": ["只能预约今天、明天或后天上门取件。"]}}
    assert_nothing_saved()


@pytest.mark.django_db
def test_pickup_window_outside_the_carriers_hours(booking):
    response = booking(
        pickup_window={"start": "2026-11-23T06:00:00+08:00", "end": "2026-11-23T07:00:00+08:00"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "pickup_window": ["仅在 08:00 至 20:00 之间上门揽收。"],
        "carrier": ["仅在 08:00 至 20:00 之间上门揽收。"],
    }
    assert_nothing_saved()


@pytest.mark.django_db
def test_pickup_window_outside_every_carriers_hours(booking):
    response = booking(
        {"carrier": None},
        pickup_window={"start": "2026-11-23T06:00:00+08:00", "end": "2026-11-23T07:00:00+08:00"},
    )
    assert response.status_code == 400
    body = response.json()
    # Every carrier's hours rule the window out: the field says so, carrier by carrier. Only hk-bag
    # is also out for the area, so the sender's province is not a field error.
    assert body["pickup_window"] == [
        "经济速递：仅在 09:00 至 18:00 之间上门揽收。",
        "重货物流：仅在 09:00 至 17:00 之间上门揽收。",
        "港邮快递袋：仅在 10:00 至 19:00 之间上门揽收。",
        "迅捷快递：仅在 08:00 至 20:00 之间上门揽收。",
    ]
    assert set(body) == {"pickup_window", "detail", "screening", "carriers"}
    assert body["detail"] == "没有物流公司可以承运这件包裹。"
    assert_nothing_saved()


@pytest.mark.django_db
@pytest.mark.parametrize("weight", ["0", "-1", "0.00"])
def test_weight_not_positive(booking, weight):
    response = booking({"weight_kg": weight})
    assert response.status_code == 400
    assert response.json() == {"weight_kg": ["重量必须大于 0 千克。"]}
    assert_nothing_saved()


@pytest.mark.django_db
def test_weight_above_the_carriers_limit(booking):
    response = booking({"weight_kg": "60", "dimensions_cm": None})
    assert response.status_code == 400
    message = "包裹重 60 公斤，该物流公司每件最多收 50 公斤。"
    assert response.json() == {"weight_kg": [message], "carrier": [message]}
    assert_nothing_saved()


@pytest.mark.django_db
def test_weight_above_every_carriers_limit(booking):
    response = booking({"weight_kg": "5000", "dimensions_cm": None, "carrier": None})
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"weight_kg", "detail", "screening", "carriers"}
    assert body["weight_kg"] == [  # the ineligible carriers by code, as in "carriers"
        "经济速递：包裹重 5000 公斤，该物流公司每件最多收 30 公斤。",
        "重货物流：包裹重 5000 公斤，该物流公司每件最多收 300 公斤。",
        "港邮快递袋：包裹重 5000 公斤，该物流公司每件最多收 20 公斤。",
        "港邮快递袋：该物流公司没有能装下 5000 公斤、1 件商品的快递袋。",
        "迅捷快递：包裹重 5000 公斤，该物流公司每件最多收 50 公斤。",
    ]
    assert body["detail"] == "没有物流公司可以承运这件包裹。"
    assert body["screening"]["verdict"] == "allowed"
    assert {c["carrier"] for c in body["carriers"]} == {
        "swift-express",
        "econ-post",
        "heavy-freight",
        "hk-bag",
    }
    assert all(c["reasons"] for c in body["carriers"])
    assert_nothing_saved()


@pytest.mark.django_db
def test_size_above_the_carriers_limit(booking):
    response = booking({"dimensions_cm": {"length": 160, "width": 20, "height": 10}})
    assert response.status_code == 400
    message = "包裹最长边 160 厘米，该物流公司最多收 150 厘米。"
    assert response.json() == {"dimensions_cm": [message], "carrier": [message]}
    assert_nothing_saved()


@pytest.mark.django_db
def test_no_field_error_when_one_carrier_takes_what_another_does_not(booking):
    # 40 kg is over econ-post's limit but not swift-express's: booked with the recommended carrier.
    response = booking({"weight_kg": "40", "dimensions_cm": None, "carrier": None})
    assert response.status_code == 201, response.json()
    assert response.json()["carrier"] != "econ-post"


@pytest.mark.django_db
def test_goods_the_carrier_refuses_are_an_error_on_the_description(booking):
    response = booking({"item_type": "food", "description": "鸡蛋", "declared_value": "50"})
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"description", "carrier"}
    assert body["description"] == body["carrier"]
    assert len(body["description"]) == 1
    assert body["description"][0].startswith("该物流公司拒收此物品")
    assert_nothing_saved()


@pytest.mark.django_db
def test_hk_bag_from_an_area_it_does_not_serve_says_so(booking):
    # Not the receipt and surcharge attestations first: the carrier cannot take it at all.
    response = booking({"carrier": "hk-bag"})
    assert response.status_code == 400
    assert response.json() == {
        "sender": {"province": ["不在广东省上门揽收。"]},
        "carrier": ["不在广东省上门揽收。"],
    }
    assert_nothing_saved()


@pytest.mark.django_db
@pytest.mark.parametrize("changes", [{"declared_value": "0"}, {"declared_value": None}])
def test_insurance_needs_a_declared_value(booking, changes):
    response = booking({**changes, "insured": True})
    assert response.status_code == 400
    assert response.json() == {"declared_value": ["保价时请填写物品的声明价值。"]}
    assert_nothing_saved()


@pytest.mark.django_db
def test_no_declared_value_is_fine_without_insurance(booking):
    response = booking({"declared_value": "0", "insured": False})
    assert response.status_code == 201, response.json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Enter the declared value of the goods to insure them."),
        ("zh-hant", "保價時請填寫物品的宣告價值。"),
        ("zh-hans", "保价时请填写物品的声明价值。"),
    ],
)
def test_field_errors_in_the_requested_language(demo_carriers, customer_client, language, message):
    payload = {**SHIPMENT, "declared_value": "0", "carrier": "swift-express", "contract_version": "v1"}
    response = customer_client.post(ORDERS_URL, payload, format="json", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    assert response.json() == {"declared_value": [message]}
    assert_nothing_saved()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Picks up only between 08:00 and 20:00."),
        ("zh-hant", "僅在 08:00 至 20:00 之間上門攬收。"),
    ],
)
def test_eligibility_field_errors_in_the_requested_language(
    demo_carriers, customer_client, language, message
):
    payload = {
        **SHIPMENT,
        "pickup_window": {"start": "2026-11-23T06:00:00+08:00", "end": "2026-11-23T07:00:00+08:00"},
        "carrier": "swift-express",
        "contract_version": "v1",
    }
    response = customer_client.post(ORDERS_URL, payload, format="json", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    assert response.json() == {"pickup_window": [message], "carrier": [message]}
    assert_nothing_saved()


@pytest.mark.django_db
def test_unknown_region(booking):
    response = booking(recipient={"district": "不存在区"})
    assert response.status_code == 400
    assert response.json() == {"recipient": {"district": ["所选城市中没有这个区县。"]}}
    assert_nothing_saved()


@pytest.mark.django_db
def test_unknown_province(booking):
    response = booking(sender={"province": "火星省"})
    assert response.status_code == 400
    assert response.json() == {"sender": {"province": ["请从列表中选择省份。"]}}
    assert_nothing_saved()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("100020", "仅有邮政编码不能作为地址，请填写街道、楼栋和门牌号。"),
        ("邮政信箱 88 号", "邮政信箱不能收寄包裹，请填写街道地址。"),
    ],
)
def test_postcode_or_po_box_is_not_an_address(booking, address, message):
    response = booking(recipient={"address": address})
    assert response.status_code == 400
    assert response.json() == {"recipient": {"address": [message]}}
    assert_nothing_saved()


@pytest.mark.django_db
@pytest.mark.parametrize("version", [None, ""])
def test_missing_contract_version(booking, version):
    response = booking({"contract_version": version})
    assert response.status_code == 400
    assert response.json() == {"contract_version": ["请接受物流公司的合同条款。"]}
    assert_nothing_saved()


@pytest.mark.django_db
def test_stale_contract_version_is_refused_with_the_current_terms(booking):
    response = booking({"contract_version": "v0"})
    assert response.status_code == 400
    body = response.json()
    assert body["contract_version"] == ["物流公司的合同条款已更新，请阅读并接受 v1 版。"]
    assert body["contract"]["version"] == "v1"
    assert body["contract"]["url"] == "http://testserver/carriers/swift-express/contract/v1/"
    assert_nothing_saved()


@pytest.mark.django_db
def test_unknown_carrier(booking):
    response = booking({"carrier": "no-such-carrier"})
    assert response.status_code == 400
    assert response.json() == {"carrier": ["没有正在接单的物流公司“no-such-carrier”。"]}
    assert_nothing_saved()


@pytest.mark.django_db
def test_prohibited_goods_are_refused_with_the_screening_result(booking):
    response = booking({"description": "仿真枪"})
    assert response.status_code == 400
    body = response.json()
    assert body["screening"]["verdict"] == "prohibited"
    assert body["screening"]["matches"]
    assert CJK.search(body["detail"])
    assert_nothing_saved()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"quantity": 0}, "quantity", "物品数量至少为 1 件。"),
        ({"declared_value": "-1"}, "declared_value", "声明价值不能为负数。"),
        ({"description": "   "}, "description", "该字段不能为空。"),
        ({"item_type": "weapons"}, "item_type", "“weapons” 不是合法选项。"),
    ],
)
def test_other_field_errors(booking, changes, field, message):
    response = booking(changes)
    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert_nothing_saved()


@pytest.mark.django_db
def test_dimensions_must_be_positive(booking):
    response = booking({"dimensions_cm": {"length": 30, "width": 0, "height": 10}})
    assert response.status_code == 400
    assert response.json() == {"dimensions_cm": {"width": ["长、宽、高都必须大于 0 厘米。"]}}
    assert_nothing_saved()


@pytest.mark.django_db
def test_anonymous_cannot_book(demo_carriers, api_client):
    response = api_client.post(ORDERS_URL, {**SHIPMENT, "contract_version": "v1"}, format="json")
    assert response.status_code in (401, 403)
    assert_nothing_saved()
