"""The automatic screen of review texts and carrier replies (000 5.3.2), before anything is published.

Banned terms are rows the admin edits (``BannedTerm``, by category); they are matched by the goods
screening's engine (``prohibited.matching``: the same normalisation, traditional → simplified
included, and the same Aho–Corasick automaton), so the code base has one text-matching engine.
Contact details and links are patterns, looked for in the same normalised text (full-width digits
and letters folded, spaces beside Chinese characters removed).

A text with any reason goes to the moderation queue; the reasons are kept on the row.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from django.db.models import Count, Max
from django.utils.translation import gettext_lazy as _

from prohibited.catalogue import SectionSpec, TermSpec
from prohibited.matching import Matcher, normalise

from .models import BannedCategory, BannedTerm

SOURCE_CLAUSE = "000 5.3.2"


class ReasonCode:
    BANNED_TERM = "banned_term"
    LINK = "link"
    PHONE = "phone"
    WECHAT = "wechat"
    QQ = "qq"


REASON_LABELS = {
    ReasonCode.LINK: _("contains a link"),
    ReasonCode.PHONE: _("contains a phone number"),
    ReasonCode.WECHAT: _("contains a WeChat ID"),
    ReasonCode.QQ: _("contains a QQ number"),
}

_LINK = re.compile(
    r"(?:https?://|www\.)\S+"
    r"|(?<![a-z0-9@.-])[a-z0-9][a-z0-9-]{0,62}(?:\.[a-z0-9-]{1,63})*"
    r"\.(?:com|cn|net|org|top|cc|xyz|shop|vip|io|me|hk|tw|info|biz|site|store|club|link|ly)(?![a-z0-9])(?:/\S*)?"
)
# Mainland mobiles (optionally +86, with spaces or dashes), landlines with an area code, HK mobiles.
_PHONE = re.compile(
    r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d){8}(?!\d)"
    r"|(?<!\d)0\d{2,3}[\s-]?\d{7,8}(?!\d)"
    r"|(?<!\d)(?:\+?852[\s-]?)?[5-9]\d{3}[\s-]?\d{4}(?!\d)"
)
_WECHAT = re.compile(
    r"(?:微信|威信|薇信|徽信|v信|wx|vx|weixin|wechat|加v|\+v)(?:号|id)?\s*[:：=]?\s*[a-z][-_a-z0-9]{5,19}(?![-_a-z0-9])"
)
_QQ = re.compile(r"(?:qq|扣扣|企鹅|q群|qq群)(?:号|群)?\s*[:：=]?\s*[1-9]\d{4,11}(?!\d)")

_PATTERNS = (
    (ReasonCode.LINK, _LINK),
    (ReasonCode.PHONE, _PHONE),
    (ReasonCode.WECHAT, _WECHAT),
    (ReasonCode.QQ, _QQ),
)


@dataclass(frozen=True)
class Reason:
    code: str
    category: str = ""  # a BannedCategory for banned terms
    term: str = ""

    def as_dict(self) -> dict:
        return {"code": self.code, "category": self.category, "term": self.term}


def reason_label(reason: dict) -> str:
    """The reason in plain words for the author (the matched term is not repeated back)."""
    if reason.get("code") == ReasonCode.BANNED_TERM:
        category = (
            BannedCategory(reason["category"]).label
            if reason.get("category") in BannedCategory.values
            else ""
        )
        return str(_("contains words not allowed in reviews (%(category)s)") % {"category": category})
    return str(REASON_LABELS.get(reason.get("code"), _("needs a moderator's look")))


_lock = threading.Lock()
_current: tuple[object, Matcher] | None = None


def _list_key() -> tuple:
    """Changes whenever a term is added, edited or deleted: one aggregate query."""
    row = BannedTerm.objects.aggregate(n=Count("id"), changed=Max("updated_at"), top=Max("id"))
    return (row["n"], row["changed"], row["top"])


def banned_term_matcher() -> Matcher:
    """One automaton over the active banned terms, rebuilt when the admin changes the list."""
    global _current
    key = _list_key()
    current = _current
    if current is not None and current[0] == key:
        return current[1]
    with _lock:
        if _current is None or _current[0] != key:
            terms: dict[str, list[TermSpec]] = {}
            for category, term in BannedTerm.objects.filter(active=True).values_list("category", "term"):
                terms.setdefault(category, []).append(TermSpec(term=term, script="zh-hans"))
            sections = tuple(
                SectionSpec(
                    kind="review",
                    number=index,
                    carrier_code=category,
                    title=category,
                    title_en=category,
                    clause=SOURCE_CLAUSE,
                    terms=tuple(terms.get(category, ())),
                )
                for index, category in enumerate(BannedCategory.values, start=1)
            )
            _current = (key, Matcher(sections))
        return _current[1]


def screen_text(text: str) -> list[Reason]:
    """Every reason to hold ``text`` for a moderator; empty when it may be published."""
    normalised = normalise(text)
    if not normalised:
        return []
    reasons: list[Reason] = []
    for hit in banned_term_matcher().find(normalised):
        reason = Reason(ReasonCode.BANNED_TERM, hit.entry.section.carrier_code, hit.entry.term)
        if reason not in reasons:
            reasons.append(reason)
    for code, pattern in _PATTERNS:
        match = pattern.search(normalised)
        if match:
            reasons.append(Reason(code, "", match.group(0)))
    return reasons
