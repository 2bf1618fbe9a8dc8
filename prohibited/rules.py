"""What each matched catalogue section means for one item: the findings of a screen.

A finding is one section's judgement with a user-facing reason that cites the clause. Sections
carry their rule (limit zero, ground only, maximum ABV, cartons, insured value, packaging, size,
infant formula, address); this module applies it to the description and the structured fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import cache

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from . import limits
from .catalogue import SectionSpec
from .matching import Hit, Matcher, Parts, normalise
from .models import ListKind, Rule


@dataclass(frozen=True)
class ScreeningInput:
    """One item as screening reads it: the rules' input."""

    description: str
    item_type: str | None = None  # documents, daily, clothing, food, digital, medicine, other
    quantity: int | None = None
    weight_kg: Decimal | None = None
    dimensions_cm: tuple[Decimal, Decimal, Decimal] | None = None  # (L, W, H)
    declared_value: Decimal | None = None
    insured: bool = False
    original_packaging: bool | None = None
    keep_upright: bool | None = None
    recipient_address: str = ""  # for PO-box / postcode-only rules of hk-bag


ADDRESS_RULES = {Rule.ADDRESS, Rule.POSTCODE_ONLY}
# 拒收物品目录 11, in centimetres and kilograms.
LONG_FROM_CM, LONG_TO_CM, HEAVY_KG = Decimal(310), Decimal(500), Decimal(50)
MAX_VOLUME_CM3, UPRIGHT_MAX_CM = Decimal(3_000_000), Decimal(180)


class Outcome(StrEnum):
    PROHIBITED = "prohibited"  # a 禁寄 category
    OVER_LIMIT = "over_limit"  # a restricted item beyond its limit: prohibited, no category
    RESTRICTED = "restricted"  # a restricted item within its limit: its condition applies
    REFUSED = "refused"  # a refusal rule that applies to this item
    NOTE = "note"  # a refusal rule that would apply under other conditions: told, not refused


@dataclass(frozen=True)
class Finding:
    section: SectionSpec
    outcome: Outcome
    term: str
    clause: str
    reason: str
    ground_only: bool = False

    @property
    def carrier_code(self) -> str:
        return self.section.carrier_code

    def as_match(self) -> dict:
        return {
            "term": self.term,
            "list": self.section.kind,
            "category": self.section.number,
            "clause": self.clause,
        }


@cache
def _s2tw():
    import opencc

    return opencc.OpenCC("s2tw")


def _traditional() -> bool:
    return (get_language() or "").lower() in ("zh-hant", "zh-tw", "zh-hk", "zh-mo")


def _english() -> bool:
    return (get_language() or "").lower().startswith("en")


def zh(text: str) -> str:
    """Chinese catalogue text in the active script (traditional for zh-hant)."""
    return _s2tw().convert(text) if text and _traditional() else text


def section_title(section: SectionSpec) -> str:
    if _english() and section.title_en:
        return section.title_en
    return zh(section.title)


def _number(value: Decimal) -> str:
    """5000, 56, 2.5: no trailing zeros, no exponent."""
    text = format(value.normalize(), "f")
    return text


def _params(section: SectionSpec, term: str, clause: str, **extra) -> dict:
    params = {"term": zh(term), "title": section_title(section), "clause": zh(clause)}
    if section.limit is not None:
        params["limit"] = _number(section.limit)
    params.update(extra)
    return params


def _item_type_label(item_type: str) -> str:
    labels = {
        "documents": _("documents"),
        "daily": _("daily goods"),
        "clothing": _("clothing"),
        "food": _("food"),
        "digital": _("digital products"),
        "medicine": _("medicine"),
        "other": _("other"),
    }
    return labels.get(item_type, item_type)


