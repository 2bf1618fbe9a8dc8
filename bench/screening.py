"""Screening throughput: one Aho–Corasick automaton vs a naive loop over every catalogue term.

    .venv/bin/python bench/screening.py [--count 100000] [--seed 7]

Both matchers read the catalogue straight from ``prohibited/data`` (no database) and run on the
same generated descriptions, already normalised; both go through the same boundary, exclusion
and covering filter, and the script checks they find exactly the same hits. Printed: descriptions
per second for each, the ratio (DESIGN §11 wants ≥ 20×), and normalisation on its own.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DEV_MODE"] = "1"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "courier_platform.settings")

import django  # noqa: E402

django.setup()

from prohibited.catalogue import catalogue_from_files  # noqa: E402
from prohibited.matching import Matcher, filter_hits, naive_raw_hits, normalise  # noqa: E402

# Words of everyday shop listings: most parcels hold nothing the catalogue names.
# fmt: off
EVERYDAY = [
    "冬季外套", "羽绒服", "牛仔裤", "连衣裙", "运动鞋", "帆布包", "双肩包", "T恤", "卫衣", "围巾", "手套",
    "袜子", "毛绒玩具", "积木", "绘本", "儿童图书", "小说", "教材", "笔记本", "中性笔", "文具套装", "台灯",
    "数据线", "充电宝", "蓝牙耳机", "鼠标", "键盘", "U盘", "硬盘", "保温杯", "水杯", "饭盒", "不锈钢锅",
    "菜刀", "砧板", "毛巾", "床单", "被套", "枕头", "窗帘", "收纳盒", "衣架", "洗发水", "沐浴露", "面霜",
    "口红", "香皂", "牙刷", "茶叶", "咖啡豆", "饼干", "坚果", "巧克力", "月饼", "挂面", "大米", "红枣",
    "枸杞", "相框", "花瓶", "手机壳", "钢化膜", "耳机", "智能手表", "平板保护套", "瑜伽垫", "哑铃", "跳绳",
    "雨伞", "太阳镜", "发夹", "项链", "手链", "Nike 运动鞋", "Adidas 外套", "Uniqlo T恤", "LEGO 积木",
    "Kindle 保护套", "Apple Watch 表带", "Muji 收纳",
]
QUALIFIERS = [
    "全新", "二手", "正品", "包邮", "2件", "3个", "1套", "500g", "1kg", "大号", "小号", "黑色", "白色",
    "蓝色", "XL", "M码", "礼盒装", "现货", "特价",
]
# fmt: on


def generate(count: int, seed: int, catalogue_terms: list[str]) -> list[str]:
    """Shop-style descriptions; about one in ten names a catalogue term."""
    rng = random.Random(seed)
    descriptions = []
    for _ in range(count):
        words = rng.sample(EVERYDAY, rng.randint(1, 3)) + rng.sample(QUALIFIERS, rng.randint(0, 2))
        if rng.random() < 0.1:
            words.insert(rng.randrange(len(words) + 1), rng.choice(catalogue_terms))
        separator = rng.choice([" ", "，", " ", "、", ""])
        descriptions.append(separator.join(words))
    return descriptions


def best_of(runs: int, work):
    """(shortest time, result) of ``runs`` calls of ``work``."""
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return best, result


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:>12,.0f} descriptions/s  ({seconds:.2f} s)"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    sections = catalogue_from_files()
    started = time.perf_counter()
    matcher = Matcher(sections)
    build = time.perf_counter() - started
    terms = [t.term for s in sections if s.active for t in s.terms]
    print(f"catalogue: {len(sections)} sections, {len(terms)} terms, {len(matcher.entries)} automaton keys")
    print(f"automaton built in {build * 1000:.0f} ms")

    descriptions = generate(args.count, args.seed, terms)
    # The fast stages take well under a second, so take the best of three runs (less noise);
    # the naive loop runs once.
    normalising, texts = best_of(3, lambda: [normalise(d) for d in descriptions])
    automaton, fast = best_of(3, lambda: [matcher.find(t) for t in texts])

    started = time.perf_counter()
    slow = [filter_hits(t, naive_raw_hits(matcher.entries, t)) for t in texts]
    naive = time.perf_counter() - started

    if fast != slow:
        differing = sum(1 for a, b in zip(fast, slow, strict=True) if a != b)
        print(f"ERROR: the two matchers disagree on {differing} descriptions")
        return 1
    with_hits = sum(1 for hits in fast if hits)
    ratio = naive / automaton
    print(f"descriptions: {len(texts):,} generated (seed {args.seed}), {with_hits:,} with a catalogue hit")
    print(f"normalise (NFKC, case, CJK spaces, t2s): {rate(len(texts), normalising)}")
    print(f"automaton (pyahocorasick):               {rate(len(texts), automaton)}")
    print(f"naive loop over every term:              {rate(len(texts), naive)}")
    print(f"ratio: the automaton is {ratio:.1f}x faster (same hits on every description)")
    end_to_end = (naive + normalising) / (automaton + normalising)
    print(f"with normalisation included in both: {end_to_end:.1f}x")
    return 0 if ratio >= 20 else 2


if __name__ == "__main__":
    sys.exit(main())
