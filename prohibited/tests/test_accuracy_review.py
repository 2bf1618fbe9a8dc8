"""The accuracy review's defects, each from both sides (DESIGN §5)."""

import importlib
import json

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.utils import translation

from prohibited.matching import normalise
from prohibited.models import CatalogueVersion, Section, Term

pytestmark = pytest.mark.django_db


def version() -> int:
    return CatalogueVersion.objects.get(pk=1).version


# 1. Exclusions stop at a word boundary and at a word that goes on past them.


def test_removed_spaces_are_kept_as_word_boundaries():
    assert normalise("打火机 套装 5个") == "打火机套装5个"
    assert normalise("打火机 套装 5个").boundaries == {3, 5}
    assert normalise("手 機 殼").boundaries == frozenset()  # spaced-out characters: no words
    assert normalise("iPhone 15 手机壳").boundaries == {9}


@pytest.mark.parametrize(
    ("description", "verdict"),
    [
        ("打火机 套装 5个", "prohibited"),
        ("打火机套装", "prohibited"),
        ("香烟 盒装 3条", "prohibited"),
        ("雪茄 盒装", "restricted"),
        ("白酒 杯装 62度", "prohibited"),
        ("手机 卡槽正常", "restricted"),
        ("手机 版本国行", "restricted"),
        ("vivo X100 手机 配件齐全", "restricted"),
        ("小米 手机 包邮", "restricted"),
    ],
)
def test_an_exclusion_does_not_run_into_the_next_word(screen, description, verdict):
    assert screen(description).verdict == verdict


@pytest.mark.parametrize(
    "description",
    [
        "打火机套",
        "打火机套 皮质",
        "香烟盒 金属",
        "雪茄盒 雪松木",
        "白酒杯 6只",
        "手机卡 流量卡",
        "手 機 殼",
        "手机 壳",
    ],
)
def test_the_exclusion_still_holds_where_it_is_the_item(screen, description):
    assert screen(description).verdict == "allowed"


# 2. A phone that comes with accessories is a phone; an accessory for a phone is not.


@pytest.mark.parametrize(
    "description",
    [
        "iPhone 15 Pro 256G 带壳带膜",
        "华为 P60 手机 含原装充电器",
        "iPhone 15 Pro Max 256G 支持磁吸充电",
        "Samsung Galaxy S24 with charger",
        "二手 iPhone 13 128G 带原装充电器",
        "OPPO Find X7 手机 8+256 全新",
    ],
)
def test_a_phone_with_its_accessories_is_restricted(screen, description):
    result = screen(description)
    assert (result.verdict, result.ground_only) == ("restricted", True)


@pytest.mark.parametrize(
    "description",
    [
        "手机壳",
        "iPhone 15 手机壳",
        "适用iPhone 15的充电器",
        "phone case for iPhone",
        "iPhone 15 Pro Max 手机壳 磁吸",
    ],
)
def test_an_accessory_for_a_phone_is_allowed(screen, description):
    assert screen(description).verdict == "allowed"


# 3. Cigarettes by brand and count, summed over the description.


@pytest.mark.parametrize(
    ("description", "verdict"),
    [
        ("5条中华", "prohibited"),
        ("中华 3条", "prohibited"),
        ("玉溪 软 4条", "prohibited"),
        ("利群 新版 2条", "restricted"),
        ("南京 炫赫门 3条", "prohibited"),
        ("中华 1条 + 玉溪香烟 2条", "prohibited"),  # 3 cartons in all
        ("中华 1条 玉溪 1条", "restricted"),  # 2 cartons in one part
        ("5条中华 2条玉溪", "prohibited"),
    ],
)
def test_cigarette_brands_next_to_a_count(screen, description, verdict):
    assert screen(description).verdict == verdict


@pytest.mark.parametrize(
    "description",
    [
        "中华料理 调料",
        "南京盐水鸭 2包",
        "2盒南京盐水鸭",
        "中华牙膏 3条装",
        "七匹狼 男士内裤 3条装",
        "双喜 高压锅",
        "中华",
    ],
)
def test_brand_names_without_a_count_of_cigarettes_are_not_cigarettes(screen, description):
    assert screen(description).verdict == "allowed"


# 4. Wrong verdicts.


@pytest.mark.parametrize(
    ("description", "verdict"),
    [
        ("car cigarette lighter charger", "allowed"),
        ("cigarette lighter adapter", "allowed"),
        ("cigarette lighter", "prohibited"),
        ("活的小龙虾 3斤", "prohibited"),
        ("鲜活大闸蟹", "prohibited"),
        ("活体海鲜", "prohibited"),
        ("大闸蟹 6只 礼盒", "refused"),  # fresh, not said to be alive: refusal group 3
        ("卤鸡蛋", "allowed"),
        ("茶叶蛋", "allowed"),
        ("咸鸭蛋", "allowed"),
        ("土鸡蛋 30枚", "refused"),
        ("新鲜鸭蛋 20个", "refused"),
        ("gouache paint", "allowed"),
        ("chalk paint", "allowed"),
        ("paint brush", "allowed"),
        ("oil paint set for artists", "allowed"),
        ("oil-based paint 1 gallon", "prohibited"),
        ("spray paint can", "prohibited"),
        ("paint thinner", "prohibited"),
        ("油漆 5kg", "prohibited"),
    ],
)
def test_wrong_verdicts_corrected(screen, description, verdict):
    assert screen(description).verdict == verdict


