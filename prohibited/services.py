"""Screening goods (DESIGN §5): one item → verdict, categories, matches, conditions, refusals.

``screen_item`` is the one entry point: booking, quotes, ``POST /api/v1/screening/`` and
``manage.py screen`` all call it. The order of verdicts is prohibited > restricted > refused >
allowed. Without a carrier the verdict is the platform's catalogues alone and ``refused_by`` names
every active carrier that refuses the item; with a carrier, ``refused`` means that carrier refuses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .matching import Matcher
from .models import ListKind, catalogue_touch
from .rules import Finding, Outcome, ScreeningInput, evaluate
from .selectors import catalogue_matcher, screening_carriers

ITEM_TYPES = ("documents", "daily", "clothing", "food", "digital", "medicine", "other")


@dataclass
class ScreeningResult:
    verdict: str  # "prohibited" | "restricted" | "refused" | "allowed"
    categories: list[int] = field(default_factory=list)
    matches: list[dict] = field(default_factory=list)  # {"term", "list", "category", "clause"}
    conditions: list[str] = field(default_factory=list)
    refused_by: list[str] = field(default_factory=list)  # carrier codes
    message: str = ""
    ground_only: bool = False  # a restricted item that may not fly (mobile phones)
    refusal_reasons: dict[str, str] = field(default_factory=dict)  # carrier code → reason

    def as_dict(self) -> dict:
        return {
            "verdict": self.verdict,
            "categories": list(self.categories),
            "matches": [dict(m) for m in self.matches],
            "conditions": list(self.conditions),
            "refused_by": list(self.refused_by),
            "message": self.message,
        }


class UnknownCarrier(ValueError):
    """A carrier code that names no carrier."""


def _carriers(carrier, every: list | None) -> tuple[list, bool]:
    """(carriers to judge, whether one was named)."""
    if carrier is None:
        return (screening_carriers() if every is None else every), False
    if isinstance(carrier, str):
        found = screening_carriers(carrier)
        if not found:
            raise UnknownCarrier(carrier)
        return found, True
    return [carrier], True


def _refusals(carrier, findings: list[Finding]) -> list[Finding]:
    groups = {int(g) for g in (carrier.refusal_groups or [])}
    return [
        f
        for f in findings
        if f.outcome == Outcome.REFUSED
        and (
            (not f.carrier_code and f.section.kind == ListKind.REFUSED and f.section.number in groups)
            or f.carrier_code == carrier.code
        )
    ]


def _unique(items: list) -> list:
    return list(dict.fromkeys(items))


def _join(sentences: list[str]) -> str:
    """Sentences one after another: Chinese needs no space after "。", English does."""
    separator = "" if (get_language() or "zh-hans").lower().startswith("zh") else " "
    return separator.join(_unique(sentences))


def screen_item(
    item: ScreeningInput, *, carrier=None, carriers: list | None = None, matcher: Matcher | None = None
) -> ScreeningResult:
    """Screen one item; ``carrier`` is None, a ``Carrier`` or a carrier code.

    Without a carrier, the item is judged for ``carriers`` (objects with ``code``, ``refusal_groups``
    and ``active``; default: every active carrier); ``matcher`` defaults to the current catalogue's.
    A caller screening several items with what it already read passes both and reads nothing here.
    """
    carriers, named = _carriers(carrier, carriers)
    matcher = catalogue_matcher() if matcher is None else matcher
    findings = evaluate(matcher, item, carrier_codes={c.code for c in carriers})
    platform = [f for f in findings if not f.carrier_code]

    refusals = {c.code: _refusals(c, findings) for c in carriers}
    refusals = {code: found for code, found in refusals.items() if found}
    refusal_reasons = {code: _join([f.reason for f in found]) for code, found in refusals.items()}

    banned = [f for f in platform if f.outcome in (Outcome.PROHIBITED, Outcome.OVER_LIMIT)]
    restricted = [f for f in platform if f.outcome == Outcome.RESTRICTED]
    platform_refused = [f for f in platform if f.outcome == Outcome.REFUSED]
    if banned:
        verdict = "prohibited"
    elif restricted:
        verdict = "restricted"
    elif (named and refusals) or (not named and platform_refused):
        verdict = "refused"
    else:
        verdict = "allowed"

    shown = [f for f in platform if f.outcome != Outcome.NOTE]
    if named:
        shown += [f for f in findings if f.carrier_code and f.outcome == Outcome.REFUSED]
    matches = _unique_matches([f.as_match() for f in shown])
    conditions = _unique(
        [f.reason for f in findings if f.outcome in (Outcome.RESTRICTED, Outcome.NOTE) and not f.carrier_code]
        + [f.reason for f in findings if f.outcome == Outcome.NOTE and f.carrier_code]
    )
    result = ScreeningResult(
        verdict=verdict,
        categories=sorted({f.section.number for f in platform if f.outcome == Outcome.PROHIBITED}),
        matches=matches,
        conditions=conditions,
        refused_by=sorted(refusals),
        ground_only=any(f.ground_only for f in platform),
        refusal_reasons=refusal_reasons,
    )
    result.message = _message(result, banned, restricted, platform_refused, refusals, named)
    return result


VERDICT_ORDER = ("prohibited", "restricted", "refused", "allowed")


def screening_combine(results: list[ScreeningResult]) -> ScreeningResult:
    """Several items screened together (a parcel and its customs lines): the worst verdict, every
    category, match, condition and refusal of any; the message is the worst item's."""
    worst = min(results, key=lambda r: VERDICT_ORDER.index(r.verdict))
    refusal_reasons: dict[str, str] = {}
    for result in results:
        for code, reason in (result.refusal_reasons or {}).items():
            refusal_reasons.setdefault(code, reason)
    return ScreeningResult(
        verdict=worst.verdict,
        categories=sorted({c for r in results for c in r.categories}),
        matches=_unique_matches([m for r in results for m in r.matches]),
        conditions=_unique([c for r in results for c in r.conditions]),
        refused_by=sorted({c for r in results for c in r.refused_by}),
        message=worst.message,
        ground_only=any(r.ground_only for r in results),
        refusal_reasons=refusal_reasons,
    )


def _unique_matches(matches: list[dict]) -> list[dict]:
    seen, unique = set(), []
    for match in matches:
        key = tuple(match.values())
        if key not in seen:
            seen.add(key)
            unique.append(match)
    return unique


def _message(result, banned, restricted, platform_refused, refusals, named) -> str:
    if result.verdict == "prohibited":
        reasons = _join([f.reason for f in banned])
        return _("These goods may not be sent. %(reasons)s") % {"reasons": reasons}
    if result.verdict == "restricted":
        reasons = _join([f.reason for f in restricted])
        return _("These goods may be sent only under conditions. %(reasons)s") % {"reasons": reasons}
    if result.verdict == "refused":
        if named:
            (code,) = refusals
            return _("The carrier refuses these goods. %(reasons)s") % {
                "reasons": result.refusal_reasons[code]
            }
        reasons = _join([f.reason for f in platform_refused])
        return _("Carriers that apply the refusal list refuse these goods. %(reasons)s") % {
            "reasons": reasons
        }
    if result.refused_by:
        return _("No prohibited or restricted goods found, but some carriers refuse them: %(carriers)s.") % {
            "carriers": ", ".join(result.refused_by)
        }
    return _("No prohibited, restricted or refused goods found.")


def catalogue_changed() -> None:
    """Call after editing catalogue rows outside the admin: every process rebuilds its matcher."""
    catalogue_touch()
