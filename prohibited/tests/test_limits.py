"""Limits of the restricted list, from the structured fields and from the description, on both
sides of every boundary (限制寄递物品目录 1–4, 拒收物品目录 1, 6–8, 11)."""

from decimal import Decimal as D

import pytest

from prohibited.limits import to_number

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("两", 2),
        ("二", 2),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("五十六", 56),
        ("一百", 100),
        ("两半", D("2.5")),
        ("53", 53),
        ("5.5", D("5.5")),
    ],
)
def test_numbers_in_digits_and_chinese_numerals(text, value):
    assert to_number(text) == D(value)


@pytest.mark.parametrize(
    "description", ["活体仓鼠一只", "宠物猫", "live fish", "金鱼 3条", "活物", "鹦鹉 一对"]
)
def test_live_animals_have_limit_zero_and_are_always_prohibited(screen, description):
    result = screen(description)
    assert (result.verdict, result.categories) == ("prohibited", [])
    assert result.matches[0]["list"] == "restricted"
    assert result.matches[0]["category"] == 1


def test_a_phone_is_restricted_and_ground_only(screen):
    result = screen("华为 Mate 60 Pro 手机")
    assert (result.verdict, result.ground_only) == ("restricted", True)
    assert result.matches[0]["category"] == 2
    assert any("限制寄递物品目录 2" in c for c in result.conditions)


@pytest.mark.parametrize(
    ("description", "verdict"),
    [
        ("白酒 56度", "restricted"),
        ("白酒 57度", "prohibited"),
        ("白酒 62度", "prohibited"),
        ("白酒 五十六度", "restricted"),
        ("白酒 五十七度", "prohibited"),
        ("茅台 53%vol 500ml", "restricted"),
        ("伏特加 56.5% vol", "prohibited"),
        ("二锅头 56°", "restricted"),
        ("二锅头 56.1°", "prohibited"),
        ("威士忌 酒精度:60", "prohibited"),
        ("whisky 40% abv", "restricted"),
        ("红酒 750ml", "restricted"),
        ("白酒 2瓶，62度", "prohibited"),
    ],
)
def test_liquor_at_most_56_percent(screen, description, verdict):
    result = screen(description)
    assert result.verdict == verdict
    if verdict == "prohibited":
        assert result.categories == []
        assert "56" in result.message


def test_industrial_alcohol_is_prohibited_as_a_flammable_liquid(screen):
    result = screen("工业酒精 95% 5L")
    assert (result.verdict, result.categories) == ("prohibited", [5])


@pytest.mark.parametrize(
    ("description", "fields", "verdict"),
    [
        ("香烟两条", {}, "restricted"),
        ("香烟三条", {}, "prohibited"),
        ("香烟 2条", {}, "restricted"),
        ("香烟 5条", {}, "prohibited"),
        ("软中华 两条", {}, "restricted"),
        ("两条中华香烟", {}, "restricted"),
        ("香烟 20包", {}, "restricted"),
        ("香烟 21包", {}, "prohibited"),
        ("香烟 400支", {}, "restricted"),
        ("香烟 401支", {}, "prohibited"),
        ("香烟一条，雪茄一条", {}, "restricted"),
        ("香烟两条，雪茄一条", {}, "prohibited"),
        ("marlboro 2 cartons", {}, "restricted"),
        ("marlboro 3 cartons", {}, "prohibited"),
        ("香烟", {"quantity": 2}, "restricted"),
        ("香烟", {"quantity": 3}, "prohibited"),
        ("香烟 两条", {"quantity": 9}, "restricted"),  # the description's unit wins
        ("香烟", {}, "restricted"),
        ("香烟 一箱", {}, "prohibited"),  # a case is fifty cartons
        ("香烟两条半", {}, "prohibited"),
    ],
)
def test_cigarettes_at_most_two_cartons_per_parcel(screen, description, fields, verdict):
    result = screen(description, **fields)
    assert result.verdict == verdict
    assert result.categories == []


@pytest.mark.parametrize(
    ("insured", "value", "verdict"),
    [
        (True, D("4999.99"), "allowed"),
        (True, D("5000"), "refused"),
        (True, D("8000"), "refused"),
        (False, D("8000"), "allowed"),
    ],
)
def test_crafts_are_refused_when_insured_at_5000_or_more(screen, insured, value, verdict):
    result = screen("黄杨木雕 摆件", insured=insured, declared_value=value)
    assert result.verdict == verdict
    assert any("拒收物品目录 1" in c for c in result.conditions) == (verdict == "allowed")


