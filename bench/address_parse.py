"""Smart fill accuracy: the address parser on the project's labelled set of pasted addresses.

    .venv/bin/python bench/address_parse.py [--misses]

``carriers/tests/data/addresses.jsonl``: one pasted text per line with its six expected fields
(name, phone digits, province, city, district, street address, in the platform's region names),
covering every province, municipalities, county-level cities, 东莞 / 中山 towns, autonomous
prefectures, compound surnames, minority names with ·, landlines and Hong Kong. Printed: the share
of records with all six fields right (DESIGN §11 wants ≥ 95 %), each field's accuracy, the accuracy
by kind of address and the time per record. Exits 2 under 95 %.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DEV_MODE"] = "1"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "courier_platform.settings")

import django  # noqa: E402

django.setup()

from carriers.address_parse import parse_address  # noqa: E402

DATA = ROOT / "carriers" / "tests" / "data" / "addresses.jsonl"
FIELDS = ("name", "phone", "province", "city", "district", "address")
THRESHOLD = 0.95


def load() -> list[dict]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


def score(records: list[dict]) -> tuple[list[tuple[dict, dict]], Counter, Counter, Counter]:
    results, field_right, kind_all, kind_right = [], Counter(), Counter(), Counter()
    for record in records:
        got = parse_address(record["text"]).as_dict()
        results.append((record, got))
        right = [f for f in FIELDS if got[f] == record["expected"][f]]
        field_right.update(right)
        kind_all[record["kind"]] += 1
        kind_right[record["kind"]] += len(right) == len(FIELDS)
    return results, field_right, kind_all, kind_right


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--misses", action="store_true", help="print every record not entirely right")
    args = parser.parse_args()
    records = load()
    started = time.perf_counter()
    parse_address("张三 13800138000 北京市朝阳区建国路88号")  # load the dictionaries once
    warm = time.perf_counter() - started
    started = time.perf_counter()
    results, field_right, kind_all, kind_right = score(records)
    elapsed = time.perf_counter() - started
    entire = sum(kind_right.values()) / len(records)
    print(f"records: {len(records)}  all six fields right: {entire:.1%}")
    print("by field:  " + "  ".join(f"{f} {field_right[f] / len(records):.1%}" for f in FIELDS))
    for kind in sorted(kind_all):
        print(f"  {kind:24} {kind_right[kind]:4}/{kind_all[kind]:<4} {kind_right[kind] / kind_all[kind]:.1%}")
    print(
        f"time: {elapsed / len(records) * 1000:.2f} ms per record (first call, loading the dictionaries: {warm:.1f} s)"
    )
    if args.misses:
        for record, got in results:
            wrong = {f: (record["expected"][f], got[f]) for f in FIELDS if got[f] != record["expected"][f]}
            if wrong:
                print(f"  miss: {record['text']!r} {wrong}")
    return 0 if entire >= THRESHOLD else 2


if __name__ == "__main__":
    sys.exit(main())
