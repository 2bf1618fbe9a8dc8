"""Carrier callback throughput: the platform's endpoint against a bare-Django floor, on PostgreSQL.

    make bench-callbacks            # or: .venv/bin/python bench/callbacks.py [--rounds 6] [--seconds 8]

Both are served by gunicorn the way the README runs the platform in production: ``--workers`` sync
workers each, 2 × CPUs + 1 by default (the same for both; printed), on the same PostgreSQL database
(``BENCH_DATABASE_URL``, default ``postgres://postgres@127.0.0.1:5432/courier_bench``, created and
migrated here). The platform runs with production settings (no DEV_MODE), the floor is
``bench/callback_floor.py`` (HMAC check, JSON parse, one UPDATE and one INSERT in a transaction)
on Django's own PostgreSQL backend (``--floor-backend platform``: on the platform's, whose health
check skips the ping for a connection that answered within the last half second).
Load: ``--concurrency`` (32) client threads, each posting signed ``order.in_transit`` scans to
orders already in transit (a timeline callback, ``recorded``), every one with a new webhook id.
The rounds alternate platform / floor so both see the same machine; printed: callbacks per second,
p50 and p99 latency of each, the ratio platform ÷ floor over the whole run and the median of the
per-round ratios (goal ≥ 0.5, p99 < 100 ms), and the machine's load average before and after (other
work on the machine slows both, but the rounds next to each other see about the same load).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
SHANGHAI = timezone(timedelta(hours=8))
CODE = "swift-express"
PATH = f"/api/v1/carriers/{CODE}/events/"
# --protocol kuaidi100: another demo carrier speaking Kuaidi100 (form post, MD5 sign over param + salt).
K100_CODE, K100_SALT = "econ-post", "bench-salt"


def _env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "courier_platform.settings",
        "PYTHONPATH": str(ROOT),
    }


def _create_database(database_url: str) -> None:
    import psycopg2

    url = urlparse(database_url)
    name = url.path.lstrip("/")
    conn = psycopg2.connect(
        host=url.hostname, port=url.port or 5432, user=url.username or "postgres", dbname="postgres"
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def _prepare(database_url: str, orders: int, protocol: str = "standard") -> tuple[str, list[str]]:
    """Migrate, seed the carrier and ``orders`` orders in transit; returns (secret, numbers)."""
    env = {**_env(database_url), "DEV_MODE": "1"}
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    script = f"""
import django, json
django.setup()
from django.db import connection
from carriers.demo import seed_demo_carriers
from carriers.services import carrier_credentials_rotate
from carriers.selectors import current_contract
from orders.models import Order, Status
from orders.tests.factories import OrderFactory
code = {K100_CODE!r} if {protocol!r} == "kuaidi100" else {CODE!r}
carrier = seed_demo_carriers()[code]
secret = carrier_credentials_rotate(carrier=carrier)
numbers = list(Order.objects.filter(carrier=carrier, status=Status.IN_TRANSIT, number__startswith="BENCH" + code[:1])
               .values_list("number", flat=True)[:{orders}])
for i in range(len(numbers), {orders}):
    numbers.append(OrderFactory(carrier=carrier, contract=current_contract(carrier), status=Status.IN_TRANSIT,
                                number=f"BENCH{{code[:1]}}{{i:08d}}").number)
if {protocol!r} == "kuaidi100":
    from carriers.integrations.configuration import carrier_integration_configure
    from carriers.services.references import carrier_reference_store
    carrier_integration_configure(carrier=carrier, integration="kuaidi100", values={{"salt": {K100_SALT!r}}})
    for number in numbers:
        carrier_reference_store(carrier=carrier, order_number=number, external_id="K" + number)
    secret = {K100_SALT!r}
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS bench_floor_event (id bigserial PRIMARY KEY, "
                   "webhook_id varchar(100) NOT NULL, type varchar(40) NOT NULL, payload jsonb NOT NULL)")
