"""The catalogue data: loaded by the migration, complete, and every term screens as its section."""

import pytest
from django.utils import translation

from prohibited.catalogue import DERIVED_NOTE, catalogue_from_files
from prohibited.matching import COUNT_DIRECTIVE
from prohibited.models import CatalogueVersion, Section, Term

pytestmark = pytest.mark.django_db

SEVERITY = {"allowed": 0, "refused": 1, "restricted": 2, "prohibited": 3}


def test_the_migration_loads_every_section_and_term_of_the_files():
    files = catalogue_from_files()
    assert Section.objects.count() == len(files)
    assert Term.objects.count() == sum(len(s.terms) for s in files)
    assert CatalogueVersion.objects.get(pk=1).version >= 1


def test_all_nineteen_categories_five_restricted_items_and_eleven_refusal_groups():
    platform = Section.objects.filter(carrier_code="")
    assert sorted(platform.filter(kind="prohibited").values_list("number", flat=True)) == list(range(1, 20))
    assert sorted(platform.filter(kind="restricted").values_list("number", flat=True)) == [1, 2, 3, 4, 5]
    assert sorted(platform.filter(kind="refused").values_list("number", flat=True)) == list(range(1, 12))
    assert Section.objects.filter(carrier_code="hk-bag").count() == 12


@pytest.mark.parametrize("number", range(1, 20))
def test_every_category_has_simplified_traditional_and_english_terms(number):
    scripts = set(
        Term.objects.filter(
            section__kind="prohibited", section__number=number, section__carrier_code=""
        ).values_list("script", flat=True)
    )
    assert scripts == {"zh-hans", "zh-hant", "en"}


@pytest.mark.parametrize(
    ("term", "number", "clause"),
    [
        ("打火机", 4, "禁止寄递物品目录 四、1"),
        ("打火機", 4, "禁止寄递物品目录 四、1"),
        ("水银", 8, "禁止寄递物品目录 八"),
        ("假币", 15, "禁止寄递物品目录 十五"),
        ("盗版", 16, "禁止寄递物品目录 十六、1"),
        ("甲凱西酮", 12, "禁止寄递物品目录 十二、1"),
        ("導火線", 3, "禁止寄递物品目录 三、2"),
        ("potent poison", 8, "店中邮条款 附件一(一)"),
        ("counterfeit currencies", 15, "店中邮条款 附件一(一)"),
    ],
)
def test_terms_keep_their_source_clause(term, number, clause):
    row = Term.objects.get(term=term, section__kind="prohibited", section__carrier_code="")
    assert (row.section.number, row.source_clause) == (number, clause)


# Every example 000's appendix (二) gives, category by category, as 000 writes it; 003 gives the
# same catalogue in traditional characters (甲凱西酮, 安鈉咖, 導火線 are its variants).
SEED_EXAMPLES = {
    1: "手枪 步枪 冲锋枪 防暴枪 气枪 猎枪 运动枪 麻醉注射枪 钢珠枪 催泪枪 子弹 炸弹 手榴弹 火箭弹 照明弹 燃烧弹 烟幕弹 信号弹 催泪弹 毒气弹 地雷 手雷 炮弹 火药",
    2: "匕首 三棱刮刀 弹簧刀 跳刀 三棱尖刀 弩 催泪器 催泪枪 电击器",
    3: "炸药 雷管 导火索 导爆索 爆破剂 烟花 鞭炮 摔炮 拉炮 砸炮 彩药弹 黑火药 烟火药 发令纸 引火线 推进剂 发射药 硝化棉 电点火头",
    4: "氢气 甲烷 乙烷 丁烷 天然气 液化石油气 乙烯 丙烯 乙炔 打火机 一氧化碳 一氧化氮 氯气 压缩氧气 氮气 氦气 氖气 气雾剂",
    5: "汽油 柴油 煤油 桐油 丙酮 乙醚 油漆 生漆 苯 酒精 松香油",
    6: "红磷 硫磺 铝粉 闪光粉 固体酒精 火柴 活性炭 黄磷 白磷 硝化纤维 钛粉 金属钠 钾 锂 锌粉 镁粉 碳化钙 电石 氰化钠 氰化钾",
    7: "高锰酸盐 高氯酸盐 氧化氢 过氧化钠 过氧化钾 过氧化铅 氯酸盐 溴酸盐 硝酸盐 双氧水",
    8: "砷 砒霜 汞化物 铊化物 氰化物 硒粉 苯酚 汞 剧毒农药",
    9: "病菌 炭疽 寄生虫 排泄物 医疗废弃物 尸骨 动物器官 肢体 未经硝制的兽皮 未经药制的兽骨",
    10: "铀 钴 镭 钚",
    11: "硫酸 硝酸 盐酸 蓄电池 氢氧化钠 氢氧化钾",
    12: "鸦片 罂粟壳 吗啡 海洛因 可卡因 大麻 甲基苯丙胺 冰毒 氯胺酮 甲卡西酮 苯丙胺 安纳咖 胡椒醛 黄樟素 黄樟油 麻黄素 伪麻黄素 羟亚胺 邻酮 苯乙酸 溴代苯丙酮 醋酸酐 甲苯 丙酮 冰壶 甲凱西酮 安鈉咖",
    13: "反动 煽动民族仇恨 破坏国家统一 宣扬邪教 宗教极端 淫秽",
    14: "暗藏式窃听器材 窃照器材 突发式收发报机 一次性密码本 密写工具 截收器材",
    15: "伪造的货币 变造的货币 伪造证件 伪造公章",
    16: "侵犯专利权 侵犯商标权 侵犯著作权 假冒伪劣",
    17: "象牙 虎骨 犀牛角",
    18: "有碍人畜健康 来自疫区 国家秘密",
    19: "危险化学品 民用爆炸物品 易制爆危险化学品 病原微生物",
}


