"""A broadcast to every user in bounded memory, on PostgreSQL (DESIGN §11).

    make bench-broadcast            # or: .venv/bin/python bench/broadcast.py [--sizes 10000 100000]

For each size the database (``BENCH_DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/courier_bench``, created and migrated here) is given exactly
that many active users (one in ten with an e-mail address, languages mixed), then a fresh process
publishes a service-fee announcement and runs its broadcast to the end, as the worker would
(``notifications.broadcasts.broadcast_send``). Printed per size: users told, seconds, the process's
peak RSS (``ru_maxrss``) and its growth over the RSS before the broadcast. Bounded memory means the
peak is flat from 10,000 to 100,000 users. E-mail deliveries are queued (one task per batch) to an
in-memory broker and not sent: the bench measures the broadcast, not SMTP.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/courier_bench"


def _env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "courier_platform.settings",
        "PYTHONPATH": str(ROOT),
        "DEV_MODE": "1",
        "DEBUG": "0",  # no query log: it would grow with the work, not with the broadcast
        "LOG_LEVEL": "WARNING",
        "CELERY_BROKER_URL": "memory://",
        "CELERY_TASK_ALWAYS_EAGER": "0",
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


# Runs in its own process: exactly ``size`` active users, nothing else notified.
SEED = """
import django, sys
django.setup()
from django.contrib.auth.hashers import make_password
from django.db import connection
from accounts.models import User
from delivery.models import Message
from notifications.models import Broadcast, Notification
size = int(sys.argv[1])
Message.objects.filter(channel__in=["in_app", "email", "sms"]).delete()
Notification.objects.all().delete()
Broadcast.objects.all().delete()
with connection.cursor() as cursor:
    cursor.execute("DELETE FROM accounts_user WHERE username LIKE 'bench-%%'")
User.objects.update(is_active=False)
password = make_password(None)  # unusable: nobody logs in
languages = ["zh-hans", "zh-hant", "en", ""]
for start in range(0, size, 5000):
    User.objects.bulk_create(
        User(
            username=f"bench-{i:07d}",
            phone=f"+86139{i:08d}",
            email=f"bench{i}@example.com" if i % 10 == 0 else None,
            password=password,
            language=languages[i % 4],
        )
        for i in range(start, min(start + 5000, size))
    )
print(User.objects.filter(is_active=True).count())
"""

# Runs in a fresh process: publish and broadcast, then report memory.
BROADCAST = """
import django, json, resource, time
from datetime import timedelta
django.setup()
from django.db import transaction
from django.utils import timezone
from accounts.models import ServiceFeeAnnouncement
from accounts.services.service_fee import service_fee_announcement_publish
from notifications import tasks
from notifications.broadcasts import broadcast_send
from notifications.models import Broadcast, Notification
queued = []
tasks.broadcast_queue = queued.append  # the worker's part is run here, below
rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
with transaction.atomic():
    announcement = ServiceFeeAnnouncement.objects.create(fee="1.00", effective_at=timezone.now() + timedelta(days=30))
    service_fee_announcement_publish(announcement=announcement)
told = broadcast_send(broadcast_id=Broadcast.objects.get().pk)
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
assert told == Notification.objects.count(), (told, Notification.objects.count())
print(json.dumps({"told": told, "seconds": seconds, "rss_before_kb": rss_before, "peak_kb": peak}))
"""


def _run(script: str, env: dict[str, str], *args: str) -> str:
    out = subprocess.run([PYTHON, "-c", script, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode:
        sys.exit(out.stderr)
    return out.stdout.strip().splitlines()[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    _create_database(database_url)
    env = _env(database_url)
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)

    print(
        f"{'users':>9} {'told':>9} {'seconds':>8} {'users/s':>8} {'RSS before':>11} {'peak RSS':>9} {'growth':>8}"
    )
    peaks = []
    for size in args.sizes:
        assert int(_run(SEED, env, str(size))) == size
        result = json.loads(_run(BROADCAST, env))
        peaks.append(result["peak_kb"])
        growth = result["peak_kb"] - result["rss_before_kb"]
        print(
            f"{size:>9,} {result['told']:>9,} {result['seconds']:>8.1f} {result['told'] / result['seconds']:>8,.0f}"
            f" {result['rss_before_kb'] / 1024:>9.1f}MB {result['peak_kb'] / 1024:>7.1f}MB"
            f" {growth / 1024:>6.1f}MB"
        )
    if len(peaks) > 1:
        print(f"peak RSS at {args.sizes[-1]:,} ÷ at {args.sizes[0]:,}: {peaks[-1] / peaks[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
