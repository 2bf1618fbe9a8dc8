"""The automatic screen (000 5.3.2): every reason, through the one matching engine of prohibited/."""

import pytest

from prohibited.matching import Matcher
from reviews.models import BannedCategory, BannedTerm
from reviews.screening import banned_term_matcher, reason_label, screen_text

pytestmark = pytest.mark.django_db


def codes(text: str) -> list[tuple[str, str]]:
    return [(r.code, r.category) for r in screen_text(text)]


def test_a_plain_review_passes():
    assert screen_text("快递员很准时，包装仔细，服务态度好，五星！") == []
    assert screen_text("") == []


@pytest.mark.parametrize(
    "text,category",
    [
        ("这家快递支持台独", BannedCategory.NATIONAL_SECURITY),
        ("内部消息称快递全部停运", BannedCategory.RUMOURS),
        ("都是劣等民族", BannedCategory.ETHNIC_HATRED),
        ("信全能神包裹不丢", BannedCategory.CULTS),
        ("附近约炮加我", BannedCategory.PORN),
        ("来玩百家乐", BannedCategory.GAMBLING),
        ("再迟到就弄死你", BannedCategory.VIOLENCE),
        ("策划恐怖袭击", BannedCategory.TERRORISM),
        ("快递员是个傻逼", BannedCategory.INSULTS),
        ("同款在我的淘宝店更便宜", BannedCategory.OTHER_SHOPS),
        ("五星好评返现5元", BannedCategory.PAID_PRAISE),
        ("好评请加微信领红包", BannedCategory.PAID_PRAISE),
    ],
)
def test_each_banned_category(text, category):
    assert codes(text) == [("banned_term", category)]


def test_traditional_script_and_full_width_forms_are_matched_too():
    assert codes("好評返現") == [("banned_term", BannedCategory.PAID_PRAISE)]
    assert codes("傻ｂ") == [("banned_term", BannedCategory.INSULTS)]


@pytest.mark.parametrize(
    "text", ["详情见 https://shop.example.com/item/1", "上 www.taobao-like.cn 看看", "搜 cheapgoods.top 下单"]
)
def test_links(text):
    assert ("link", "") in codes(text)


@pytest.mark.parametrize(
    "text",
    ["有事打13800138000", "电话 138 0013 8000", "+86-139-0013-9000", "座机 0755-86013388", "香港 9123 4567"],
)
def test_phone_numbers(text):
    assert codes(text) == [("phone", "")]


@pytest.mark.parametrize("text", ["加我微信：shop_abc123", "vx abc_def_88", "威信号 lucky2026x"])
def test_wechat_ids(text):
    assert ("wechat", "") in codes(text)


@pytest.mark.parametrize("text", ["QQ 12345678", "扣扣：987654321", "Q群 123456"])
def test_qq_numbers(text):
    assert codes(text) == [("qq", "")]


def test_numbers_that_are_not_contacts_pass():
    assert screen_text("1.5 公斤，运费 23 元，第 2 天就到了，运单号 SF1234567890") == []


def test_the_list_is_admin_data_and_a_change_rebuilds_the_automaton():
    before = banned_term_matcher()
    assert screen_text("这家店是黑心商家") == []

    BannedTerm.objects.create(category=BannedCategory.INSULTS, term="黑心商家")

    assert codes("这家店是黑心商家") == [("banned_term", BannedCategory.INSULTS)]
    assert banned_term_matcher() is not before
    BannedTerm.objects.filter(term="黑心商家").update(active=False)
    BannedTerm.objects.filter(term="黑心商家").first().save()
    assert screen_text("这家店是黑心商家") == []


def test_the_engine_is_the_goods_screenings_automaton():
    assert isinstance(banned_term_matcher(), Matcher)


def test_reasons_read_in_plain_words(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    from django.utils import translation

    with translation.override("zh-hans"):
        assert reason_label({"code": "phone"}) == "含有电话号码"
        assert (
            reason_label({"code": "banned_term", "category": "paid_praise"})
            == "含有评价中不允许的内容（好评返现）"
        )
    with translation.override("en"):
        assert reason_label({"code": "wechat"}) == "contains a WeChat ID"