@pytest.mark.parametrize("number", sorted(SEED_EXAMPLES))
def test_every_seed_example_is_a_term_of_its_category(number):
    stored = set(
        Term.objects.filter(
            section__kind="prohibited", section__number=number, section__carrier_code=""
        ).values_list("term", flat=True)
    )
    assert [e for e in SEED_EXAMPLES[number].split() if e not in stored] == []


def test_simplified_terms_have_a_derived_traditional_form():
    derived = Term.objects.filter(note=DERIVED_NOTE)
    assert derived.filter(term="防狼噴霧", script="zh-hant").exists()
    assert derived.count() > 300


def _expected(section) -> str:
    if section.kind == "prohibited":
        return "prohibited"
    if section.kind == "restricted":
        return "prohibited" if section.rule == "zero" else "restricted"
    return "refused"


def test_every_term_in_every_script_screens_to_its_own_verdict_and_category(screen, hk_bag):
    """Each stored term, screened alone, is found under its own list and number with its
    section's verdict (or a stricter one when its words also name a stricter entry)."""
    failures = []
    terms = Term.objects.filter(active=True, section__active=True).select_related("section")
    with translation.override("zh-hans"):
        for row in terms:
            section = row.section
            fields = {}
            if section.rule == "min_insured_value":
                fields = {"insured": True, "declared_value": section.limit}
            if section.rule == "original_packaging":
                fields = {"original_packaging": False}
            if section.carrier_code:
                if section.rule == "address":
                    result = screen(
                        "衣服", carrier=section.carrier_code, recipient_address=f"香港 {row.term} 123"
                    )
                else:
                    result = screen(row.term, carrier=section.carrier_code, **fields)
            elif COUNT_DIRECTIVE in (row.exclusions or []):
                result = screen(f"{row.term} 1条", **fields)  # a brand name counts beside a count
            else:
                result = screen(row.term, **fields)
            own = {"list": section.kind, "category": section.number}
            found = any(m["list"] == own["list"] and m["category"] == own["category"] for m in result.matches)
            expected = "refused" if section.carrier_code else _expected(section)
            if section.carrier_code:
                ok = hk_bag.code in result.refused_by and (found or section.rule == "refuse_restricted")
            else:
                ok = found and SEVERITY[result.verdict] >= SEVERITY[expected]
                if result.verdict != expected and not any(
                    m["list"] != own["list"] or m["category"] != own["category"] for m in result.matches
                ):
                    ok = False
            if section.kind == "prohibited" and not section.carrier_code:
                ok = ok and section.number in result.categories
            if not ok:
                failures.append(
                    (row.term, row.script, section.kind, section.number, result.verdict, result.matches)
                )
    assert failures == []


def test_syncing_the_files_again_changes_nothing_but_the_version():
    from prohibited.catalogue import catalogue_sync

    before = CatalogueVersion.objects.get(pk=1).version
    counts = catalogue_sync(section_model=Section, term_model=Term, version_model=CatalogueVersion)
    assert counts == {"sections": len(catalogue_from_files()), "terms_created": 0, "terms_updated": 0}
    assert CatalogueVersion.objects.get(pk=1).version == before + 1


def test_syncing_keeps_what_an_admin_added():
    from prohibited.catalogue import catalogue_sync

    section = Section.objects.get(kind="prohibited", number=3, carrier_code="")
    Term.objects.create(section=section, term="礼花筒", script="zh-hans")
    catalogue_sync(section_model=Section, term_model=Term, version_model=CatalogueVersion)
    assert Term.objects.filter(section=section, term="礼花筒").exists()


def test_the_data_files_reject_a_duplicate_term(tmp_path):
    (tmp_path / "a.toml").write_text(
        '[[section]]\nkind = "prohibited"\nnumber = 1\ntitle = "t"\nclause = "c"\n'
        '  [[section.terms]]\n  zh-hans = ["手枪", "手枪"]\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="duplicate term"):
        catalogue_from_files(tmp_path)


def test_the_data_files_reject_exclusions_for_a_missing_term(tmp_path):
    (tmp_path / "a.toml").write_text(
        '[[section]]\nkind = "prohibited"\nnumber = 1\ntitle = "t"\nclause = "c"\n'
        '  [[section.terms]]\n  zh-hans = ["手枪"]\n  [section.exclusions]\n  "步枪" = ["步枪模型"]\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="not a term of the section"):
        catalogue_from_files(tmp_path)
