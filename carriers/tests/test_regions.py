import dataclasses

import pytest

from carriers import regions
from carriers.models import Zone

from .helpers import BEIJING, GUANGZHOU, HAIKOU, KASHGAR, SHENZHEN, URUMQI, WAN_CHAI


def test_provinces_are_mainland_plus_hong_kong_in_adcode_order():
    names = regions.provinces()
    assert len(names) == 32  # 31 mainland provinces + Hong Kong
    assert names[0] == "北京市"
    assert names[-1] == "香港特别行政区"
    assert "台湾省" not in names
    assert "澳门特别行政区" not in names
    assert "苏鲁交界" not in names


def test_municipality_has_one_city_of_its_own_name():
    assert regions.cities("北京市") == ["北京市"]
    assert "朝阳区" in regions.districts("北京市", "北京市")


def test_chongqing_districts_and_counties_are_one_city():
    assert regions.cities("重庆市") == ["重庆市"]
    districts = regions.districts("重庆市", "重庆市")
    assert "渝中区" in districts  # 500103
    assert "城口县" in districts  # 500229


def test_directly_governed_county_level_units_are_cities():
    assert regions.cities("湖北省")[-4:] == ["仙桃市", "潜江市", "天门市", "神农架林区"]
    assert regions.districts("湖北省", "仙桃市") == ["仙桃市"]
    assert regions.is_valid("湖北省", "仙桃市", "仙桃市")
    assert regions.is_valid("湖北省", "省直辖县级行政区划", "仙桃市")  # statistical form
    assert regions.is_valid("新疆维吾尔自治区", "自治区直辖县级行政区划", "石河子市")
    assert "琼海市" in regions.cities("海南省")


def test_prefecture_city_without_districts_has_itself_as_district():
    assert regions.districts("广东省", "东莞市") == ["东莞市"]
    assert regions.is_valid("广东省", "东莞市", "东莞市")


def test_hong_kong_has_eighteen_districts_under_one_city():
    assert regions.cities("香港特别行政区") == ["香港特别行政区"]
    districts = regions.districts("香港特别行政区", "香港特别行政区")
    assert len(districts) == 18
    assert districts[0] == "中西区"
    assert "湾仔区" in districts


def test_is_valid():
    assert regions.is_valid("广东省", "深圳市", "南山区")
    assert regions.is_valid(" 广东省", "深圳市 ", "南山区")
    assert regions.is_valid("广东", "深圳市", "南山区")  # short province name
    assert not regions.is_valid("广东省", "深圳市", "朝阳区")
    assert not regions.is_valid("广东省", "北京市", "朝阳区")
    assert not regions.is_valid("台湾省", "台北市", "台北市")
    assert not regions.is_valid("", "", "")


def test_province_code():
    assert regions.province_code("广东省") == "44"
    assert regions.province_code("内蒙古") == "15"
    assert regions.province_code("香港特别行政区") == "81"
    assert regions.province_code("香港") == "81"
    assert regions.province_code("火星") is None


@pytest.mark.parametrize(
    ("origin", "destination", "zone"),
    [
        (SHENZHEN, SHENZHEN, Zone.SAME_CITY),
        (SHENZHEN, GUANGZHOU, Zone.SAME_PROVINCE),
        (SHENZHEN, BEIJING, Zone.OTHER_PROVINCE),
        (SHENZHEN, HAIKOU, Zone.REMOTE),
        (BEIJING, URUMQI, Zone.REMOTE),
        (URUMQI, URUMQI, Zone.SAME_CITY),  # same city wins over remote
        (URUMQI, KASHGAR, Zone.SAME_PROVINCE),
        (URUMQI, BEIJING, Zone.OTHER_PROVINCE),  # remote is about the destination
        (WAN_CHAI, SHENZHEN, Zone.OTHER_PROVINCE),
        (WAN_CHAI, URUMQI, Zone.REMOTE),
    ],
)
def test_zone_for(origin, destination, zone):
    assert regions.zone_for(origin, destination) == zone


def test_zone_for_every_remote_province():
    for province in [
        "新疆维吾尔自治区",
        "西藏自治区",
        "青海省",
        "内蒙古自治区",
        "宁夏回族自治区",
        "甘肃省",
        "海南省",
    ]:
        city = regions.cities(province)[0]
        destination = dataclasses.replace(BEIJING, province=province, city=city)
        assert regions.zone_for(SHENZHEN, destination) == Zone.REMOTE


def test_zone_for_accepts_short_province_and_directly_governed_alias():
    short = dataclasses.replace(GUANGZHOU, province="广东")
    assert regions.zone_for(SHENZHEN, short) == Zone.SAME_PROVINCE
    xiantao = dataclasses.replace(BEIJING, province="湖北省", city="仙桃市", district="仙桃市")
    alias = dataclasses.replace(xiantao, city="省直辖县级行政区划")
    assert regions.zone_for(xiantao, alias) == Zone.SAME_CITY
