"""Screening accuracy on the project's labelled sets, one line per set.

    .venv/bin/python bench/screening_accuracy.py

Runs the real screen (``prohibited.services.screen_item``) against a throw-away in-memory
database migrated with the catalogue, on every ``prohibited/tests/data/*.jsonl`` set: the hard set
(what senders type to slip past a screen), the held-out set and the labelled sets. Prints the
accuracy of each and the misses; exits 2 when a set is under 97 %.
"""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DEV_MODE"] = "1"
os.environ["DATABASE_URL"] = "sqlite://:memory:"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "courier_platform.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from prohibited.tests.conftest import make_carrier  # noqa: E402
from prohibited.tests.test_labelled import to_input  # noqa: E402

THRESHOLD = 0.97
DATA = ROOT / "prohibited" / "tests" / "data"


def score(path: Path) -> tuple[int, list[str]]:
    from prohibited.services import screen_item

    cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    misses = []
    for case in cases:
        result = screen_item(to_input(case), carrier=case.get("carrier"))
        right = result.verdict == case["verdict"] and (
            "categories" not in case or result.categories == case["categories"]
        )
        if not right:
            misses.append(f"{case['description']!r}: expected {case['verdict']}, got {result.verdict}")
    return len(cases), misses


def main() -> int:
    call_command("migrate", verbosity=0, stdout=io.StringIO())
    make_carrier("hk-bag", [1, 2, 3, 5, 6, 7, 8, 9, 11])
    worst = 1.0
    total_cases = total_misses = 0
    for path in sorted(DATA.glob("*.jsonl"), key=lambda p: (p.name != "hard.jsonl", p.name)):
        count, misses = score(path)
        accuracy = 1 - len(misses) / count
        worst = min(worst, accuracy)
        total_cases, total_misses = total_cases + count, total_misses + len(misses)
        print(f"{path.name:32} {count:4} descriptions  accuracy {accuracy:6.1%}  misses {len(misses)}")
        for miss in misses:
            print("    miss:", miss)
    print(f"{'all sets':32} {total_cases:4} descriptions  accuracy {1 - total_misses / total_cases:6.1%}")
    return 0 if worst >= THRESHOLD else 2


if __name__ == "__main__":
    sys.exit(main())