def _restricted(section: SectionSpec, hits: list[Hit], text: str, parts: Parts, item) -> list[Finding]:
    hit = hits[0]
    term, clause = hit.entry.term, hit.entry.clause
    if section.rule == Rule.ZERO:
        reason = _("%(term)s: %(title)s may not be sent at all (%(clause)s).")
        return [Finding(section, Outcome.OVER_LIMIT, term, clause, reason % _params(section, term, clause))]
    if section.rule == Rule.GROUND_ONLY:
        reason = _("%(term)s may not travel by air, only by ground (%(clause)s).")
        params = _params(section, term, clause)
        return [Finding(section, Outcome.RESTRICTED, term, clause, reason % params, ground_only=True)]
    if section.rule == Rule.MAX_ABV and section.limit is not None:
        values: list[Decimal] = []
        for h in hits:
            left, right = parts.bounds(h.start, h.end)
            values.extend(limits.abv_values(text[left:right]))
        # The strength usually sits next to the liquor; else anywhere, if it says 度 / ° / vol.
        strongest = max(values) if values else max(limits.abv_values(text, strict=True), default=None)
        if strongest is not None and strongest > section.limit:
            reason = _(
                "%(term)s at %(value)s%% ABV is over the limit of %(limit)s%% and may not be sent (%(clause)s)."
            )
            params = _params(section, term, clause, value=_number(strongest))
            return [Finding(section, Outcome.OVER_LIMIT, term, clause, reason % params)]
        reason = _(
            "Liquor may be sent up to %(limit)s%% ABV; industrial alcohol may not be sent (%(clause)s)."
        )
        return [Finding(section, Outcome.RESTRICTED, term, clause, reason % _params(section, term, clause))]
    if section.rule == Rule.MAX_CARTONS and section.limit is not None:
        cartons = _cartons(hits, text, parts, item)
        if cartons is not None and cartons > section.limit:
            reason = _(
                "%(value)s cartons of cigarettes is over the limit of %(limit)s cartons per parcel "
                "and may not be sent (%(clause)s)."
            )
            params = _params(section, term, clause, value=_number(cartons))
            return [Finding(section, Outcome.OVER_LIMIT, term, clause, reason % params)]
        reason = _("At most %(limit)s cartons of cigarettes per parcel (%(clause)s).")
        return [Finding(section, Outcome.RESTRICTED, term, clause, reason % _params(section, term, clause))]
    if section.rule == Rule.MAX_WH and section.limit is not None:
        values = []
        for h in hits:
            left, right = parts.bounds(h.start, h.end)
            values.extend(limits.battery_wh_values(text[left:right]))
        largest = max(values) if values else max(limits.battery_wh_values(text), default=None)
        if largest is not None and largest > section.limit:
            reason = _(
                "%(term)s of %(value)s Wh is over the limit of %(limit)s Wh per battery and may not be "
                "sent (%(clause)s)."
            )
            params = _params(section, term, clause, value=_number(largest))
            return [Finding(section, Outcome.OVER_LIMIT, term, clause, reason % params)]
        reason = _("%(term)s may travel by ground only, with at most %(limit)s Wh per battery (%(clause)s).")
        params = _params(section, term, clause)
        return [Finding(section, Outcome.RESTRICTED, term, clause, reason % params, ground_only=True)]
    reason = _("%(term)s is restricted: %(title)s (%(clause)s).")
    return [Finding(section, Outcome.RESTRICTED, term, clause, reason % _params(section, term, clause))]


def _cartons(hits: list[Hit], text: str, parts: Parts, item) -> Decimal | None:
    """Cartons in the parcel: the counts the description gives with each mention, summed over
    the whole description ("中华 1条 + 玉溪香烟 2条" is 3); without any, the declared quantity
    counts cartons."""
    by_part: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for h in sorted(hits, key=lambda h: h.start):
        spans = by_part.setdefault(parts.bounds(h.start, h.end), [])
        if not spans or h.start >= spans[-1][1]:  # one mention per stretch of text
            spans.append((h.start, h.end))
    counts = [c for part, spans in by_part.items() for c in limits.cartons_in_part(text, spans, part)]
    if counts:
        return sum(counts, Decimal(0))
    return Decimal(item.quantity) if item.quantity else None