# 5. The seed's own wording of refusal groups 6–8.


@pytest.mark.parametrize("kind", ["LED类", "液晶类", "等离子类"])
@pytest.mark.parametrize("screen_type", ["电视", "显示器", "显示屏"])
def test_seed_wording_of_screens_is_refused_without_original_packaging(screen, kind, screen_type):
    number = {"LED类": 6, "液晶类": 7, "等离子类": 8}[kind]
    refused = screen(kind + screen_type)
    assert refused.verdict == "refused"
    assert [(m["list"], m["category"]) for m in refused.matches] == [("refused", number)]
    assert screen(kind + screen_type + " 原厂包装").verdict == "allowed"


# 6. Seed 003 Appendix I in English.


@pytest.mark.parametrize(
    "description",
    [
        "Printed materials detrimental to the politics, economy, culture or morality of the PRC",
        "detrimental to the reputation and interests of the PRC",
        "disturbing social order",
        "insulting or defaming others",
        "endangering social morality",
    ],
)
def test_003_appendix_one_printed_matter_is_prohibited(screen, description):
    assert (screen(description).verdict, screen(description).categories) == ("prohibited", [13])


def test_endangered_and_rare_animals(screen, hk_bag):
    with_carrier = screen("endangered and rare animals", carrier="hk-bag")
    assert (with_carrier.verdict, with_carrier.categories) == ("prohibited", [17])
    assert "hk-bag" in with_carrier.refused_by
    assert screen("endangered animals plush toy").verdict == "allowed"
    assert screen("social order of bees book").verdict == "allowed"


# 7. Simplified text in simplified messages.


@pytest.mark.parametrize(
    ("description", "shown"),
    [
        ("破壞社會穩定", "破坏社会稳定"),
        ("宗教極端思想", "宗教极端思想"),
        ("智慧型手機", "智能手机"),
        ("液晶螢幕", "液晶屏"),
        ("led螢幕", "led屏"),
        ("電漿電視", "等离子电视"),
    ],
)
def test_traditional_terms_show_simplified_text(screen, description, shown):
    with translation.override("zh-hans"):
        result = screen(description)
    assert [m["term"] for m in result.matches] == [shown]
    assert shown in result.message or shown in " ".join(result.conditions)


def test_a_wording_must_name_a_simplified_term_of_the_section(tmp_path):
    from prohibited.catalogue import catalogue_from_files

    (tmp_path / "a.toml").write_text(
        '[[section]]\nkind = "prohibited"\nnumber = 1\ntitle = "t"\nclause = "c"\n'
        '  [[section.terms]]\n  zh-hans = ["手枪"]\n  zh-hant = ["短槍"]\n'
        '  [section.wording]\n  "短槍" = "短枪"\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="not a simplified term"):
        catalogue_from_files(tmp_path)


# 8. Any change to a catalogue row bumps the version, however it is made.


def test_saving_or_deleting_a_term_anywhere_bumps_the_version(screen):
    section = Section.objects.get(kind="prohibited", number=19, carrier_code="")
    before = version()
    term = Term.objects.create(section=section, term="飞天扫帚", script="zh-hans")
    assert version() == before + 1
    assert screen("飞天扫帚").categories == [19]  # no catalogue_changed() needed
    term.active = False
    term.save()
    assert screen("飞天扫帚").verdict == "allowed"
    Term.objects.filter(term="打火机", section__number=4).get().delete()
    assert version() == before + 3


def test_saving_a_section_bumps_the_version(screen):
    section = Section.objects.get(kind="restricted", number=2, carrier_code="")
    before = version()
    section.active = False
    section.save()
    assert version() == before + 1
    assert screen("智能手机").verdict == "allowed"


def test_loaddata_bumps_the_version(tmp_path, screen):
    section = Section.objects.get(kind="prohibited", number=19, carrier_code="")
    fixture = tmp_path / "terms.json"
    row = {
        "model": "prohibited.term",
        "fields": {"section": section.pk, "term": "魔法药水", "script": "zh-hans", "exclusions": []},
    }
    fixture.write_text(json.dumps([row], ensure_ascii=False), encoding="utf-8")
    before = version()
    call_command("loaddata", str(fixture), verbosity=0)
    assert version() > before
    assert screen("魔法药水").categories == [19]


def test_sync_bumps_the_version_once():
    from prohibited.catalogue import catalogue_sync

    before = version()
    catalogue_sync(section_model=Section, term_model=Term, version_model=CatalogueVersion)
    assert version() == before + 1


def test_migration_0003_removes_the_bare_paint_term():
    section = Section.objects.get(kind="prohibited", number=5, carrier_code="")
    Term.objects.create(section=section, term="paint", script="en")
    module = importlib.import_module("prohibited.migrations.0003_sync_catalogue_accuracy")
    module.sync(django_apps, None)
    assert not Term.objects.filter(section=section, term="paint").exists()
    assert Term.objects.filter(section=section, term="paint thinner").exists()
