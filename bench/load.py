"""A mixed workload on the running platform (Locust): browse, quote, book, follow, carrier callbacks.

    make bench-load                 # or: .venv/bin/python bench/load.py [--users 40] [--seconds 60]

The platform is served by gunicorn (``--workers`` sync workers, 4 by default) with production
settings on PostgreSQL (``BENCH_DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/courier_bench``, created, migrated and seeded here: the demo
carriers, customers with API tokens, orders in transit for the carrier's scans). Locust then runs
headless for ``--seconds`` with ``--users`` simulated people:

- visitors (weight 3): the booking page, the carrier pages, a price estimate (no login);
- customers (weight 4): quotes, a booking, their order list and the booked order;
- a carrier (weight 2): signed ``order.in_transit`` scans, as Standard Webhooks callbacks.

The throttles are raised for the run (every simulated person comes from 127.0.0.1). Printed:
Locust's table (requests, failures, median / p95 / p99 ms, requests per second per endpoint) and
the machine's load average; the CSVs are kept under ``var/bench-load*``.

This module is also the locustfile: ``main()`` prepares and serves, then runs ``locust -f`` on it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import os
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from locust import HttpUser, between, task

ROOT = Path(__file__).resolve().parent.parent
SHANGHAI = timezone(timedelta(hours=8))
CARRIER = "swift-express"
_msg_ids = itertools.count(1)


def _config() -> dict:
    return json.loads(os.environ["BENCH_LOAD_CONFIG"])


def _shipment() -> dict:
    """A parcel with a pickup window tomorrow morning, inside the carrier's hours."""
    tomorrow = (datetime.now(SHANGHAI) + timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    return {
        "sender": {
            "name": "张三",
            "phone": "13800138000",
            "province": "广东省",
            "city": "深圳市",
            "district": "南山区",
            "address": "科技园科苑路1号",
        },
        "recipient": {
            "name": "李四",
            "phone": "13900139000",
            "province": "北京市",
            "city": "北京市",
            "district": "朝阳区",
            "address": "建国路88号",
        },
        "pickup_window": {
            "start": tomorrow.isoformat(),
            "end": (tomorrow + timedelta(hours=2)).isoformat(),
        },
        "weight_kg": "1.5",
        "dimensions_cm": {"length": 30, "width": 20, "height": 10},
        "item_type": "clothing",
        "description": "冬季外套",
        "quantity": 1,
        "declared_value": "500.00",
        "insured": True,
    }


class Visitor(HttpUser):
    weight = 3
    wait_time = between(0.5, 2)

    @task(3)
    def booking_page(self):
        self.client.get("/", name="page /")

    @task(2)
    def carrier_pages(self):
        self.client.get("/carriers/", name="page /carriers/")
        self.client.get(f"/carriers/{CARRIER}/", name="page /carriers/{code}/")

    @task(2)
    def estimate(self):
        body = {
            "from": {"province": "广东省", "city": "深圳市", "district": "南山区"},
            "to": {"province": "北京市", "city": "北京市", "district": "朝阳区"},
            "weight_kg": "2",
        }
        self.client.post("/api/v1/estimates/", json=body, name="POST /api/v1/estimates/")


class Customer(HttpUser):
    weight = 4
    wait_time = between(0.5, 2)

    def on_start(self):
        config = _config()
        self.client.headers["Authorization"] = f"Token {random.choice(config['tokens'])}"
        self.contract = config["contract"]
        self.booked: list[str] = []

    @task(3)
    def quote(self):
        self.client.post("/api/v1/quotes/", json=_shipment(), name="POST /api/v1/quotes/")

    @task(2)
    def book(self):
        body = {**_shipment(), "carrier": CARRIER, "contract_version": self.contract}
        with self.client.post(
            "/api/v1/orders/", json=body, name="POST /api/v1/orders/", catch_response=True
        ) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code} {response.text[:200]}")
                return
            self.booked.append(response.json()["number"])

    @task(4)
    def follow(self):
        self.client.get("/api/v1/orders/", name="GET /api/v1/orders/")
        if self.booked:
            self.client.get(
                f"/api/v1/orders/{random.choice(self.booked)}/", name="GET /api/v1/orders/{number}/"
            )


