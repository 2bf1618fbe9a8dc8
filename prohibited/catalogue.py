"""The goods catalogue as plain data: read from the TOML files in ``data/`` or from the database.

Both sources give the same ``SectionSpec`` list, so the matcher is built the same way whether the
catalogue comes from the admin-edited rows (normal running) or straight from the files (the
benchmark, and a database whose rows were flushed by a transactional test). ``catalogue_sync``
writes the files into the tables; migrations call it with their historical models.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
SCRIPTS = ("zh-hans", "zh-hant", "en")
DERIVED_NOTE = "OpenCC s2tw"
_SECTION_FIELDS = {
    "kind",
    "number",
    "carrier",
    "title",
    "title_en",
    "clause",
    "rule",
    "limit",
    "item_types",
    "condition",
    "active",
    "terms",
    "exclusions",
    "wording",
}
# The note of a traditional term whose mainland wording is another word (智慧型手機 → 智能手机):
# messages in simplified Chinese name that word.
WORDING_NOTE = "zh-hans: "


@dataclass(frozen=True)
class TermSpec:
    term: str
    script: str
    clause: str = ""  # empty: the section's clause
    exclusions: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class SectionSpec:
    kind: str
    number: int
    carrier_code: str
    title: str
    title_en: str
    clause: str
    rule: str = ""
    limit: Decimal | None = None
    item_types: tuple[str, ...] = ()
    condition: str = ""
    active: bool = True
    terms: tuple[TermSpec, ...] = field(default=())

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.kind, self.number, self.carrier_code)


@cache
def _s2tw():
    import opencc

    return opencc.OpenCC("s2tw")


@cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def _merge_files(directory: Path) -> dict[tuple[str, int, str], dict]:
    """Sections by key, with the term blocks and exclusions of every file that names them."""
    merged: dict[tuple[str, int, str], dict] = {}
    problems: list[str] = []
    for path in sorted(directory.glob("*.toml")):
        with path.open("rb") as handle:
            document = tomllib.load(handle)
        for raw in document.get("section", []):
            unknown = set(raw) - _SECTION_FIELDS
            if unknown:
                problems.append(f"{path.name}: unknown fields {sorted(unknown)}")
            key = (raw["kind"], int(raw["number"]), raw.get("carrier", ""))
            entry = merged.setdefault(key, {"blocks": [], "exclusions": {}, "wording": {}, "fields": None})
            if "title" in raw:
                if entry["fields"] is not None:
                    problems.append(f"{path.name}: section {key} defined twice")
                entry["fields"] = raw
            for block in raw.get("terms", []):
                entry["blocks"].append((block, raw.get("clause", "")))
            for term, phrases in raw.get("exclusions", {}).items():
                entry["exclusions"].setdefault(term, []).extend(phrases)
            entry["wording"].update(raw.get("wording", {}))
    for key, entry in merged.items():
        if entry["fields"] is None:
            problems.append(f"section {key} has terms but no definition (title)")
    if problems:
        raise ValueError("catalogue data files: " + "; ".join(problems))
    return merged


def _section_terms(key, entry, problems: list[str]) -> tuple[TermSpec, ...]:
    """Terms of one section: hans, explicit hant, en, then the derived hant forms."""
    exclusions: dict[str, list[str]] = entry["exclusions"]
    terms: dict[str, TermSpec] = {}
    hans_clause: dict[str, tuple[str, tuple[str, ...]]] = {}

    def add(term: str, script: str, clause: str, excl: tuple[str, ...], note: str = "") -> None:
        if term in terms:
            # The same characters in both scripts (匕首) are one entry; anything else is a typo.
            if script != "zh-hant":
                problems.append(f"{key}: duplicate term {term!r}")
            return
        terms[term] = TermSpec(term=term, script=script, clause=clause, exclusions=excl, note=note)

    every_term = tuple(exclusions.get("*", ()))
    for block, _section_clause in entry["blocks"]:
        clause = block.get("clause", "")
        # counted = true: the block's terms count only next to a count ("5条中华").
        counted = ("#count",) if block.get("counted") else ()
        for script in ("zh-hans", "en"):
            for term in block.get(script, []):
                excl = every_term + tuple(exclusions.get(term, ())) + counted
                add(term.strip(), script, clause, excl)
                if script == "zh-hans":
                    hans_clause[_t2s().convert(term)] = (clause, excl)
    wording: dict[str, str] = entry["wording"]
    for term, word in wording.items():
        if word not in hans_clause:
            problems.append(f"{key}: wording {word!r} for {term!r} is not a simplified term of the section")
    for block, _section_clause in entry["blocks"]:
        clause = block.get("clause", "")
        for term in block.get("zh-hant", []):
            word = wording.get(term, "")
            simplified = word or _t2s().convert(term)
            own_clause, excl = hans_clause.get(simplified, (clause, every_term))
            note = WORDING_NOTE + word if word else ""
            add(term.strip(), "zh-hant", own_clause or clause, excl, note)
    for spec in list(terms.values()):
        if spec.script != "zh-hans":
            continue
        traditional = _s2tw().convert(spec.term)
        if traditional != spec.term and traditional not in terms:
            add(traditional, "zh-hant", spec.clause, spec.exclusions, DERIVED_NOTE)
    known = {t.term for t in terms.values() if t.script != "zh-hant"}
    for term in exclusions:
        if term not in known and term != "*":
            problems.append(f"{key}: exclusions for {term!r}, which is not a term of the section")
    return tuple(terms.values())


@cache
def catalogue_from_files(directory: Path = DATA_DIR) -> tuple[SectionSpec, ...]:
    sections = []
    problems: list[str] = []
    for key, entry in _merge_files(directory).items():
        raw = entry["fields"]
        limit = raw.get("limit")
        sections.append(
            SectionSpec(
                kind=key[0],
                number=key[1],
                carrier_code=key[2],
                title=raw["title"],
                title_en=raw.get("title_en", ""),
                clause=raw["clause"],
                rule=raw.get("rule", ""),
                limit=None if limit is None else Decimal(str(limit)),
                item_types=tuple(raw.get("item_types", ())),
                condition=raw.get("condition", ""),
                active=raw.get("active", True),
                terms=_section_terms(key, entry, problems),
            )
        )
    if problems:
        raise ValueError("catalogue data files: " + "; ".join(problems))
    sections.sort(
        key=lambda s: (s.carrier_code, ("prohibited", "restricted", "refused").index(s.kind), s.number)
    )
    return tuple(sections)


def catalogue_from_db() -> tuple[SectionSpec, ...]:
    """The active catalogue rows, in two queries."""
    from .models import Section, Term

    terms_by_section: dict[int, list[TermSpec]] = {}
    rows = Term.objects.filter(active=True, section__active=True).order_by("id")
    for section_id, term, script, clause, exclusions, note in rows.values_list(
        "section_id", "term", "script", "clause", "exclusions", "note"
    ):
        terms_by_section.setdefault(section_id, []).append(
            TermSpec(term=term, script=script, clause=clause, exclusions=tuple(exclusions or ()), note=note)
        )
    return tuple(
        SectionSpec(
            kind=s.kind,
            number=s.number,
            carrier_code=s.carrier_code,
            title=s.title,
            title_en=s.title_en,
            clause=s.clause,
            rule=s.rule,
            limit=s.limit,
            item_types=tuple(s.item_types or ()),
            condition=s.condition,
            active=s.active,
            terms=tuple(terms_by_section.get(s.pk, ())),
        )
        for s in Section.objects.filter(active=True)
    )


def catalogue_sync(*, section_model, term_model, version_model, specs=None) -> dict[str, int]:
    """Write the data files into the tables: add what is missing, update what the files say.

    Rows the files do not mention (an admin's additions) are kept. Takes the models as arguments
    so data migrations can pass their historical ones.
    """
    from .models import catalogue_signals_muted

    specs = catalogue_from_files() if specs is None else specs
    with catalogue_signals_muted():
        counts = _sync(section_model, term_model, specs)
    # A new version makes every running process rebuild its matcher.
    row, created = version_model.objects.get_or_create(pk=1)
    if not created:
        row.version += 1
        row.save(update_fields=["version", "changed_at"])
    return counts


def _sync(section_model, term_model, specs) -> dict[str, int]:
    counts = {"sections": 0, "terms_created": 0, "terms_updated": 0}
    for spec in specs:
        section, _created = section_model.objects.update_or_create(
            kind=spec.kind,
            number=spec.number,
            carrier_code=spec.carrier_code,
            defaults={
                "title": spec.title,
                "title_en": spec.title_en,
                "clause": spec.clause,
                "rule": spec.rule,
                "limit": spec.limit,
                "item_types": list(spec.item_types),
                "condition": spec.condition,
                "active": spec.active,
            },
        )
        counts["sections"] += 1
        existing = {t.term: t for t in term_model.objects.filter(section=section)}
        new, changed = [], []
        for t in spec.terms:
            row = existing.get(t.term)
            if row is None:
                new.append(
                    term_model(
                        section=section,
                        term=t.term,
                        script=t.script,
                        clause=t.clause,
                        exclusions=list(t.exclusions),
                        note=t.note,
                    )
                )
            elif (row.script, row.clause, list(row.exclusions or []), row.note) != (
                t.script,
                t.clause,
                list(t.exclusions),
                t.note,
            ):
                row.script, row.clause, row.exclusions, row.note = (
                    t.script,
                    t.clause,
                    list(t.exclusions),
                    t.note,
                )
                changed.append(row)
        term_model.objects.bulk_create(new, batch_size=500)
        term_model.objects.bulk_update(changed, ["script", "clause", "exclusions", "note"], batch_size=500)
        counts["terms_created"] += len(new)
        counts["terms_updated"] += len(changed)
    return counts
