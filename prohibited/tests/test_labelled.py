"""Accuracy on a labelled set of realistic descriptions (prohibited/tests/data/labelled*.jsonl).

Each line: ``description``, the expected ``verdict``, optionally the expected ``categories`` and
the screening fields (``item_type``, ``insured``, ``declared_value``, ``original_packaging``,
``dimensions_cm``, ``weight_kg``, ``keep_upright``, ``recipient_address``, ``carrier``). The test
prints every miss and fails under 97 %.
"""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from prohibited.services import ScreeningInput, screen_item

from .conftest import make_carrier

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
THRESHOLD = 0.97
FIELDS = (
    "item_type",
    "quantity",
    "insured",
    "original_packaging",
    "keep_upright",
    "recipient_address",
)


def load() -> list[tuple[str, int, dict]]:
    cases = []
    for path in sorted(DATA.glob("labelled*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                cases.append((path.name, number, json.loads(line)))
    return cases


def to_input(case: dict) -> ScreeningInput:
    fields = {k: case[k] for k in FIELDS if k in case}
    for key in ("declared_value", "weight_kg"):
        if key in case:
            fields[key] = Decimal(case[key])
    if "dimensions_cm" in case:
        fields["dimensions_cm"] = tuple(Decimal(v) for v in case["dimensions_cm"])
    return ScreeningInput(description=case["description"], **fields)


def test_the_labelled_set_is_large_and_covers_every_verdict():
    cases = load()
    assert len(cases) >= 300
    assert {c["verdict"] for _, _, c in cases} == {"prohibited", "restricted", "refused", "allowed"}


def test_accuracy_on_the_labelled_set(capsys):
    make_carrier("hk-bag", [1, 2, 3, 5, 6, 7, 8, 9, 11])
    cases = load()
    misses = []
    for name, number, case in cases:
        result = screen_item(to_input(case), carrier=case.get("carrier"))
        right = result.verdict == case["verdict"]
        if right and "categories" in case:
            right = result.categories == case["categories"]
        if not right:
            misses.append(
                f"{name}:{number} {case['description']!r}: expected {case['verdict']} "
                f"{case.get('categories', '')}, got {result.verdict} {result.categories} "
                f"{[m['term'] for m in result.matches]}"
            )
    accuracy = 1 - len(misses) / len(cases)
    with capsys.disabled():
        print(f"\nlabelled set: {len(cases)} descriptions, accuracy {accuracy:.1%}, {len(misses)} misses")
        for miss in misses:
            print("  miss:", miss)
    assert accuracy >= THRESHOLD, "\n".join(misses)
