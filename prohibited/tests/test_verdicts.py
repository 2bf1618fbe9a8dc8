"""Verdict order, the result shape, and carriers' refusals (DESIGN §5)."""

import pytest
from django.utils import translation

from prohibited.services import ScreeningInput, UnknownCarrier, screen_item

from .conftest import make_carrier

pytestmark = pytest.mark.django_db


def test_the_result_has_exactly_the_shape_of_design_5(screen):
    result = screen("打火机")
    assert result.as_dict() == {
        "verdict": "prohibited",
        "categories": [4],
        "matches": [
            {"term": "打火机", "list": "prohibited", "category": 4, "clause": "禁止寄递物品目录 四、1"}
        ],
        "conditions": [],
        "refused_by": [],
        "message": result.message,
    }
    assert "禁止寄递物品目录 四、1" in result.message


def test_allowed_goods(screen, every_group_carrier):
    result = screen("冬季外套", item_type="clothing")
    assert result.as_dict()["verdict"] == "allowed"
    assert (result.matches, result.refused_by, result.conditions, result.ground_only) == ([], [], [], False)


@pytest.mark.parametrize(
    ("description", "verdict", "categories"),
    [
        ("手机 打火机", "prohibited", [4]),  # prohibited beats restricted
        ("手机 木雕 液晶电视", "restricted", []),  # restricted beats refused
        ("液晶电视", "refused", []),  # refused beats allowed
        ("白酒 62度 手机", "prohibited", []),  # over a limit beats restricted
        ("白酒 62度 打火机", "prohibited", [4]),  # categories only from the 19 categories
        ("仿真枪 假币 打火机", "prohibited", [1, 4, 15]),
    ],
)
def test_verdict_order(screen, description, verdict, categories):
    result = screen(description, original_packaging=False)
    assert (result.verdict, result.categories) == (verdict, categories)


def test_refused_by_lists_every_active_carrier_whose_groups_refuse_it(screen):
    make_carrier("all", list(range(1, 12)))
    make_carrier("no-screens", [1, 2, 3])
    make_carrier("screens", [6, 7, 8])
    make_carrier("inactive", [7], active=False)

    result = screen("液晶显示器 27寸", original_packaging=False)

    assert (result.verdict, result.refused_by) == ("refused", ["all", "screens"])
    assert set(result.refusal_reasons) == {"all", "screens"}
    assert "拒收物品目录 7" in result.refusal_reasons["screens"]


def test_with_a_carrier_refused_means_that_carrier_refuses(screen):
    make_carrier("screens", [6, 7, 8])
    make_carrier("food-only", [3])

    assert screen("液晶电视", carrier="screens").verdict == "refused"
    refused = screen("液晶电视", carrier="screens")
    assert refused.refused_by == ["screens"]
    not_refused = screen("液晶电视", carrier="food-only")
    assert (not_refused.verdict, not_refused.refused_by) == ("allowed", [])


def test_a_carrier_instance_or_code(screen):
    carrier = make_carrier("screens", [7])
    assert screen("液晶电视", carrier=carrier).refused_by == ["screens"]
    assert screen("液晶电视", carrier="screens").refused_by == ["screens"]


def test_an_unknown_carrier_code_raises(db):
    with pytest.raises(UnknownCarrier):
        screen_item(ScreeningInput(description="书"), carrier="nobody")


def test_documents_item_type_matches_the_uncertain_value_group(screen):
    make_carrier("docs", [4])
    result = screen("一些纸", item_type="documents")
    assert (result.verdict, result.refused_by) == ("refused", ["docs"])
    assert result.matches == [
        {"term": "documents", "list": "refused", "category": 4, "clause": "拒收物品目录 4"}
    ]


def test_hk_bag_refuses_every_restricted_item(screen, hk_bag):
    result = screen("iPhone 15 Pro", carrier="hk-bag")
    assert (result.verdict, result.refused_by) == ("restricted", ["hk-bag"])
    assert "店中邮条款 2A" in result.refusal_reasons["hk-bag"]
    assert screen("iPhone 15 Pro").refused_by == ["hk-bag"]


@pytest.mark.parametrize(
    "description",
    [
        "燕窝 礼盒",
        "港币现金 5000",
        "金条 100g",
        "钻石戒指",
        "对讲机 一对",
        "新鲜蔬菜",
        "精密仪器",
        "水样 检测",
        "股票证书",
    ],
)
def test_hk_bag_own_rules(screen, hk_bag, every_group_carrier, description):
    with_carrier = screen(description, carrier="hk-bag")
    assert with_carrier.verdict == "refused"
    assert any(m["clause"].startswith("店中邮条款") for m in with_carrier.matches)
    # Without a carrier the verdict is the platform's; hk-bag still shows in refused_by.
    without = screen(description)
    # None of these is in the platform's refusal groups: only hk-bag refuses them.
    assert (without.verdict, without.refused_by) == ("allowed", ["hk-bag"])


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("北京市朝阳区 邮政信箱 8888号", True),
        ("PO Box 123, Shenzhen", True),
        ("P.O. Box 88", True),
        ("广东省深圳市南山区518000", True),
        ("邮编 100020", True),
        ("广东省深圳市南山区科技园科苑路1号", False),
        ("信箱路 12号", False),
    ],
)
def test_hk_bag_refuses_po_boxes_and_postcode_only_addresses(screen, hk_bag, address, refused):
    result = screen("衣服", carrier="hk-bag", recipient_address=address)
    assert (result.verdict == "refused") is refused
    if refused:
        assert "店中邮条款 8a" in result.message


def test_messages_follow_the_active_language(screen):
    with translation.override("en"):
        english = screen("打火机").message
    with translation.override("zh-hant"):
        traditional = screen("打火机").message
    with translation.override("zh-hans"):
        simplified = screen("打火机").message
    assert "禁止寄递物品目录 四、1" in english
    assert "may not be sent" in english
    assert "禁止寄遞物品目錄 四、1" in traditional
    assert "打火機" in traditional
    assert "禁止寄递物品目录 四、1" in simplified
    assert "打火机" in simplified


def test_a_screen_costs_two_queries_once_the_matcher_is_built(screen, hk_bag, django_assert_num_queries):
    screen("打火机")  # builds this process's matcher for the current catalogue version
    with django_assert_num_queries(2):  # the catalogue version, the active carriers
        result = screen("手机 香烟两条 液晶电视 燕窝")
    assert result.refused_by == ["hk-bag"]
    with django_assert_num_queries(1):  # a Carrier instance needs no carrier query
        screen("燕窝", carrier=hk_bag)
