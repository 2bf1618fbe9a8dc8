"""The booking field rules of orders.validators (shared by the API and the booking page)."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from orders.clock import next_local_midnight
from orders.tests.factories import CarrierFactory
from orders.validators import (
    validate_address_detail,
    validate_bag_terms,
    validate_contact_phone,
    validate_pickup_window,
    validate_region,
    validate_weight_kg,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
PHONE_ERROR = "请输入有效的电话号码：大陆手机号、带区号的固定电话或香港电话号码。"


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("13800138000", "+8613800138000"),
        ("138 0013 8000", "+8613800138000"),
        ("+86 138-0013-8000", "+8613800138000"),
        ("8613800138000", "+8613800138000"),
        ("0755-88888888", "+86-755-88888888"),
        ("(010) 12345678", "+86-10-12345678"),
        ("+86 21 6888 8888", "+86-21-68888888"),
        ("+852 9123 4567", "+85291234567"),
        ("91234567", "+85291234567"),
        ("21234567", "+85221234567"),
        ("85291234567", "+85291234567"),
        ("0085291234567", "+85291234567"),
    ],
)
def test_valid_phones_are_normalised(raw, normalised):
    assert validate_contact_phone(raw) == normalised


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "12345",
        "1380013800",  # ten digits
        "23800138000",  # not a mobile prefix, not a landline
        "88888888888888888",
        "+1 650 253 0000",  # neither mainland nor Hong Kong
        "400-830-8300",  # a service number, not a landline
        "abc",
    ],
)
def test_invalid_phones_are_refused_in_chinese(raw):
    with pytest.raises(ValidationError) as exc:
        validate_contact_phone(raw)
    assert exc.value.messages == [PHONE_ERROR]
    assert exc.value.code == "invalid_phone"


def test_phone_validation_is_idempotent():
    for raw in ["13800138000", "0755-88888888", "91234567"]:
        once = validate_contact_phone(raw)
        assert validate_contact_phone(once) == once


def test_region_is_canonicalised():
    place = validate_region("广东", "深圳市", "南山区")
    assert (place.province, place.city, place.district) == ("广东省", "深圳市", "南山区")
    hk = validate_region("香港", "香港特别行政区", "中西区")
    assert hk.province == "香港特别行政区"


@pytest.mark.parametrize(
    ("province", "city", "district", "field", "message"),
    [
        ("火星省", "深圳市", "南山区", "province", "请从列表中选择省份。"),
        ("广东省", "杭州市", "西湖区", "city", "所选省份中没有这个城市。"),
        ("广东省", "深圳市", "朝阳区", "district", "所选城市中没有这个区县。"),
    ],
)
def test_unknown_region_names_the_wrong_level(province, city, district, field, message):
    with pytest.raises(ValidationError) as exc:
        validate_region(province, city, district)
    assert exc.value.message_dict == {field: [message]}


@pytest.mark.parametrize("value", ["518000", "邮编：518000", " 518 000 "])
def test_postcode_alone_is_not_an_address(value):
    with pytest.raises(ValidationError) as exc:
        validate_address_detail(value)
    assert exc.value.messages == ["仅有邮政编码不能作为地址，请填写街道、楼栋和门牌号。"]


@pytest.mark.parametrize(
    "value", ["PO Box 123", "P.O. Box 88", "GPO Box 1", "邮政信箱 123 号", "中环郵政信箱88號"]
)
def test_po_box_is_refused(value):
    with pytest.raises(ValidationError) as exc:
        validate_address_detail(value)
    assert exc.value.code == "po_box"


def test_blank_address_is_refused_and_a_real_one_kept():
    with pytest.raises(ValidationError):
        validate_address_detail("  ")
    assert validate_address_detail(" 科技园科苑路1号 ") == "科技园科苑路1号"


NOW = datetime(2026, 11, 22, 15, 30, tzinfo=SHANGHAI)


def at(day_offset: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 22, hour, minute, tzinfo=SHANGHAI) + timedelta(days=day_offset)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (at(0, 17), at(0, 19)),  # later today, 90 minutes from now
        (at(1, 10), at(1, 12)),  # tomorrow
        (at(2, 22), at(3, 0)),  # the day after, up to its midnight
        (NOW + timedelta(minutes=57), NOW + timedelta(hours=3)),  # offered an hour ahead, just submitted
        (at(1, 10), at(1, 11)),  # exactly one hour long
    ],
)
def test_pickup_window_today_to_the_day_after(start, end):
    validate_pickup_window(start, end, NOW)


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        (at(0, 10), at(0, 12), "start", "上门时段不能早于当前时间。"),
        (at(-1, 10), at(-1, 12), "start", "上门时段不能早于当前时间。"),
        (at(1, 12), at(1, 10), "end", "上门时段的结束时间必须晚于开始时间。"),
        (at(1, 12), at(1, 12), "end", "上门时段的结束时间必须晚于开始时间。"),
        (at(3, 10), at(3, 12), "start", "只能预约今天、明天或后天上门取件。"),
        (at(2, 23), at(3, 1), "end", "只能预约今天、明天或后天上门取件。"),
        (
            NOW + timedelta(minutes=30),
            NOW + timedelta(hours=2),
            "start",
            "上门时段至少要在一小时后开始，请选择更晚的时间。",
        ),
        (
            NOW - timedelta(minutes=2),
            NOW + timedelta(hours=2),
            "start",
            "上门时段至少要在一小时后开始，请选择更晚的时间。",
        ),
        (at(1, 10), at(1, 10, 59), "end", "上门时段至少要一小时。"),
    ],
)
def test_pickup_window_refusals(start, end, field, message):
    with pytest.raises(ValidationError) as exc:
        validate_pickup_window(start, end, NOW)
    assert exc.value.message_dict == {field: [message]}


def test_pickup_window_days_are_shanghai_days():
    # 23:30 UTC on the 22nd is already the 23rd in Shanghai: "the day after" is the 25th.
    now = datetime(2026, 11, 22, 23, 30, tzinfo=ZoneInfo("UTC"))
    validate_pickup_window(at(3, 10), at(3, 12), now)


def test_naive_window_is_refused():
    with pytest.raises(ValidationError):
        validate_pickup_window(datetime(2026, 11, 23, 10), datetime(2026, 11, 23, 12), NOW)


@pytest.mark.parametrize("weight", [Decimal("0"), Decimal("-1")])
def test_weight_must_be_positive(weight):
    with pytest.raises(ValidationError) as exc:
        validate_weight_kg(weight)
    assert exc.value.messages == ["重量必须大于 0 千克。"]


def test_next_local_midnight():
    assert next_local_midnight(NOW) == datetime(2026, 11, 23, 0, 0, tzinfo=SHANGHAI)
    # 20:00 UTC is 04:00 next day in Shanghai: the deadline is the midnight after that day.
    late = datetime(2026, 11, 22, 20, 0, tzinfo=ZoneInfo("UTC"))
    assert next_local_midnight(late) == datetime(2026, 11, 24, 0, 0, tzinfo=SHANGHAI)


@pytest.mark.django_db
def test_bag_carrier_needs_both_attestations():
    bag = CarrierFactory(pricing="bag")
    with pytest.raises(ValidationError) as exc:
        validate_bag_terms(carrier=bag, receipt_attested=False, surcharge_accepted=False)
    assert set(exc.value.message_dict) == {"receipt_attested", "surcharge_accepted"}
    validate_bag_terms(carrier=bag, receipt_attested=True, surcharge_accepted=True)
    validate_bag_terms(carrier=CarrierFactory(), receipt_attested=False, surcharge_accepted=False)
