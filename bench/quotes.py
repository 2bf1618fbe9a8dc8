"""``POST /api/v1/quotes/`` with 4 carriers and with 20: p50 / p99, their ratio, SQL per quote.

    make bench-quotes       # or: .venv/bin/python bench/quotes.py [--rounds 10] [--requests 50]
                            #     [--before /path/to/an/older/checkout]

Builds two PostgreSQL databases (``<BENCH_DATABASE_URL's name>_4`` and ``_20``): the four demo
carriers, and the same with 16 more domestic carriers with a full tariff, transit times and
contract terms. One process per database serves quotes through Django's test client, as a user
signed in with an API token; the rounds are interleaved (one batch of ``--requests`` to each
process in turn, ``--rounds`` times), after one untimed warm-up, so load on the machine falls on
both alike. The shipment is the README's (深圳 → 北京, 1.5 kg, insured), so every carrier is priced
and ranked. ``--before`` also runs the same two processes on another checkout of the project (its
own code on the same databases) in the same interleaving: the figures before and after in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/courier_quote_bench"
EXTRA = 16  # 4 demo carriers + 16 = 20


def _django(url: str, root: Path) -> None:
    os.environ.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "courier_platform.settings",
            "SECRET_KEY": "bench-quotes-" + uuid.uuid4().hex * 2,
            "DEBUG": "0",
            "SECURE_SSL_REDIRECT": "0",
            "CELERY_BROKER_URL": "memory://",
        }
    )
    sys.path.insert(0, str(root))
    import django

    django.setup()


def setup(url: str, extra: int) -> None:
    """Migrate and seed one database: the demo carriers, ``extra`` more, and a customer."""
    _django(url, ROOT)
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import User
    from carriers.demo import seed_demo_carriers
    from carriers.models import Carrier, ContractTerms, TransitTime, ZoneRate

    call_command("migrate", "--noinput", verbosity=0)
    demo = seed_demo_carriers()
    econ = demo["econ-post"]
    for n in range(extra):
        carrier = Carrier.objects.get(pk=econ.pk)
        carrier.pk, carrier.code, carrier.name_zh_hans = None, f"bench-{n:02d}", f"测试快递{n:02d}"
        carrier.save()
        ZoneRate.objects.bulk_create(
            ZoneRate(carrier=carrier, zone=r.zone, first_weight_kg=r.first_weight_kg,
                     first_price=r.first_price + n, step_price=r.step_price)
            for r in econ.zone_rates.all()
        )  # fmt: skip
        TransitTime.objects.bulk_create(
            TransitTime(carrier=carrier, zone=t.zone, min_days=t.min_days, max_days=t.max_days)
            for t in econ.transit_times.all()
        )
        ContractTerms.objects.create(
            carrier=carrier, version="v1", title="服务条款", body="条款" * 500,
            published_at=timezone.now() - timedelta(days=30),
        )  # fmt: skip
    User.objects.get_or_create(
        username="bench-quotes@bench.test", defaults={"email": "bench-quotes@bench.test"}
    )
    print(f"{url.rsplit('/', 1)[1]}: {Carrier.objects.filter(active=True).count()} carriers", flush=True)


def serve(url: str, root: Path) -> None:
    """Quote on request: each line on stdin is a number of requests; answers one JSON line."""
    _django(url, root)
    import time
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from accounts.models import User

    user = User.objects.get(username="bench-quotes@bench.test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    day = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)).date().isoformat()
    party = {"name": "张三", "phone": "13800138000", "address": "科技园科苑路1号"}
    payload = {
        "sender": {**party, "province": "广东省", "city": "深圳市", "district": "南山区"},
        "recipient": {**party, "province": "北京市", "city": "北京市", "district": "朝阳区"},
        "pickup_window": {"start": f"{day}T10:00:00+08:00", "end": f"{day}T12:00:00+08:00"},
        "weight_kg": "1.5",
        "item_type": "clothing",
        "description": "冬季外套",
        "quantity": 1,
        "declared_value": "500.00",
        "insured": True,
    }

    def quote():
        response = client.post("/api/v1/quotes/", payload, format="json")
        assert response.status_code == 200, response.content[:300]
        return response

    eligible = sum(q["eligible"] for q in quote().json()["quotes"])  # warm-up
    for line in sys.stdin:
        times, counts = [], []
        for _ in range(int(line)):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                quote()
                times.append((time.perf_counter() - started) * 1000)
            counts.append(len(queries))
        print(json.dumps({"times": times, "queries": counts, "eligible": eligible}), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--before", type=Path, help="another checkout to measure in the same run")
    parser.add_argument("--setup", nargs=2, metavar=("URL", "EXTRA"), help=argparse.SUPPRESS)
    parser.add_argument("--serve", nargs=2, metavar=("URL", "ROOT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup:
        setup(args.setup[0], int(args.setup[1]))
        return 0
    if args.serve:
        serve(args.serve[0], Path(args.serve[1]))
        return 0

    url = urlparse(os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    prefix = url.path.lstrip("/")
    import psycopg2

    admin = psycopg2.connect(
        host=url.hostname, port=url.port or 5432, user=url.username or "postgres", dbname="postgres"
    )
    admin.autocommit = True
    urls = {}
    for carriers in (4, 20):
        name = f"{prefix}_{carriers}"
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
        urls[carriers] = url._replace(path=f"/{name}").geturl()
        subprocess.run([sys.executable, __file__, "--setup", urls[carriers], str(carriers - 4)], check=True)

    trees = [("after", ROOT)] + ([("before", args.before.resolve())] if args.before else [])
    servers = {}
    for label, root in trees:
        for carriers in (4, 20):
            servers[(label, carriers)] = subprocess.Popen(
                [sys.executable, __file__, "--serve", urls[carriers], str(root)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                cwd=root,
            )
    times: dict[tuple, list[float]] = {key: [] for key in servers}
    queries: dict[tuple, list[int]] = {key: [] for key in servers}
    eligible = {}
    for _round in range(args.rounds):
        for key, server in servers.items():
            server.stdin.write(f"{args.requests}\n")
            server.stdin.flush()
            answer = json.loads(server.stdout.readline())
            times[key] += answer["times"]
            queries[key] += answer["queries"]
            eligible[key] = answer["eligible"]
    for server in servers.values():
        server.stdin.close()
        server.wait(timeout=60)

    def p(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))]

    print(f"\n{args.rounds} interleaved rounds × {args.requests} requests, Django test client, token auth")
    # SQL: statements of the typical quote (the median), and the most any quote issued (the one
    # that refreshed the acceptance and rating statistics, once a minute per process).
    print(
        f"{'code':8s} {'carriers':>8s} {'eligible':>8s} {'SQL':>4s} {'max':>4s} {'p50 ms':>8s} {'p99 ms':>8s}"
    )
    for (label, carriers), values in times.items():
        key = (label, carriers)
        print(
            f"{label:8s} {carriers:8d} {eligible[key]:8d} {int(statistics.median(queries[key])):4d} "
            f"{max(queries[key]):4d} {statistics.median(values):8.2f} {p(values, 0.99):8.2f}"
        )
    for label, _root in trees:
        ratio = statistics.median(times[(label, 20)]) / statistics.median(times[(label, 4)])
        print(f"{label}: p50 with 20 carriers / p50 with 4 = {ratio:.2f}")
    print("load average: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    for carriers in (4, 20):
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{prefix}_{carriers}"')
    admin.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
