"""Finding catalogue terms in a description: normalisation and one Aho–Corasick automaton.

Text and terms go through the same ``normalise`` (NFKC, casefold, no spaces beside CJK
characters, traditional → simplified), so one automaton key serves every script a term is stored
in. A hit survives when it stands on ASCII word boundaries (English terms), no exclusion cancels
it, and no longer hit of the same list covers it (固体酒精 wins over 酒精; 象牙雕刻, a refusal,
does not hide 象牙, a prohibition).

The spaces ``normalise`` removes beside CJK characters are remembered as word boundaries
(``Normalised.boundaries``): terms match across them ("打 火 机"), but an exclusion that runs
past one into a longer word does not cancel ("打火机 套装" is a set of lighters, not 打火机套).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import ahocorasick

from . import limits
from .catalogue import WORDING_NOTE, SectionSpec

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
# Spaces next to a CJK character carry no meaning in Chinese ("香烟 两 条", "iPhone 15 手机壳").
_SPACE_BY_CJK = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")
_SPACES = re.compile(r"\s+")
# Punctuation people put inside a word to slip past a filter ("电-子-烟", "打.火.机", "火*药").
_PUNCT_IN_WORDS = frozenset("-_*~.•=")
_PUNCT_IN_CJK = re.compile(rf"(?<=[{_CJK}])[-_*~.•=]+(?=[{_CJK}])")
# A negated mention is not the thing itself (DESIGN §5): 无火药, 不含酒精, 非酒精饮料, alcohol-free.
_NEGATED_BEFORE = re.compile(
    r"(?:无|不含|不含有|不包含|不带|没有|未含|零|非|without|no|non-?|free of)\s*(?:任何)?\s*$"
)
_NEGATED_AFTER = re.compile(r"^\s*-?\s*free\b")
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


# Stands for a removed space while the text is converted; never in a normalised text.
_MARK = "\ue000"


class Normalised(str):
    """A normalised text that had spaces beside CJK characters removed; ``boundaries`` are the
    offsets where they were (computed when an exclusion first needs them).

    An offset is a word boundary unless the description spaces out single characters
    ("手 機 殼": spacing that separates no words).
    """

    _marked: str

    @property
    def boundaries(self) -> frozenset[int]:
        found = self.__dict__.get("_boundaries")
        if found is None:
            pieces = self._marked.split(_MARK)
            offsets, offset = [], 0
            for i, piece in enumerate(pieces[:-1]):
                offset += len(piece)
                # Spaced-out single characters ("打 火 机") carry no word boundaries.
                if len(piece) > 1 or len(pieces[i + 1]) > 1:
                    offsets.append(offset)
            found = self.__dict__["_boundaries"] = frozenset(offsets)
        return found


def normalise(text: str) -> str:
    """The form both descriptions and terms are matched in (a ``Normalised`` when spaces beside
    CJK characters were removed)."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    if _MARK in text:
        text = text.replace(_MARK, "")
    text = _SPACE_BY_CJK.sub(_MARK, text)
    text = _SPACES.sub(" ", text).strip()
    if not text.isascii():
        if not _PUNCT_IN_WORDS.isdisjoint(text):
            text = _PUNCT_IN_CJK.sub("", text)
        text = _t2s().convert(text)
    if _MARK not in text:
        return text
    result = Normalised(text.replace(_MARK, ""))
    result._marked = text
    return result


def boundaries_of(text: str) -> frozenset[int]:
    return text.boundaries if isinstance(text, Normalised) else frozenset()


# An exclusion phrase that is a directive, not a phrase: see ``Entry.needs_count``.
COUNT_DIRECTIVE = "#count"

# Words that a character at the end of an exclusion starts together with the text after it:
# then the exclusion's reading is wrong ("打火机套装" is 打火机 + 套装, a set of lighters, not
# 打火机套 + 装; "香烟盒装" is boxed cigarettes; "手机卡槽" is the phone's SIM slot).
CONTINUATIONS = (
    "套装",
    "盒装",
    "杯装",
    "瓶装",
    "袋装",
    "罐装",
    "箱装",
    "壳装",
    "包装",
    "包邮",
    "卡槽",
    "卡托",
    "版本",
    "配件齐全",
    "配件齐",
    "配件全",
    "配件完整",
)
_CJK_CHAR = re.compile(f"[{_CJK}]")