@pytest.mark.parametrize(
    ("description", "packaging", "verdict"),
    [
        ("液晶电视 55寸", False, "refused"),
        ("液晶电视 55寸", None, "refused"),
        ("液晶电视 55寸", True, "allowed"),
        ("LED显示屏", False, "refused"),
        ("等离子电视", False, "refused"),
        ("液晶显示器 原厂包装", None, "allowed"),
        ("液晶显示器 蜂窝纸箱包装", None, "allowed"),
        ("液晶显示器 无原厂包装", None, "refused"),
    ],
)
def test_screens_are_refused_without_original_packaging(screen, description, packaging, verdict):
    result = screen(description, original_packaging=packaging)
    assert result.verdict == verdict


@pytest.mark.parametrize(
    ("dimensions", "weight", "upright", "verdict"),
    [
        ((D("309"), D("20"), D("20")), D("60"), None, "allowed"),  # shorter than 3.1 m
        ((D("310"), D("20"), D("20")), D("50"), None, "allowed"),  # 3.1 m but not over 50 kg
        ((D("310"), D("20"), D("20")), D("50.1"), None, "refused"),
        ((D("500"), D("20"), D("20")), D("51"), None, "refused"),
        ((D("500"), D("20"), D("20")), D("10"), None, "allowed"),  # 5 m exactly, light
        ((D("501"), D("20"), D("20")), D("10"), None, "refused"),  # over 5 m
        ((D("150"), D("141"), D("141")), D("10"), None, "allowed"),  # 2.98 m³
        ((D("150"), D("150"), D("134")), D("10"), None, "refused"),  # 3.015 m³
        ((D("200"), D("150"), D("100")), D("10"), None, "allowed"),  # exactly 3 m³
        ((D("200"), D("150"), D("101")), D("10"), None, "refused"),
        ((D("60"), D("60"), D("180")), D("10"), True, "allowed"),  # upright, 1.8 m exactly
        ((D("60"), D("60"), D("181")), D("10"), True, "refused"),
        ((D("60"), D("60"), D("181")), D("10"), False, "allowed"),
    ],
)
def test_group_11_size_and_weight_rules(screen, dimensions, weight, upright, verdict):
    result = screen("书架", dimensions_cm=dimensions, weight_kg=weight, keep_upright=upright)
    assert result.verdict == verdict
    if verdict == "refused":
        assert result.matches[0]["category"] == 11


@pytest.mark.parametrize(
    ("description", "refused"),
    [
        ("婴儿奶粉 1段", True),
        ("爱他美 3段 12-36个月", True),
        ("美素佳儿 奶粉", True),
        ("爱他美 4段 36个月以上", False),
        ("儿童成长奶粉 3岁以上", False),
        ("奶粉 2岁以上", True),
        ("Aptamil stage 4", False),
        ("baby formula 36+ months", False),
        ("baby formula 12-36 months", True),
        ("成人奶粉 中老年", False),
    ],
)
def test_hk_bag_refuses_infant_formula_under_36_months(screen, hk_bag, description, refused):
    result = screen(description, carrier="hk-bag")
    assert (result.verdict == "refused") is refused


@pytest.mark.parametrize(
    ("description", "verdict"),
    [
        ("红酒 1瓶，羽绒服 90%白鸭绒", "restricted"),  # 90% is the down, not the wine
        ("白酒 2瓶，62度", "prohibited"),
        ("白酒 2瓶，62%", "restricted"),  # a bare percentage away from the liquor is not read
    ],
)
def test_a_strength_away_from_the_liquor_counts_only_when_it_says_degrees(screen, description, verdict):
    assert screen(description).verdict == verdict


@pytest.mark.parametrize(
    ("description", "refused"),
    [
        ("婴儿奶粉 35个月以上", True),
        ("婴儿奶粉 36个月以上", False),
        ("婴儿奶粉 2岁以上", True),
        ("婴儿奶粉 三岁以上", False),
        ("奶粉 3段", True),
        ("奶粉 4段", False),
        ("奶粉 四段 36个月+", False),
    ],
)
def test_the_36_month_boundary_of_infant_formula(screen, hk_bag, description, refused):
    assert (screen(description, carrier="hk-bag").verdict == "refused") is refused


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("518000", True),
        ("邮编：518000", True),
        ("香港特别行政区 999077", True),
        ("广东省深圳市南山区 科技园 518000", False),
        ("深圳市南山区科苑路 88 号", False),
    ],
)
def test_postcode_only_addresses(screen, hk_bag, address, refused):
    result = screen("书", carrier="hk-bag", recipient_address=address)
    assert (result.verdict == "refused") is refused
