"""Finding catalogue terms in a description: normalisation and one Aho–Corasick automaton.

Text and terms go through the same ``normalise`` (NFKC, casefold, no spaces beside CJK
characters, traditional → simplified), so one automaton key serves every script a term is stored
in. A hit survives when it stands on ASCII word boundaries (English terms), no exclusion cancels
it, and no longer hit of the same list covers it (固体酒精 wins over 酒精; 象牙雕刻, a refusal,
does not hide 象牙, a prohibition).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import ahocorasick

from .catalogue import SectionSpec

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
# Spaces next to a CJK character carry no meaning in Chinese ("香烟 两 条", "iPhone 15 手机壳").
_SPACE_BY_CJK = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")
_SPACES = re.compile(r"\s+")
# Where one part of a description ends ("iPhone 14, 手机壳" is a phone and a case): punctuation,
# the gift words of shop listings, and conjunctions. Exclusions that do not contain the term only
# look inside the part the term is in.
_PART_BREAK = re.compile(
    r"[,;。!?/|+&()\[\]{}<>\n、，；！？【】《》「」~…·]|送|赠|和|与|及|以及| and | with | plus "
)


@cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def normalise(text: str) -> str:
    """The form both descriptions and terms are matched in."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = _SPACE_BY_CJK.sub("", text)
    text = _SPACES.sub(" ", text).strip()
    if not text.isascii():
        text = _t2s().convert(text)
    return text


def _is_word_char(char: str) -> bool:
    return char.isascii() and char.isalpha()


@dataclass(frozen=True)
class Entry:
    """One catalogue term of one section, as the matcher uses it."""

    section: SectionSpec
    term: str  # as stored (simplified when the section has it in several scripts)
    clause: str
    key: str  # normalised
    # Exclusions that contain the term, each with the offsets of the term inside it.
    covering: tuple[tuple[str, tuple[int, ...]], ...]
    nearby: tuple[str, ...]  # exclusions that do not contain the term
    word_start: bool  # the key begins / ends with an ASCII letter or digit: check boundaries
    word_end: bool


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    entry: Entry

    @property
    def owner(self) -> tuple[str, str]:
        return (self.entry.section.kind, self.entry.section.carrier_code)


def _offsets(haystack: str, needle: str) -> tuple[int, ...]:
    found, start = [], haystack.find(needle)
    while start != -1:
        found.append(start)
        start = haystack.find(needle, start + 1)
    return tuple(found)


def build_entries(sections: tuple[SectionSpec, ...]) -> dict[str, list[Entry]]:
    """Normalised key → entries; a section's scripts of one word merge into one entry."""
    by_key: dict[str, list[Entry]] = {}
    for section in sections:
        if not section.active:
            continue
        merged: dict[str, dict] = {}
        for term in section.terms:
            key = normalise(term.term)
            if not key:
                continue
            slot = merged.setdefault(
                key, {"term": term.term, "clause": term.clause or section.clause, "excl": []}
            )
            if term.script == "zh-hans" and slot["term"] != term.term:
                slot["term"], slot["clause"] = term.term, term.clause or section.clause
            slot["excl"].extend(normalise(e) for e in term.exclusions)
        # "kitten" also matches "kittens" (plural), so the plural's exclusions apply to it too.
        for key, slot in merged.items():
            for suffix in ("s", "es"):
                if key.isascii() and key + suffix in merged:
                    slot["excl"].extend(merged[key + suffix]["excl"])
        for key, slot in merged.items():
            covering, nearby = [], []
            for phrase in dict.fromkeys(slot["excl"]):
                if not phrase:
                    continue
                offsets = _offsets(phrase, key)
                if offsets:
                    covering.append((phrase, offsets))
                else:
                    nearby.append(phrase)
            by_key.setdefault(key, []).append(
                Entry(
                    section=section,
                    term=slot["term"],
                    clause=slot["clause"],
                    key=key,
                    covering=tuple(covering),
                    nearby=tuple(nearby),
                    word_start=key[0].isascii() and key[0].isalnum(),
                    word_end=key[-1].isascii() and key[-1].isalnum(),
                )
            )
    return by_key


