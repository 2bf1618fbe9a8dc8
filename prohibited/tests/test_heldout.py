"""Accuracy on a held-out set (prohibited/tests/data/heldout.jsonl): shop-listing descriptions
written apart from the catalogue terms, about half of them harmless look-alikes, plus every
example of the accuracy review. Same line format as the labelled set; fails under 97 %."""

import json
from pathlib import Path

import pytest

from prohibited.services import screen_item

from .conftest import make_carrier
from .test_labelled import to_input

pytestmark = pytest.mark.django_db

HELDOUT = Path(__file__).parent / "data" / "heldout.jsonl"
THRESHOLD = 0.97


def load() -> list[tuple[int, dict]]:
    lines = HELDOUT.read_text(encoding="utf-8").splitlines()
    return [(number, json.loads(line)) for number, line in enumerate(lines, start=1) if line.strip()]


def test_the_heldout_set_is_large_and_half_harmless():
    cases = [case for _, case in load()]
    assert len(cases) >= 80
    assert len({case["description"] for case in cases}) == len(cases)
    harmless = sum(1 for case in cases if case["verdict"] == "allowed")
    assert 0.35 <= harmless / len(cases) <= 0.65


def test_heldout_accuracy(capsys):
    make_carrier("hk-bag", [1, 2, 3, 5, 6, 7, 8, 9, 11])
    cases = load()
    misses = []
    for number, case in cases:
        result = screen_item(to_input(case), carrier=case.get("carrier"))
        right = result.verdict == case["verdict"]
        if right and "categories" in case:
            right = result.categories == case["categories"]
        if not right:
            misses.append(
                f"heldout.jsonl:{number} {case['description']!r}: expected {case['verdict']} "
                f"{case.get('categories', '')}, got {result.verdict} {result.categories} "
                f"{[m['term'] for m in result.matches]}"
            )
    accuracy = 1 - len(misses) / len(cases)
    with capsys.disabled():
        print(f"\nheld-out set: {len(cases)} descriptions, accuracy {accuracy:.1%}, {len(misses)} misses")
        for miss in misses:
            print("  miss:", miss)
    assert accuracy >= THRESHOLD, "\n".join(misses)
