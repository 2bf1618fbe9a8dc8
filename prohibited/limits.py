"""Quantities a description states: alcohol strength, cigarette cartons, a baby's age, addresses.

All functions read normalised text (``matching.normalise``): digits are ASCII, ％ is %, case is
folded, and spaces beside CJK characters are gone ("白酒 62 度" is "白酒62度").
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
NUMBER = r"(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千]+半?|半)"


def to_number(text: str) -> Decimal | None:
    """'53', '5.5', '两', '十二', '五十六', '一百', '两条半' → Decimal; None if not a number."""
    text = text.strip()
    if not text:
        return None
    if text[0].isdigit():
        try:
            return Decimal(text)
        except InvalidOperation:
            return None
    half = Decimal("0.5") if text.endswith("半") else Decimal(0)
    text = text.removesuffix("半")
    if not text:
        return half or None
    total, current = 0, 0
    for char in text:
        if char in _CN_DIGITS:
            current = _CN_DIGITS[char]
        elif char in _CN_UNITS:
            total += (current or 1) * _CN_UNITS[char]
            current = 0
        else:
            return None
    return Decimal(total + current) + half


# "62度", "53°", "53%vol", "53 % vol", "53% abv", "五十三度"; and "酒精度53", "abv 40%".
_ABV_AFTER = re.compile(NUMBER + r"\s*(?:度|°|%\s*(?:vol|abv|alc)?)")
_ABV_BEFORE = re.compile(r"(?:酒精度|酒精含量|度数|abv|alc\.?|vol\.?)\s*[:：]?\s*" + NUMBER)


# Without a bare "%": for text away from the liquor ("红酒 1瓶，羽绒 90%" is no 90% liquor).
_ABV_AFTER_STRICT = re.compile(NUMBER + r"\s*(?:度|°|%\s*(?:vol|abv|alc))")


def abv_values(text: str, *, strict: bool = False) -> list[Decimal]:
    """Alcohol strengths the text states; ``strict`` ignores a bare percentage."""
    values = []
    for pattern in (_ABV_AFTER_STRICT if strict else _ABV_AFTER, _ABV_BEFORE):
        for match in pattern.finditer(text):
            value = to_number(match.group(1))
            if value is not None and value <= 100:
                values.append(value)
    return values


# Cartons (条), packs (包 / 盒, ten to a carton), sticks (支 / 根, two hundred to a carton) and
# cases (箱 / 件, the trade's fifty cartons).
_CIGARETTE_COUNTS = (
    (re.compile(NUMBER + r"\s*(?:条|cartons?\b|ctns?\b)(半)?"), Decimal(1)),
    (re.compile(NUMBER + r"\s*(?:箱|件)(半)?"), Decimal("0.02")),
    (re.compile(NUMBER + r"\s*(?:包|盒|packs?\b)(半)?"), Decimal(10)),
    (re.compile(NUMBER + r"\s*(?:支|根|sticks?\b)"), Decimal(200)),
)


def carton_counts(text: str) -> list[tuple[int, Decimal]]:
    """(position, cartons) for every count of cigarettes the text states ("两条半" is 2.5)."""
    found = []
    for pattern, per_carton in _CIGARETTE_COUNTS:
        for match in pattern.finditer(text):
            value = to_number(match.group(1))
            if value is not None:
                if match.lastindex and match.lastindex > 1 and match.group(2):
                    value += Decimal("0.5")
                found.append((match.start(), value / per_carton))
    return sorted(found)


def cartons_near(text: str, start: int, end: int, part: tuple[int, int]) -> Decimal | None:
    """The count that goes with the cigarettes at text[start:end]: the first one after them in
    the same part of the description, else the last one before them."""
    left, right = part
    counts = carton_counts(text[left:right])
    after = [c for pos, c in counts if pos + left >= end]
    if after:
        return after[0]
    before = [c for pos, c in counts if pos + left < start]
    return before[-1] if before else None


def cartons_in_part(text: str, spans: list[tuple[int, int]], part: tuple[int, int]) -> list[Decimal]:
    """The counts that go with the cigarette mentions ``spans`` (sorted) in one part.

    When the part's first count comes before its first mention ("5条中华 2条玉溪"), each mention
    takes the last count before it; otherwise ("中华 1条 玉溪 2条") the first count after it and
    before the next mention. A count goes with one mention only.
    """
    left, right = part
    counts = [(pos + left, value) for pos, value in carton_counts(text[left:right])]
    if not counts or not spans:
        return []
    taken: dict[int, Decimal] = {}
    if counts[0][0] < spans[0][0]:
        for start, _end in spans:
            before = [(pos, v) for pos, v in counts if pos < start and pos not in taken]
            if before:
                taken[before[-1][0]] = before[-1][1]
    else:
        for i, (_start, end) in enumerate(spans):
            limit = spans[i + 1][0] if i + 1 < len(spans) else right
            after = [(pos, v) for pos, v in counts if end <= pos < limit and pos not in taken]
            if after:
                taken[after[0][0]] = after[0][1]
    return list(taken.values())


# A count of cigarettes right next to a brand name: "5条中华", "中华 3条", "玉溪 软 4条",
# "利群 新版 2条" (a few words of the pack's kind may stand between the brand and the count).
_UNIT = r"(?:条|包|盒|支|根|cartons?\b|ctns?\b|packs?\b)"
_PACK_WORDS = (
    r"(?:软|硬|新版|老版|新款|细支|中支|粗支|短支|爆珠|经典|精品|金|红|蓝|白|黑|原装|正品"
    # series names of the brands (南京 炫赫门, 黄鹤楼 1916, 云烟 大重九 …)
    r"|炫赫门|十二钗|雨花石|九五|天下名楼|满天星|金砖|和天下|大重九|紫气东来|荷花|红金|软蓝|硬红)"
)
_COUNT_BEFORE = re.compile(NUMBER + r"\s*" + _UNIT + r"\s*" + _PACK_WORDS + r"{0,3}\s*$")
_COUNT_AFTER = re.compile(r"\s*(?:" + _PACK_WORDS + r"|\d{4}\s)*\s*" + NUMBER + r"\s*" + _UNIT)


_BRAND_END = re.compile(r"$|[^\u3400-\u9fff]|" + _PACK_WORDS + r"|香?烟")


def count_adjacent(text: str, start: int, end: int) -> bool:
    """Whether a count of cigarettes stands right before or after text[start:end]; a count
    before needs the name to end there ("2盒南京盐水鸭" is duck, "5条中华" cigarettes)."""
    if _COUNT_AFTER.match(text, end):
        return True
    return bool(_COUNT_BEFORE.search(text, max(0, start - 12), start) and _BRAND_END.match(text, end))


_STAGE_MONTHS = {"1": 0, "2": 6, "3": 12, "4": 36, "一": 0, "二": 6, "三": 12, "四": 36}
_AGE_PATTERNS = (
    # "36个月以上", "36月龄+", "36个月起"
    (re.compile(NUMBER + r"\s*个?月龄?\s*(?:以上|及以上|\+|起|或以上)"), 1),
    # "12-36个月", "6~12月龄": the lower bound
    (re.compile(NUMBER + r"\s*[-~至到]\s*" + NUMBER + r"\s*个?月"), 1),
    # "3岁以上", "3岁+"
    (re.compile(NUMBER + r"\s*周?岁\s*(?:以上|及以上|\+|起|或以上)"), 12),
    # "1-3岁", "3至7岁"
    (re.compile(NUMBER + r"\s*[-~至到]\s*" + NUMBER + r"\s*周?岁"), 12),
    # "36+ months", "36 months+", "36 months and up"
    (re.compile(r"(\d+)\s*\+?\s*(?:months?|mths?)\s*(?:\+|and up|or older|plus)"), 1),
    (re.compile(r"(\d+)\s*\+\s*(?:months?|mths?)"), 1),
    (re.compile(r"(\d+)\s*-\s*\d+\s*(?:months?|mths?)"), 1),
    (re.compile(r"(\d+)\s*\+?\s*(?:years?|yrs?)\s*(?:\+|and up|or older|plus)"), 12),
    (re.compile(r"(\d+)\s*\+\s*(?:years?|yrs?)"), 12),
    (re.compile(r"(\d+)\s*-\s*\d+\s*(?:years?|yrs?)"), 12),
)
_STAGE = re.compile(r"([1-4一二三四])\s*段|stage\s*([1-4])")


def youngest_age_months(text: str) -> Decimal | None:
    """The youngest age (months) the text says the formula is for; None if it says none."""
    ages: list[Decimal] = []
    for pattern, factor in _AGE_PATTERNS:
        for match in pattern.finditer(text):
            value = to_number(match.group(1))
            if value is not None:
                ages.append(value * factor)
    for match in _STAGE.finditer(text):
        ages.append(Decimal(_STAGE_MONTHS[match.group(1) or match.group(2)]))
    return min(ages) if ages else None


_ADMIN_UNIT = re.compile(r"^[\u4e00-\u9fff]{1,12}?(?:特别行政区|自治区|自治州|自治县|省|市|区|县|旗|盟|州)")
_POSTCODE_WORDS = re.compile(
    r"邮编|邮政编码|邮递区号|邮区编号|postcode|post code|postal code|zip code|zip|[:：,.\s-]"
)


def is_postcode_only(address: str) -> bool:
    """True when the street address is nothing but a postcode ("广东省深圳市南山区518000")."""
    rest = address
    while True:
        match = _ADMIN_UNIT.match(rest)
        if not match:
            break
        rest = rest[match.end() :]
    rest = _POSTCODE_WORDS.sub("", rest)
    return bool(re.fullmatch(r"\d{4,6}", rest))


_ORIGINAL_PACKAGING = re.compile(
    r"(非|无|没有|不是|不带|没|no |not in |without )?"
    r"(原厂包装|原包装|原装箱|原箱|原厂纸箱|蜂窝纸箱|蜂窝箱|original packaging|original box|honeycomb carton)"
)


def says_original_packaging(text: str) -> bool:
    """The description says the screen travels in its original packaging or a honeycomb carton."""
    return any(match.group(1) is None for match in _ORIGINAL_PACKAGING.finditer(text))


# A battery's energy: "74wh", "99 wh", "100瓦时"; or its charge, "20000mah", "2万毫安", "30000毫安时",
# "100ah", at the voltage the text states ("12v") or else the 3.7 V of a lithium cell (DESIGN §5:
# 20000 mAh ≈ 74 Wh).
_WATT_HOURS = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(?:wh|瓦时|瓦特小时)(?![a-z])")
_CHARGE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(万)?\s*(mah|毫安时|毫安|ah|安时)(?![a-z])")
_VOLTS = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(?:v|伏)(?![a-z])")
LITHIUM_CELL_VOLTS = Decimal("3.7")


def battery_wh_values(text: str) -> list[Decimal]:
    """Every battery energy the text states, in Wh."""
    values = [Decimal(m.group(1)) for m in _WATT_HOURS.finditer(text)]
    volts_match = _VOLTS.search(text)
    volts = Decimal(volts_match.group(1)) if volts_match else LITHIUM_CELL_VOLTS
    for m in _CHARGE.finditer(text):
        charge = Decimal(m.group(1)) * (10000 if m.group(2) else 1)
        amp_hours = charge / 1000 if m.group(3) in ("mah", "毫安时", "毫安") else charge
        values.append((amp_hours * volts).quantize(Decimal("0.1")))
    return values