class Carrier(HttpUser):
    weight = 2
    wait_time = between(0.1, 0.5)

    def on_start(self):
        config = _config()
        self.key = base64.b64decode(config["secret"].removeprefix("whsec_"))
        self.numbers = config["numbers"]

    @task
    def scan(self):
        occurred = datetime.now(SHANGHAI) - timedelta(seconds=1)
        body = json.dumps(
            {
                "order": random.choice(self.numbers),
                "type": "order.in_transit",
                "occurred_at": occurred.isoformat(),
                "data": {"location": "深圳转运中心", "description": "已到达"},
            },
            ensure_ascii=False,
        ).encode()
        msg_id = f"msg_load_{os.getpid()}_{next(_msg_ids)}_{time.time_ns()}"
        timestamp = str(int(time.time()))
        digest = hmac.new(self.key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
        self.client.post(
            f"/api/v1/carriers/{CARRIER}/events/",
            data=body,
            headers={
                "Content-Type": "application/json",
                "webhook-id": msg_id,
                "webhook-timestamp": timestamp,
                "webhook-signature": "v1," + base64.b64encode(digest).decode(),
            },
            name="POST /api/v1/carriers/{code}/events/",
        )


# --- preparing and serving (not used by Locust's workers) ------------------------------------------


def _customers(database_url: str, count: int) -> tuple[list[str], str]:
    import subprocess

    from callbacks import PYTHON, _env

    script = f"""
import django, json
django.setup()
from rest_framework.authtoken.models import Token
from carriers.selectors import current_contract
from carriers.models import Carrier
from tests.factories import UserFactory
from django.contrib.auth import get_user_model
tokens = []
for i in range({count}):
    user = get_user_model().objects.filter(username=f"bench-load-{{i}}").first() or UserFactory(username=f"bench-load-{{i}}", phone=f"+8613955{{i:06d}}")
    tokens.append(Token.objects.get_or_create(user=user)[0].key)
print(json.dumps({{"tokens": tokens, "contract": current_contract(Carrier.objects.get(code={CARRIER!r})).version}}))
"""
    out = subprocess.run(
        [PYTHON, "-c", script],
        cwd=ROOT,
        env={**_env(database_url), "DEV_MODE": "1"},
        check=True,
        capture_output=True,
        text=True,
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return data["tokens"], data["contract"]


def main() -> int:
    import argparse
    import signal
    import subprocess
    import uuid

    sys.path.insert(0, str(ROOT / "bench"))
    from callbacks import PYTHON, _create_database, _env, _prepare, _serve

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=8720)
    args = parser.parse_args()

    database_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/courier_bench")
    _create_database(database_url)
    secret, numbers = _prepare(database_url, 200)
    tokens, contract = _customers(database_url, 20)
    env = {
        **_env(database_url),
        "SECRET_KEY": "bench-" + uuid.uuid4().hex * 2,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_COOKIES": "0",
        "LOG_LEVEL": "WARNING",
        # Every simulated person comes from 127.0.0.1.
        "ESTIMATES_RATE": "1000000/min",
        "ADDRESS_PARSE_RATE": "1000000/min",
        "LOGIN_RATE": "1000000/min",
        # Served by gunicorn, as in production; static files through WhiteNoise.
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    env.pop("DEV_MODE", None)
    env.pop("DEBUG", None)
    (ROOT / "var").mkdir(exist_ok=True)
    server = _serve("platform", "courier_platform.wsgi:application", args.port, env, args.workers)
    load_before = os.getloadavg()
    try:
        locust = [
            str(Path(PYTHON).with_name("locust")),
            "-f",
            str(Path(__file__).resolve()),
            "--headless",
            "--users",
            str(args.users),
            "--spawn-rate",
            str(args.spawn_rate),
            "--run-time",
            f"{args.seconds}s",
            "--host",
            f"http://127.0.0.1:{args.port}",
            "--csv",
            str(ROOT / "var" / "bench-load"),
            "--only-summary",
            "--exit-code-on-error",
            "0",
        ]
        config = {"secret": secret, "numbers": numbers, "tokens": tokens, "contract": contract}
        subprocess.run(
            locust, cwd=ROOT, env={**os.environ, "BENCH_LOAD_CONFIG": json.dumps(config)}, check=True
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print(f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}; {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
