"""Normalisation: full-width forms, case, spaces inside Chinese, traditional characters."""

import pytest

from prohibited.matching import normalise

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＩＰＨＯＮＥ　１５", "iphone 15"),
        ("香 烟  两 条", "香烟两条"),
        ("iPhone 15 手机壳", "iphone 15手机壳"),
        ("鋰電池", "锂电池"),
        ("  Zippo   Lighter ", "zippo lighter"),
        ("白酒 ５３％ＶＯＬ", "白酒53%vol"),
        ("", ""),
    ],
)
def test_normalise(text, expected):
    assert normalise(text) == expected


@pytest.mark.parametrize(
    "description",
    [
        "打火机",
        "打 火 机",
        "打火機",
        "打　火　機",  # ideographic spaces
        "ZIPPO 打火机",
        "防風打火機 一個",
        "Lighter",
        "LIGHTERS",
        "ｌｉｇｈｔｅｒ",
        "cigarette lighter",
    ],
)
def test_every_spelling_of_a_lighter_is_prohibited_category_4(screen, description):
    result = screen(description)
    assert (result.verdict, result.categories) == ("prohibited", [4])


@pytest.mark.parametrize(
    ("description", "verdict"),
    [
        ("手　机", "restricted"),
        ("ｉＰｈｏｎｅ　１５　Ｐｒｏ", "restricted"),
        ("智慧型手機", "restricted"),
        ("水 銀 溫 度 計", "prohibited"),
        ("假 鈔 一 疊", "prohibited"),
    ],
)
def test_full_width_spaced_and_traditional_text_screens_like_plain_text(screen, description, verdict):
    assert screen(description).verdict == verdict


@pytest.mark.parametrize(
    "description",
    ["enlighten book", "Highlighter pens", "begun", "Gingerbread", "ledger", "drummer", "paintball mask"],
)
def test_english_terms_match_whole_words_only(screen, description):
    assert screen(description).verdict == "allowed"


def test_english_plurals_match(screen):
    assert screen("two pistols").categories == [1]
    assert screen("box of fireworks").categories == [3]