def _on_boundaries(text: str, start: int, end: int, entry: Entry) -> bool:
    if entry.word_start and start > 0 and _is_word_char(text[start - 1]):
        return False
    if entry.word_end and end < len(text) and _is_word_char(text[end]):
        # English plurals: "lighters", "boxes" still name the term.
        for suffix in ("s", "es"):
            after = end + len(suffix)
            if text.startswith(suffix, end) and (after >= len(text) or not _is_word_char(text[after])):
                return True
        return False
    return True


class Parts:
    """The parts of a description (see ``_PART_BREAK``), computed once per text when needed."""

    def __init__(self, text: str):
        self.text = text
        self._breaks: list[tuple[int, int]] | None = None

    def bounds(self, start: int, end: int) -> tuple[int, int]:
        """The part around text[start:end]; breaks inside the span itself are ignored."""
        if self._breaks is None:
            self._breaks = [(m.start(), m.end()) for m in _PART_BREAK.finditer(self.text)]
        left, right = 0, len(self.text)
        for b_start, b_end in self._breaks:
            if b_end <= start:
                left = b_end
            elif b_start >= end:
                right = b_start
                break
        return left, right

    def around(self, start: int, end: int) -> str:
        """The part around the span, with the span itself blanked out."""
        left, right = self.bounds(start, end)
        return self.text[left:start] + "\x00" + self.text[end:right]


def _excluded(text: str, start: int, end: int, entry: Entry, parts: Parts) -> bool:
    for phrase, offsets in entry.covering:
        for offset in offsets:
            begin = start - offset
            if begin >= 0 and text.startswith(phrase, begin):
                return True
    if entry.nearby:
        context = parts.around(start, end)
        return any(phrase in context for phrase in entry.nearby)
    return False


def _drop_covered(hits: list[Hit], candidates: list[Hit]) -> list[Hit]:
    """Drop a hit inside a longer candidate of the same list and owner (钾 inside 高锰酸钾).

    Candidates include hits an exclusion cancelled: in "硝酸盐检测" the longer term 硝酸盐 is the
    reading of those characters, so 硝酸 inside it goes too, even though 硝酸盐 is excused.
    """
    if len(candidates) < 2:
        return hits
    kept = []
    for hit in hits:
        covered = any(
            other.owner == hit.owner
            and other.start <= hit.start
            and hit.end <= other.end
            and (other.end - other.start) > (hit.end - hit.start)
            for other in candidates
        )
        if not covered:
            kept.append(hit)
    return kept


class Matcher:
    """One automaton over every active term; built once per catalogue version."""

    def __init__(self, sections: tuple[SectionSpec, ...]):
        self.sections = tuple(s for s in sections if s.active)
        self.entries = build_entries(self.sections)
        self.automaton = ahocorasick.Automaton()
        for key, entries in self.entries.items():
            self.automaton.add_word(key, (len(key), tuple(entries)))
        if self.entries:
            self.automaton.make_automaton()

    def raw_hits(self, text: str) -> list[tuple[int, int, Entry]]:
        if not self.entries:
            return []
        found = []
        for last, (length, entries) in self.automaton.iter(text):
            start = last + 1 - length
            for entry in entries:
                found.append((start, last + 1, entry))
        return found

    def find(self, text: str) -> list[Hit]:
        """Hits in an already normalised text, in order of appearance."""
        return filter_hits(text, self.raw_hits(text))


def filter_hits(text: str, raw: list[tuple[int, int, Entry]]) -> list[Hit]:
    """Boundaries, exclusions and covering, shared by the automaton and the naive loop."""
    if not raw:
        return []  # most descriptions: nothing to filter
    parts = Parts(text)
    candidates = [
        Hit(start, end, entry) for start, end, entry in raw if _on_boundaries(text, start, end, entry)
    ]
    hits = [h for h in candidates if not _excluded(text, h.start, h.end, h.entry, parts)]
    hits = _drop_covered(hits, candidates)
    hits.sort(key=lambda h: (h.start, -h.end))
    return hits


def naive_raw_hits(entries: dict[str, list[Entry]], text: str) -> list[tuple[int, int, Entry]]:
    """The loop the automaton replaces: every term searched for in turn (benchmark baseline)."""
    found = []
    for key, group in entries.items():
        start = text.find(key)
        while start != -1:
            for entry in group:
                found.append((start, start + len(key), entry))
            start = text.find(key, start + 1)
    return found
