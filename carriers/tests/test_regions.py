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


def _kind(name: str) -> str:
    for suffix in ("自治县", "自治旗", "特区", "区", "市", "县", "旗"):
        if name.endswith(suffix):
            return suffix
    return name


def test_county_level_units_match_the_official_count():
    # 民政部, county-level divisions at the end of 2024: 977 市辖区, 397 县级市, 1301 县 (和安县 and
    # 和康县 added in 2024), 117 自治县, 49 旗, 3 自治旗, 1 特区, 1 林区 = 2,846; the table keeps five
    # statistical units people write on parcels on top (大兴安岭's four districts, 大柴旦行政区).
    units = dict(regions.county_level_units())
    assert set(units) >= regions.STATISTICAL_UNITS
    official = [name for code, name in units.items() if code not in regions.STATISTICAL_UNITS]
    assert len(official) == 2846
    kinds = dict.fromkeys(("区", "市", "县", "自治县", "旗", "自治旗", "特区"), 0)
    for name in official:
        kinds[_kind(name)] += 1
    # 神农架林区 is counted with the districts here (its name ends in 区): 977 + 1.
    assert kinds == {"区": 978, "市": 397, "县": 1301, "自治县": 117, "旗": 49, "自治旗": 3, "特区": 1}


@pytest.mark.parametrize(
    ("province", "city", "district"),
    [
        ("重庆市", "重庆市", "江北区"),  # missing from the statistical file, 两江新区 in its place
        ("重庆市", "重庆市", "渝北区"),
        ("海南省", "三沙市", "西沙区"),  # 2020
        ("海南省", "三沙市", "南沙区"),
        ("新疆维吾尔自治区", "和田地区", "和安县"),  # 2024
        ("新疆维吾尔自治区", "和田地区", "和康县"),
        ("新疆维吾尔自治区", "白杨市", "白杨市"),  # 2023, governed by the region
        ("西藏自治区", "山南市", "错那市"),  # county → county-level city
        ("河北省", "保定市", "雄县"),
        ("河北省", "保定市", "容城县"),
        ("河北省", "保定市", "安新县"),
        ("江苏省", "苏州市", "吴中区"),
    ],
)
def test_recent_and_corrected_units_are_offered(province, city, district):
    assert district in regions.districts(province, city)
    assert regions.canonical_place(province, city, district) == regions.Place(
        regions.province_code(province), province, city, district
    )


def test_functional_areas_are_not_offered_as_regions():
    assert "两江新区" not in regions.districts("重庆市", "重庆市")
    assert "苏州工业园区" not in regions.districts("江苏省", "苏州市")
    assert "雄安新区" not in regions.cities("河北省")
    assert "三沙市" not in regions.districts("海南省", "三沙市")


@pytest.mark.parametrize(
    ("written", "place"),
    [
        (("重庆市", "重庆市", "两江新区"), ("重庆市", "重庆市", "渝北区")),
        (("重庆", "两江新区", "两江新区"), ("重庆市", "重庆市", "渝北区")),
        (("江苏省", "苏州市", "苏州工业园区"), ("江苏省", "苏州市", "吴中区")),
        (("河北省", "雄安新区", "容城县"), ("河北省", "保定市", "容城县")),
        (("河北省", "雄安新区", "雄县"), ("河北省", "保定市", "雄县")),
    ],
)
def test_functional_area_aliases_resolve_to_real_districts(written, place):
    resolved = regions.canonical_place(*written)
    assert (resolved.province, resolved.city, resolved.district) == place


def test_an_area_spanning_counties_needs_the_county():
    # 雄安新区 covers 雄县, 容城县 and 安新县: without one of them there is no district to book.
    assert regions.canonical_place("河北省", "雄安新区", "雄安新区") is None
    area = regions.functional_area("河北省", "雄安新区", "雄安新区")
    assert (area.city, area.district) == ("保定市", "")
    area = regions.functional_area("河北省", "雄安新区", "", text="容东片区金湖路8号")
    assert (area.city, area.district) == ("保定市", "容城县")
    assert regions.functional_area("江苏省", "苏州市", "姑苏区") is None
    assert regions.functional_area("广东省", "深圳市", "两江新区") is None  # another province's area
