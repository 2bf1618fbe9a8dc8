"""Look-alikes: exclusions and longer terms keep harmless goods allowed (DESIGN §5)."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "description",
    [
        "手机壳",
        "iPhone 15 硅胶壳",
        "华为手机钢化膜 2片",
        "手机支架 桌面",
        "iphone case",
        "碳酸氢钠 小苏打 500g",
        "钾肥 复合肥 25kg",
        "氯化钾 缓释片",
        "酒精度 0.5% 无醇饮料",
        "无酒精湿巾",
        "天津大麻花",
        "镭射贴纸",
        "钴蓝色 颜料",
        "硫酸软骨素 胶囊",
        "硫酸纸 A4",
        "盐酸二甲双胍片",
        "聚乙烯保鲜膜",
        "丙烯颜料 24色",
        "象牙白 衬衫",
        "沐浴炸弹 浴球",
        "子弹杯 6个",
        "筋膜枪",
        "热熔胶枪",
        "手枪钻 锂电",
        "电子鞭炮 LED",
        "火柴人 涂鸦本",
        "肢体语言 书",
        "骨灰级玩家 手柄",
        "版权所有 侵权必究 正版图书",
        "谨防假冒 官方正品",
        "氢气水杯",
        "一氧化碳报警器",
        "攀岩镁粉",
        "生活物品 一箱",
        "无汞电池",
        "富硒茶",
        "违反动物保护的书",
        "非危险品 普通货物",
        "内无违禁品 衣服",
        "婴儿监听器",
        "硫磺皂",
        "桐油伞",
        "钢琴谱 入门",
        "摩托车头盔",
        "牛肉干",
        "鸡蛋卷 饼干",
        "咸鸭蛋 熟",
        "文件袋 A4",
        "身份证卡套",
        "大理石纹 手机壳",
        "显示器支架",
        "电视机柜",
        "冰淇淋机",
        "雪糕模具",
    ],
)
def test_harmless_look_alikes_are_allowed(screen, description):
    result = screen(description)
    assert (result.verdict, result.matches) == ("allowed", [])


@pytest.mark.parametrize(
    ("description", "categories"),
    [
        ("高锰酸钾 消毒", [7]),  # not 钾 (6): the longer term wins
        ("氢氧化钾 片碱", [11]),
        ("硝酸钾", [7]),
        ("固体酒精 野营", [6]),  # not 酒精 (5)
        ("金属钾", [6]),
        ("金属锂 颗粒", [6]),
        ("钾 金属块", [6]),
        ("锂 金属片", [6]),
        ("医用酒精 75%", [5]),
        ("水银", [8]),
    ],
)
def test_short_chemical_names_and_the_longer_ones_that_contain_them(screen, description, categories):
    result = screen(description)
    assert (result.verdict, result.categories) == ("prohibited", categories)


def test_an_exclusion_only_cancels_the_occurrence_it_covers(screen):
    result = screen("二手手机 送手机壳")
    assert result.verdict == "restricted"
    assert [m["term"] for m in result.matches] == ["二手手机"]


def test_a_nearby_exclusion_only_reaches_its_own_part_of_the_description(screen):
    assert screen("iPhone 14 硅胶壳").verdict == "allowed"
    assert screen("iPhone 14，硅胶壳").verdict == "restricted"


def test_a_refusal_does_not_hide_a_prohibition_inside_it(screen):
    result = screen("象牙雕刻 摆件")
    assert (result.verdict, result.categories) == ("prohibited", [17])
    assert {(m["list"], m["category"]) for m in result.matches} == {("prohibited", 17), ("refused", 4)}
