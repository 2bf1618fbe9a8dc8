"""Smart fill: ``POST /api/v1/addresses/parse/`` and the parser behind it (DESIGN §7.3)."""

import json
from pathlib import Path

import pytest
from django.urls import reverse
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from carriers.address_parse import parse_address

URL = "/api/v1/addresses/parse/"
DATA = Path(__file__).parent / "data" / "addresses.jsonl"
EMPTY = {"name": "", "phone": "", "province": "", "city": "", "district": "", "address": ""}


def test_the_url_is_the_contract():
    assert reverse("api-address-parse") == URL


@pytest.mark.django_db
def test_a_labelled_paste_without_login(api_client):
    text = "收件人：欧阳娜娜\n手机号码：+86 138-0013-8000\n所在地区：广东 深圳市 南山区\n详细地址：科苑路15号科兴科学园B栋"
    response = api_client.post(URL, {"text": text}, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "name": "欧阳娜娜",
        "phone": "13800138000",
        "province": "广东省",
        "city": "深圳市",
        "district": "南山区",
        "address": "科苑路15号科兴科学园B栋",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Any order, no labels, no province.
        ("朝阳区建国路88号SOHO现代城 李四 13912345678 北京", {"province": "北京市", "district": "朝阳区"}),
        # A minority name with ·, a county-level city governed by its province.
        (
            "阿卜杜拉·买买提，15999998888，湖北仙桃市仙桃大道1号",
            {"name": "阿卜杜拉·买买提", "province": "湖北省", "city": "仙桃市", "district": "仙桃市"},
        ),
        # A 东莞 town: the city is its own district.
        ("王芳 0769-22334455 东莞市长安镇振安路100号", {"phone": "076922334455", "district": "东莞市"}),
        # Hong Kong: the neighbourhood gives the district.
        ("陈大文 +852 9123 4567 香港旺角弥敦道600号", {"phone": "85291234567", "district": "油尖旺区"}),
        # Traditional script.
        ("張三 13800138000 廣東省廣州市天河區天河路385號", {"name": "张三", "district": "天河区"}),
    ],
)
def test_edge_pastes(api_client, text, expected):
    got = api_client.post(URL, {"text": text}, format="json").json()
    assert {k: got[k] for k in expected} == expected


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("赵六 13800138000 重庆江北区观音桥步行街9号", ("重庆市", "重庆市", "江北区")),
        ("王五 13800138000 重庆市渝北区金开大道88号", ("重庆市", "重庆市", "渝北区")),
        # Functional areas resolve to the real district.
        ("李四 13800138000 重庆市两江新区金开大道88号", ("重庆市", "重庆市", "渝北区")),
        ("孙八 13800138000 苏州工业园区金鸡湖大道1号", ("江苏省", "苏州市", "吴中区")),
        # 雄安新区 spans three counties of 保定市: the county only when the text names it (or a part
        # of it), never 安新县 read out of the name 雄安新区 itself.
        ("张三 13800138000 河北雄安新区容东片区金湖路8号", ("河北省", "保定市", "容城县")),
        ("陶宁雪 16001659430 河北省雄安新区滨江大道984号", ("河北省", "保定市", "")),
        ("周九 13800138000 海南省三沙市西沙区永兴岛北京路1号", ("海南省", "三沙市", "西沙区")),
    ],
)
def test_corrected_regions_and_functional_areas(text, region):
    got = parse_address(text)
    assert (got.province, got.city, got.district) == region
    assert got.phone == "13800138000" or got.phone == "16001659430"
    assert "新区" not in got.address and "工业园区" not in got.address


@pytest.mark.django_db
def test_only_a_phone(api_client):
    response = api_client.post(URL, {"text": "138 0013 8000"}, format="json")
    assert response.status_code == 200
    assert response.json() == {**EMPTY, "phone": "13800138000"}


@pytest.mark.django_db
def test_two_phones_give_the_first(api_client):
    got = api_client.post(
        URL, {"text": "张三 13800138000 / 13900139000 北京市朝阳区建国路1号"}, format="json"
    ).json()
    assert got["phone"] == "13800138000"
    assert "13900139000" not in got["name"]


@pytest.mark.django_db
def test_an_unknown_region_leaves_the_region_empty(api_client):
    got = api_client.post(URL, {"text": "李雷 13800138000 火星基地第三大道7号"}, format="json").json()
    assert (got["name"], got["phone"]) == ("李雷", "13800138000")
    assert (got["province"], got["city"], got["district"]) == ("", "", "")
    assert got["address"] == "火星基地第三大道7号"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "请先粘贴地址。"),
        ("   \n ", "请先粘贴地址。"),
        ("噪" * 2000, "内容太长，不像是地址（最多 300 个字符）。"),
    ],
)
def test_empty_or_noise_is_a_400(api_client, text, message):
    response = api_client.post(URL, {"text": text}, format="json")
    assert response.status_code == 400
    assert response.json() == {"text": [message]}


@pytest.mark.django_db
def test_missing_text_is_a_400_in_english_too(api_client):
    response = api_client.post(URL, {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"text": ["Paste an address first."]}


@pytest.mark.django_db
def test_parsing_is_throttled_per_client(api_client, settings):
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "address_parse": "3/min"}
    original = ScopedRateThrottle.THROTTLE_RATES
    ScopedRateThrottle.THROTTLE_RATES = rates
    try:
        codes = [api_client.post(URL, {"text": "北京市朝阳区"}, format="json").status_code for _ in range(4)]
    finally:
        ScopedRateThrottle.THROTTLE_RATES = original
    assert codes == [200, 200, 200, 429]


def test_the_labelled_set_is_large_and_varied():
    records = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(records) >= 300
    kinds = {r["kind"] for r in records}
    assert {"municipality", "county-level city", "dongguan town", "zhongshan town", "hong kong"} <= kinds
    assert {"autonomous prefecture"} <= kinds
    assert len({r["expected"]["province"] for r in records}) == 32  # 31 mainland + Hong Kong
    assert any("·" in r["expected"]["name"] for r in records)
    assert any(r["expected"]["phone"].startswith("0") for r in records)  # landlines


@pytest.mark.django_db
def test_labelled_set_accuracy(capsys):
    records = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    right = sum(parse_address(r["text"]).as_dict() == r["expected"] for r in records)
    with capsys.disabled():
        print(f"\naddress set: {len(records)} records, all six fields right {right / len(records):.1%}")
    assert right / len(records) >= 0.95