def _refused(section: SectionSpec, term: str, clause: str, text: str, item, *, by_type: bool) -> Finding:
    params = _params(section, term, clause)
    if section.rule == Rule.MIN_INSURED_VALUE and section.limit is not None:
        value = item.declared_value
        if item.insured and value is not None and value >= section.limit:
            reason = _(
                "%(term)s insured at %(value)s: %(title)s insured at %(limit)s or more are refused (%(clause)s)."
            )
            params["value"] = _number(Decimal(value))
            return Finding(section, Outcome.REFUSED, term, clause, reason % params)
        reason = _("%(term)s: %(title)s insured at %(limit)s or more are refused (%(clause)s).")
        return Finding(section, Outcome.NOTE, term, clause, reason % params)
    if section.rule == Rule.ORIGINAL_PACKAGING:
        if item.original_packaging is True or limits.says_original_packaging(text):
            reason = _("%(term)s must travel in its original packaging or a honeycomb carton (%(clause)s).")
            return Finding(section, Outcome.NOTE, term, clause, reason % params)
        reason = _("%(term)s not in its original packaging or a honeycomb carton is refused (%(clause)s).")
        return Finding(section, Outcome.REFUSED, term, clause, reason % params)
    if section.rule == Rule.INFANT_FORMULA and section.limit is not None:
        age = limits.youngest_age_months(text)
        if age is not None and age >= section.limit:
            reason = _("%(term)s: infant formula for %(limit)s months or older is accepted (%(clause)s).")
            return Finding(section, Outcome.NOTE, term, clause, reason % params)
        reason = _(
            "%(term)s: infant formula for babies under %(limit)s months is refused; formula for "
            "%(limit)s months or older is accepted when the description says so (%(clause)s)."
        )
        return Finding(section, Outcome.REFUSED, term, clause, reason % params)
    if by_type:
        reason = _("Declared as %(item_type)s: %(title)s are refused (%(clause)s).")
        params["item_type"] = _item_type_label(term)
        return Finding(section, Outcome.REFUSED, term, clause, reason % params)
    reason = _("%(term)s: %(title)s are refused (%(clause)s).")
    return Finding(section, Outcome.REFUSED, term, clause, reason % params)


def _size_findings(section: SectionSpec, item) -> list[Finding]:
    """拒收物品目录 11 from the structured size fields."""
    found = []
    clause = section.clause
    weight = item.weight_kg
    if item.dimensions_cm:
        sides = [Decimal(side) for side in item.dimensions_cm]
        longest, height = max(sides), sides[2]
        volume = sides[0] * sides[1] * sides[2]
        if LONG_FROM_CM <= longest <= LONG_TO_CM and weight is not None and weight > HEAVY_KG:
            found.append(
                (
                    _("3.1–5 m long and over 50 kg"),
                    _("Pieces 3.1–5 m long weighing over 50 kg are refused (%(clause)s)."),
                )
            )
        if longest > LONG_TO_CM:
            found.append((_("longer than 5 m"), _("Pieces longer than 5 m are refused (%(clause)s).")))
        if volume > MAX_VOLUME_CM3:
            found.append((_("larger than 3 m³"), _("Pieces larger than 3 m³ are refused (%(clause)s).")))
        if item.keep_upright and height > UPRIGHT_MAX_CM:
            found.append(
                (
                    _("upright, taller than 1.8 m"),
                    _("Goods that must stay upright and stand taller than 1.8 m are refused (%(clause)s)."),
                )
            )
    return [
        Finding(section, Outcome.REFUSED, label, clause, reason % {"clause": zh(clause)})
        for label, reason in found
    ]


