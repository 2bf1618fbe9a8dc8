"""Smart fill (智能填写): one pasted text → name, phone, province, city, district, street address.

People paste what a chat or a shop gave them: labelled or not ("收件人：张三 电话：…"), in any
order, with spaces, commas or newlines, +86 and dashes in the phone, short or missing province
names. The hard part — finding the region in free Chinese text, with short names, old names and
missing levels — is ``jionlp.parse_location`` (its region data follows the 民政部 releases);
around it:

- phones (mainland mobiles with or without +86, landlines with their area code, Hong Kong numbers)
  are found first by pattern and given back as digits only;
- labels are removed, and the name is the short part left that is not an address (2–6 characters,
  or a minority name with ·), or the characters before the region when it is glued on;
- jionlp's region is mapped onto the platform's own region table (``carriers.regions``): a
  county-level city governed by its province (湖北 仙桃市) and a prefecture city without districts
  (东莞市) become city + district of the same name, Hong Kong neighbourhoods (旺角, 铜锣湾) their
  district; anything that is not a platform region is left "" for the user to choose.

The result never guesses: a field not found is "". The benchmark is ``bench/address_parse.py``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from functools import cache

from . import regions

MAX_TEXT = 300  # characters of a pasted address; longer text is not an address

_LABELS = re.compile(
    r"(?:收件人|收货人|寄件人|发件人|联系人|姓名|名字|称呼|手机号码|手机号|手机|联系电话|电话号码|电话|"
    r"所在地区|所在地|省市区|收货地址|收件地址|详细地址|地址|邮编|邮政编码|name|phone|tel|mobile|address)"
    r"\s*[:：]?",
    re.I,
)
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[\s-]*)?(1[3-9]\d)[\s-]*(\d{4})[\s-]*(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(?:\+?86[\s-]*)?\(?(0\d{2,3})\)?[\s-]*(\d{3,4})[\s-]*(\d{4})(?!\d)")
_HONG_KONG = re.compile(r"(?<!\d)(?:\+?852[\s-]*)([2-9]\d{3})[\s-]*(\d{4})(?!\d)")
_POSTCODE = re.compile(r"(?<!\d)\d{6}(?!\d)")
_SEPARATORS = re.compile(r"[\s,，;；、|/]+")
_CJK_NAME = re.compile(r"^[\u3400-\u9fff]{2,6}$")
_MINORITY_NAME = re.compile(r"^[\u3400-\u9fff]{1,10}(?:[·•・.][\u3400-\u9fff]{1,10}){1,3}$")
_LATIN_NAME = re.compile(r"^[A-Za-z][A-Za-z .'-]{1,40}$")
# Words that make a short piece an address, not a name.
_ADDRESS_MARKS = re.compile(r"[省市区县镇乡村路街道巷弄号楼栋室单元层座苑园城]|大厦|广场|小区|公寓|花园")

# Hong Kong neighbourhoods people write instead of the district (the platform lists the 18).
HONG_KONG_AREAS = {
    "油尖旺区": ("旺角", "尖沙咀", "尖沙嘴", "油麻地", "佐敦", "大角咀", "油尖旺"),
    "湾仔区": ("铜锣湾", "湾仔", "跑马地", "天后"),
    "中西区": ("中环", "上环", "西环", "西营盘", "坚尼地城", "金钟", "半山", "中西区"),
    "东区": ("北角", "鲗鱼涌", "太古", "筲箕湾", "柴湾", "杏花邨", "东区"),
    "南区": ("香港仔", "鸭脷洲", "赤柱", "浅水湾", "黄竹坑", "南区"),
    "九龙城区": ("九龙城", "红磡", "土瓜湾", "何文田", "九龙塘"),
    "深水埗区": ("深水埗", "长沙湾", "石硖尾", "美孚", "荔枝角"),
    "黄大仙区": ("黄大仙", "钻石山", "慈云山", "新蒲岗", "彩虹"),
    "观塘区": ("观塘", "牛头角", "九龙湾", "蓝田", "油塘", "秀茂坪"),
    "葵青区": ("葵涌", "青衣", "葵芳", "葵青"),
    "荃湾区": ("荃湾", "深井", "马湾"),
    "屯门区": ("屯门",),
    "元朗区": ("元朗", "天水围", "锦田"),
    "北区": ("上水", "粉岭", "沙头角", "打鼓岭"),
    "大埔区": ("大埔",),
    "沙田区": ("沙田", "大围", "火炭", "马鞍山", "石门"),
    "西贡区": ("西贡", "将军澳", "坑口", "调景岭"),
    "离岛区": ("离岛", "东涌", "大屿山", "长洲", "南丫岛", "坪洲"),
}


@dataclass(frozen=True)
class ParsedAddress:
    name: str = ""
    phone: str = ""  # digits only
    province: str = ""
    city: str = ""
    district: str = ""
    address: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@cache
def _jionlp():
    import jionlp  # heavy (dictionaries): imported on first use, once per process

    return jionlp


def _simplified(text: str) -> str:
    return text if text.isascii() else _opencc().convert(text)


@cache
def _opencc():
    import opencc

    return opencc.OpenCC("t2s")


def _take_phone(text: str) -> tuple[str, str]:
    """The first phone in the text (digits only) and the text without it."""
    found = []
    for pattern, prefix in ((_MOBILE, ""), (_HONG_KONG, "852"), (_LANDLINE, "")):
        for match in pattern.finditer(text):
            found.append((match.start(), match.end(), prefix + "".join(match.groups())))
        if found:
            break
    if not found:
        return "", text
    start, end, digits = min(found)
    return digits, text[:start] + " " + text[end:]


def _is_name(piece: str) -> bool:
    if _MINORITY_NAME.match(piece):
        return True
    if _CJK_NAME.match(piece):
        return not _ADDRESS_MARKS.search(piece) and regions.province_code(piece) is None
    return bool(_LATIN_NAME.match(piece)) and len(piece.split()) <= 4


def _hong_kong_district(text: str) -> str:
    for district, areas in HONG_KONG_AREAS.items():
        if any(area in text for area in areas):
            return district
    return ""


def _platform_place(province: str, city: str, county: str, text: str) -> tuple[str, str, str]:
    """jionlp's province / city / county as the platform's canonical names ("" where unknown)."""
    if not province:
        return "", "", ""
    if regions.province_code(province) == regions.HONG_KONG:
        hk = "香港特别行政区"
        district = county if county in regions.districts(hk, hk) else ""
        district = _hong_kong_district(text) or district
        return hk, hk, district
    attempts = []
    if city and county:
        attempts.append((city, county))
    if county and not city:  # a county-level city governed by the province (仙桃市)
        attempts.append((county, county))
    if city and not county:  # a prefecture city without districts (东莞市)
        attempts.append((city, city))
    for c, d in attempts:
        place = regions.canonical_place(province, c, d)
        if place:
            return place.province, place.city, place.district
    p = province if regions.province_code(province) else ""
    c = city if p and city in regions.cities(p) else ""
    return p, c, ""


@cache
def _units_by_name() -> dict[str, list[tuple[str, str, str]]]:
    """District name (3 characters or more) → the platform places of that name."""
    units: dict[str, list[tuple[str, str, str]]] = {}
    for province in regions.provinces():
        for city in regions.cities(province):
            for district in regions.districts(province, city):
                if len(district) >= 3:
                    units.setdefault(district, []).append((province, city, district))
    return units


def _platform_unit_in(text: str) -> tuple[tuple[str, str, str], str] | None:
    """The one platform district named in the text, and the text after it; None if not one."""
    for name, places in sorted(_units_by_name().items(), key=lambda item: -len(item[0])):
        at = text.find(name)
        if at != -1 and len(places) == 1:
            return places[0], text[at + len(name) :].strip()
    return None


def _functional_area_in(location: str) -> tuple[tuple[str, str, str], str] | None:
    """A functional area named in the text (两江新区, 雄安新区): the real place it stands for and the
    text after it. jionlp would read 雄安新区 as 安新县 and miss 两江新区, so these come first."""
    for name in sorted(regions.FUNCTIONAL_AREAS, key=len, reverse=True):
        at = location.find(name)
        if at == -1:
            continue
        detail = location[at + len(name) :].strip()
        place = regions.functional_area(regions.FUNCTIONAL_AREAS[name][0], "", name, text=detail)
        if place is not None:
            return (place.province, place.city, place.district), detail
    return None


def _hong_kong_detail(location: str, district: str) -> str:
    text = location
    for prefix in ("香港特别行政区", "香港特區", "香港"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    if district and text.startswith(district):
        text = text[len(district) :]
    return text.strip()


def parse_address(text: str) -> ParsedAddress:
    """The six fields found in ``text``; "" for each one not found."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text:
        return ParsedAddress()
    text = _simplified(text)
    phone, rest = _take_phone(text)
    rest = _POSTCODE.sub(" ", _LABELS.sub(" ", rest))
    pieces = [p for p in _SEPARATORS.split(rest) if p]

    name = ""
    for piece in pieces:
        if _is_name(piece):
            name = piece
            break
    remaining = [p for p in pieces if p != name] if name else pieces
    location = "".join(remaining)
    if not location:
        return ParsedAddress(name=name, phone=phone)

    area = _functional_area_in(location)
    if area is not None:
        (province, city, district), detail = area
    else:
        parsed = _jionlp().parse_location(location, town_village=False, change2new=True)
        province, city, district = _platform_place(
            parsed.get("province") or "", parsed.get("city") or "", parsed.get("county") or "", location
        )
        detail = (parsed.get("detail") or "").strip()
    if not district and area is None:
        # A unit newer than jionlp's data (新疆 白杨市, 2023): the platform's own names.
        found = _platform_unit_in(location)
        if found:
            (province, city, district), detail = found
    if province == "香港特别行政区":
        detail = _hong_kong_detail(location, district)
    if not province:  # nothing recognised: the text is the street address as typed
        detail = location
    if not name:
        # A name glued before the region ("张三广东省深圳市…"): the short head of the text.
        head = location.split(province[:2], 1)[0] if province else ""
        if head and _is_name(head):
            name = head
    return ParsedAddress(
        name=name, phone=phone, province=province, city=city, district=district, address=detail
    )