print(json.dumps({{"secret": secret, "numbers": numbers}}))
"""
    out = subprocess.run(
        [PYTHON, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return data["secret"], data["numbers"]


def _serve(name: str, app: str, port: int, env: dict[str, str], workers: int) -> subprocess.Popen:
    args = [
        GUNICORN,
        app,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--log-level",
        "warning",
        "--name",
        f"bench-{name}",
    ]
    process = subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/")
            connection.getresponse().read()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{name} did not start on port {port}")


class Load:
    """``concurrency`` threads posting signed scans for ``seconds``; keeps every latency."""

    def __init__(self, *, port: int, key: bytes, numbers: list[str], concurrency: int, k100: bool = False):
        self.port, self.key, self.numbers, self.concurrency = port, key, numbers, concurrency
        self.k100 = k100
        self.latencies: list[float] = []
        self.errors: dict[int, int] = {}
        self._lock = threading.Lock()

    def _kuaidi100(self, number: str) -> tuple[str, bytes, dict[str, str]]:
        # A 运输中 status (a timeline callback) with a new updateTime each time: a new event id.
        param = json.dumps(
            {
                "kuaidicom": "shunfeng", "kuaidinum": "SF1402938475612", "status": "101", "message": "已到达",
                "data": {"orderId": "K" + number, "status": "101",
                         "updateTime": datetime.now(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S.%f")},
            },
            ensure_ascii=False,
        )  # fmt: skip
        sign = hashlib.md5((param + K100_SALT).encode()).hexdigest().upper()  # noqa: S324
        body = urlencode({"taskId": "T" + number, "param": param, "sign": sign}).encode()
        return (
            f"/api/v1/carriers/{K100_CODE}/events/",
            body,
            {"content-type": "application/x-www-form-urlencoded"},
        )

    def _one(self, number: str) -> None:
        if self.k100:
            self._post(*self._kuaidi100(number))
            return
        body = json.dumps(
            {
                "order": number,
                "type": "order.in_transit",
                "occurred_at": datetime.now(SHANGHAI).isoformat(timespec="seconds"),
                "data": {"location": "深圳转运中心", "description": "已到达"},
            },
            ensure_ascii=False,
        ).encode()
        msg_id, stamp = f"msg_{uuid.uuid4().hex}", str(int(time.time()))
        digest = hmac.new(self.key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
        headers = {
            "content-type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": stamp,
            "webhook-signature": "v1," + base64.b64encode(digest).decode(),
        }
        self._post(PATH, body, headers)

    def _post(self, path: str, body: bytes, headers: dict[str, str]) -> None:
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        connection.close()
        elapsed = time.perf_counter() - started
        with self._lock:
            if response.status == 200:
                self.latencies.append(elapsed)
            else:
                self.errors[response.status] = self.errors.get(response.status, 0) + 1

    def run(self, seconds: float) -> float:
        stop = time.monotonic() + seconds

        def worker(offset: int) -> None:
            i = offset
            while time.monotonic() < stop:
                self._one(self.numbers[i % len(self.numbers)])
                i += self.concurrency

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(self.concurrency)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.monotonic() - started


def _summary(latencies: list[float], elapsed: float) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "per_second": len(ordered) / elapsed if elapsed else 0.0,
        "p50_ms": statistics.median(ordered) * 1000 if ordered else 0.0,
        "p99_ms": ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000 if ordered else 0.0,
        "count": len(ordered),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6, help="rounds per target, interleaved")
    parser.add_argument("--seconds", type=float, default=8.0, help="length of one round")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument(
        "--workers",
        type=int,
        default=2 * (os.cpu_count() or 1) + 1,
        help="gunicorn sync workers of each (default 2 x CPUs + 1, as the README runs production)",
    )
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--port", type=int, default=8710, help="platform port; the floor uses the next one")
    parser.add_argument(
        "--protocol",
        choices=["standard", "kuaidi100"],
        default="standard",
        help="what the platform is sent: Standard Webhooks, or Kuaidi100 callbacks (the floor stays the same)",
    )
    parser.add_argument(
        "--floor-backend",
        choices=["django", "platform"],
        default="django",
        help="the floor's database backend: Django's (a health-check ping per request) or the "
        "platform's (no ping within half a second of the connection's last answer)",
    )
    args = parser.parse_args()

    database_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/courier_bench")
    _create_database(database_url)
    secret, numbers = _prepare(database_url, args.orders)
    if args.protocol == "kuaidi100":  # the floor still checks Standard Webhooks with that secret
        _salt, numbers = _prepare(database_url, args.orders, args.protocol)
    key = base64.b64decode(secret.removeprefix("whsec_"))
    url = urlparse(database_url)

    platform_env = {
        **_env(database_url),
        "SECRET_KEY": "bench-" + uuid.uuid4().hex * 2,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_COOKIES": "0",
        "LOG_LEVEL": "WARNING",
    }
    platform_env.pop("DEV_MODE", None)
    platform_env.pop("DEBUG", None)
    floor_env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "bench"),
        "BENCH_DB_NAME": url.path.lstrip("/"),
        "BENCH_DB_USER": url.username or "postgres",
        "BENCH_DB_HOST": url.hostname or "127.0.0.1",
        "BENCH_DB_PORT": str(url.port or 5432),
        "BENCH_SECRET": secret,
    }
    if args.floor_backend == "platform":
        floor_env["PYTHONPATH"] = f"{ROOT / 'bench'}{os.pathsep}{ROOT}"
        floor_env["BENCH_DB_ENGINE"] = "courier_platform.db.postgresql"
    servers = [
        _serve("platform", "courier_platform.wsgi:application", args.port, platform_env, args.workers),
        _serve("floor", "callback_floor:application", args.port + 1, floor_env, args.workers),
    ]
    targets = {"platform": args.port, "floor": args.port + 1}

    def k100(port: int) -> bool:
        return args.protocol == "kuaidi100" and port == args.port

    print(
        f"{args.protocol} callbacks; gunicorn with {args.workers} sync workers for each of platform and floor, "
        f"{args.concurrency} concurrent clients, {args.rounds} rounds of {args.seconds:g} s; "
        f"the floor on {args.floor_backend}'s database backend",
        flush=True,
    )
    results = {name: {"latencies": [], "elapsed": 0.0, "errors": {}} for name in targets}
    load_before = os.getloadavg()
    round_ratios: list[float] = []
    try:
        for port in targets.values():  # warm-up: imports, connections, caches, in every worker
            Load(port=port, key=key, numbers=numbers, concurrency=args.concurrency, k100=k100(port)).run(2.0)
        for round_no in range(args.rounds):
            order = list(targets.items())
            if round_no % 2:
                order.reverse()
            per_second = {}
            for name, port in order:
                load = Load(
                    port=port, key=key, numbers=numbers, concurrency=args.concurrency, k100=k100(port)
                )
                elapsed = load.run(args.seconds)
                results[name]["latencies"] += load.latencies
                results[name]["elapsed"] += elapsed
                for status, count in load.errors.items():
                    results[name]["errors"][status] = results[name]["errors"].get(status, 0) + count
                round_summary = _summary(load.latencies, elapsed)
                per_second[name] = round_summary["per_second"]
                print(
                    f"round {round_no + 1} {name:8} {round_summary['per_second']:7.1f}/s "
                    f"p50 {round_summary['p50_ms']:6.1f} ms  p99 {round_summary['p99_ms']:6.1f} ms",
                    flush=True,
                )
            if per_second["floor"]:
                round_ratios.append(per_second["platform"] / per_second["floor"])
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)

    summary = {name: _summary(r["latencies"], r["elapsed"]) for name, r in results.items()}
    print()
    print(f"{'':10}{'callbacks/s':>12}{'p50 ms':>9}{'p99 ms':>9}{'count':>8}  errors")
    for name in targets:
        s = summary[name]
        print(
            f"{name:10}{s['per_second']:12.1f}{s['p50_ms']:9.1f}{s['p99_ms']:9.1f}{s['count']:8d}"
            f"  {results[name]['errors'] or '-'}"
        )
    ratio = summary["platform"]["per_second"] / summary["floor"]["per_second"]
    print(
        f"ratio platform / floor: {ratio:.2f}x over the run, median of the rounds {statistics.median(round_ratios):.2f}x"
    )
    print(
        "  per round: " + " ".join(f"{r:.2f}" for r in round_ratios) + "  (goal >= 0.5x; p99 goal < 100 ms)"
    )
    load_after = os.getloadavg()
    print(
        "load average (1/5/15 min): before "
        + "/".join(f"{x:.2f}" for x in load_before)
        + ", after "
        + "/".join(f"{x:.2f}" for x in load_after)
        + f" on {os.cpu_count()} CPUs"
    )
    return 0 if not any(r["errors"] for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