def _by_section(hits: list[Hit]) -> dict[tuple, tuple[SectionSpec, list[Hit]]]:
    grouped: dict[tuple, tuple[SectionSpec, list[Hit]]] = {}
    for hit in hits:
        section = hit.entry.section
        grouped.setdefault(section.key, (section, []))[1].append(hit)
    return grouped


def evaluate(matcher: Matcher, item: ScreeningInput, *, carrier_codes: set[str]) -> list[Finding]:
    """Every finding for ``item``: the platform catalogue, then the own rules of the carriers
    in ``carrier_codes``."""
    text = normalise(item.description)
    parts = Parts(text)
    hits = [
        h
        for h in matcher.find(text)
        if h.entry.section.rule not in ADDRESS_RULES
        and (not h.entry.section.carrier_code or h.entry.section.carrier_code in carrier_codes)
    ]
    grouped = _by_section(hits)
    findings: list[Finding] = []
    for section in matcher.sections:
        if section.carrier_code and section.carrier_code not in carrier_codes:
            continue
        section_hits = grouped.get(section.key, (section, []))[1]
        by_type = bool(item.item_type) and item.item_type in section.item_types
        if section.kind == ListKind.PROHIBITED:
            seen = set()
            for h in section_hits:
                if h.entry.term in seen:
                    continue
                seen.add(h.entry.term)
                reason = _("%(term)s is prohibited goods: %(title)s (%(clause)s).")
                params = _params(section, h.entry.term, h.entry.clause)
                findings.append(
                    Finding(section, Outcome.PROHIBITED, h.entry.term, h.entry.clause, reason % params)
                )
        elif section.kind == ListKind.RESTRICTED and section_hits:
            findings.extend(_restricted(section, section_hits, text, parts, item))
        elif section.kind == ListKind.REFUSED:
            if section.rule == Rule.SIZE:
                findings.extend(_size_findings(section, item))
            elif section.rule in ADDRESS_RULES or section.rule == Rule.REFUSE_RESTRICTED:
                continue  # decided below, from the address and the other findings
            elif section_hits:
                h = section_hits[0]
                findings.append(_refused(section, h.entry.term, h.entry.clause, text, item, by_type=False))
            elif by_type:
                findings.append(_refused(section, item.item_type, section.clause, text, item, by_type=True))
    findings.extend(_carrier_findings(matcher, item, findings, carrier_codes))
    return findings


def _carrier_findings(
    matcher: Matcher, item, platform: list[Finding], carrier_codes: set[str]
) -> list[Finding]:
    """Carrier rules that read the address or the platform findings (hk-bag 2A, 8a)."""
    found: list[Finding] = []
    address = normalise(item.recipient_address)
    address_hits = (
        [h for h in matcher.find(address) if h.entry.section.rule == Rule.ADDRESS] if address else []
    )
    restricted = [f for f in platform if f.outcome in (Outcome.RESTRICTED, Outcome.OVER_LIMIT)]
    for section in matcher.sections:
        if not section.carrier_code or section.carrier_code not in carrier_codes:
            continue
        params = _params(section, "", section.clause)
        if section.rule == Rule.REFUSE_RESTRICTED and restricted:
            term = restricted[0].term
            reason = _(
                "%(term)s is a restricted item, and this carrier takes no restricted items (%(clause)s)."
            )
            params["term"] = zh(term)
            found.append(Finding(section, Outcome.REFUSED, term, section.clause, reason % params))
        elif section.rule == Rule.ADDRESS:
            own = [h for h in address_hits if h.entry.section.key == section.key]
            if own:
                reason = _("Parcels cannot be delivered to a PO box (%(clause)s).")
                found.append(
                    Finding(section, Outcome.REFUSED, own[0].entry.term, section.clause, reason % params)
                )
        elif section.rule == Rule.POSTCODE_ONLY and address and limits.is_postcode_only(address):
            reason = _("Parcels cannot be delivered by postcode only; give the full address (%(clause)s).")
            found.append(Finding(section, Outcome.REFUSED, "", section.clause, reason % params))
    return found