# Before an accessory word: the item comes with it ("带壳带膜", "含原装充电器", "with charger"),
# so the accessory does not say what the item is.
_COMES_WITH = re.compile(
    r"(?:带|含|送|附|附赠|附送|配|赠|加|\+|支持|with|and|plus|incl\.?|including|supports?)\s*"
    r"(?:原装|原厂|官方|全新|一个|1个|一套|original|an?|the)?\s*$"
)
# A storage capacity: 128G, 256GB, 1TB, 8+256, 12+512G.
_STORAGE = re.compile(
    r"(?<![\d.])(?:16|32|64|128|256|512)\s*gb?(?![a-z])|(?<![\d.])[124]\s*tb?(?![a-z])"
    r"|(?<![\d.])\d{1,2}\s*\+\s*(?:64|128|256|512|1t)"
)


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
    # A device with storage (phones): a capacity in its part ("256G") marks the device itself,
    # so accessory words nearby do not cancel it.
    device: bool = False
    # Counts only next to a count of its unit ("5条中华", "中华 3条"): brand names that are
    # ordinary words elsewhere (中华料理, 南京盐水鸭). Given as the exclusion ``#count``.
    needs_count: bool = False


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
            # Shown as: the simplified form, or the mainland wording a traditional term names.
            shown = term.term
            if term.script == "zh-hant" and term.note.startswith(WORDING_NOTE):
                shown = term.note.removeprefix(WORDING_NOTE).strip() or term.term
            slot = merged.setdefault(
                key, {"term": shown, "clause": term.clause or section.clause, "excl": [], "hans": False}
            )
            if not slot["hans"] and (term.script == "zh-hans" or shown != term.term):
                slot["term"], slot["clause"] = shown, term.clause or section.clause
                slot["hans"] = term.script == "zh-hans"
            slot["excl"].extend(normalise(e) for e in term.exclusions)
        # "kitten" also matches "kittens" (plural), so the plural's exclusions apply to it too.
        for key, slot in merged.items():
            for suffix in ("s", "es"):
                if key.isascii() and key + suffix in merged:
                    slot["excl"].extend(merged[key + suffix]["excl"])
        for key, slot in merged.items():
            covering, nearby, needs_count = [], [], False
            for phrase in dict.fromkeys(slot["excl"]):
                if not phrase:
                    continue
                if phrase == COUNT_DIRECTIVE:
                    needs_count = True
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
                    device=section.rule == "ground_only",
                    needs_count=needs_count,
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


def _word_end(text: str, end: int, boundaries: frozenset[int]) -> bool:
    return end >= len(text) or end in boundaries or not _CJK_CHAR.match(text[end])


def _continues(text: str, term_end: int, phrase_end: int) -> bool:
    """The phrase's last characters begin a word that goes on past it (套 + 装 in 打火机套装)."""
    if phrase_end >= len(text) or not _CJK_CHAR.match(text[phrase_end]):
        return False
    for word in CONTINUATIONS:
        for split in range(1, len(word)):
            begin = phrase_end - split
            if (
                begin >= term_end
                and text.startswith(word[:split], begin)
                and text.startswith(word[split:], phrase_end)
            ):
                return True
    return False


def _covers(text: str, term_end: int, begin: int, phrase: str) -> bool:
    """Whether the exclusion at text[begin:] reads as one word with the term in it."""
    phrase_end = begin + len(phrase)
    if phrase_end <= term_end:
        return True
    boundaries = boundaries_of(text)
    # A space after the term ends the word unless the exclusion ends with the next word.
    crosses = any(term_end <= b < phrase_end for b in boundaries)
    if crosses and not _word_end(text, phrase_end, boundaries):
        return False
    return not _continues(text, term_end, phrase_end)


def _nearby_cancels(context: str, phrase: str) -> bool:
    """An accessory word in the part cancels unless the item comes with it ("带壳")."""
    start = context.find(phrase)
    while start != -1:
        if not _COMES_WITH.search(context, 0, start):
            return True
        start = context.find(phrase, start + 1)
    return False


def _excluded(text: str, start: int, end: int, entry: Entry, parts: Parts) -> bool:
    for phrase, offsets in entry.covering:
        for offset in offsets:
            begin = start - offset
            if begin >= 0 and text.startswith(phrase, begin) and _covers(text, end, begin, phrase):
                return True
    if entry.nearby:
        context = parts.around(start, end)
        if entry.device and _STORAGE.search(context):
            return False
        return any(phrase in context and _nearby_cancels(context, phrase) for phrase in entry.nearby)
    return False


def negated(text: str, start: int, end: int) -> bool:
    """The mention says the thing is absent: a negation right before it (无火药, 不含酒精, no
    alcohol) or "-free" right after it (alcohol-free)."""
    before = text[max(0, start - 12) : start]
    match = _NEGATED_BEFORE.search(before)
    if match is not None:
        # "no" and "non" are words of their own: "piano lighter" negates nothing.
        return not (
            _is_word_char(match.group(0)[0])
            and match.start() > 0
            and _is_word_char(before[match.start() - 1])
        )
    return bool(_NEGATED_AFTER.match(text, end))


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
        Hit(start, end, entry)
        for start, end, entry in raw
        if _on_boundaries(text, start, end, entry)
        and (not entry.needs_count or limits.count_adjacent(text, start, end))
    ]
    hits = [
        h
        for h in candidates
        if not _excluded(text, h.start, h.end, h.entry, parts) and not negated(text, h.start, h.end)
    ]
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
