"""The admin changelists of the big tables at scale: p50 / p90 of each page, on PostgreSQL.

    make bench-admin        # or: .venv/bin/python bench/admin_lists.py [--requests 15]

Runs against a copy (``<BENCH_DATABASE_URL's name>_admin``) of the expiry benchmark's base
database (``--orders`` / ``--due`` choose which; ``make bench-expiry ORDERS=1000000 DUE=200000``
makes the one with a million orders, a million events and a million carrier messages;
``bench/expiry.py --orders 1000000 --due 200000 --only project --rounds 0`` builds it without
running the expiry), to which
the notices' deliveries are added once (``<name>_adminbase_<orders>_<due>``, kept for the next
run). Each page is fetched ``--requests`` times in this process through Django's test client,
logged in as a superuser, after one untimed warm-up: the unfiltered list, a filter on an indexed
column, and page 50 of the list. Each request alternates with one of the floor: the carriers'
changelist (four rows, the same admin page around them), so that the ratio says what the rows
of a big table cost over the admin's own page on this machine at this moment.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/courier_e17_bench"

PAGES = [
    ("orders", "/admin/orders/order/"),
    ("orders, status=placed", "/admin/orders/order/?status__exact=placed"),
    ("orders, page 50", "/admin/orders/order/?p=50"),
    ("order events", "/admin/orders/orderevent/"),
    ("order events, new_status=placed", "/admin/orders/orderevent/?new_status__exact=placed"),
    ("carrier messages", "/admin/orders/outboxmessage/"),
    ("carrier messages, status=sent", "/admin/orders/outboxmessage/?status__exact=sent"),
    ("deliveries", "/admin/notifications/delivery/"),
    ("deliveries, status=failed", "/admin/notifications/delivery/?status__exact=failed"),
    ("everything sent", "/admin/delivery/message/"),
    ("everything sent, channel=carrier", "/admin/delivery/message/?channel__exact=carrier"),
]
FLOOR = "/admin/carriers/carrier/"

# The base has the notices but not their deliveries: each notice in the inbox, by e-mail to one user
# in four and by SMS to one in twenty (one SMS in fifty a dead letter), as the notices' own time.
DELIVERIES = """
INSERT INTO delivery_message (id, channel, event_type, subject, rank, recipient, payload, status, attempts,
    next_attempt_at, last_attempt_at, last_error, created_at, sent_at)
SELECT gen_random_uuid(), c.channel, n.kind, 'notification:' || n.id, 0, n.user_id::text, '{}',
    CASE WHEN c.channel = 'sms' AND n.id % 50 = 0 THEN 'failed' ELSE 'sent' END, 1, n.created_at, n.created_at,
    CASE WHEN c.channel = 'sms' AND n.id % 50 = 0 THEN 'provider refused the number' ELSE '' END,
    n.created_at, CASE WHEN c.channel = 'sms' AND n.id % 50 = 0 THEN NULL ELSE n.created_at END
FROM notifications_notification n CROSS JOIN (VALUES ('in_app'), ('email'), ('sms')) AS c (channel)
WHERE c.channel = 'in_app' OR (c.channel = 'email' AND n.user_id % 4 = 0)
    OR (c.channel = 'sms' AND n.user_id % 20 = 0)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=15)
    args = parser.parse_args()

    url = urlparse(os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    prefix = url.path.lstrip("/")
    base = f"{prefix}_base_{args.orders}_{args.due}"
    with_deliveries = f"{prefix}_adminbase_{args.orders}_{args.due}"
    work = f"{prefix}_admin"
    import psycopg2

    admin = psycopg2.connect(
        host=url.hostname, port=url.port or 5432, user=url.username or "postgres", dbname="postgres"
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [base])
        if cursor.fetchone() is None:
            print(f"no {base}: run make bench-expiry ORDERS={args.orders} DUE={args.due} first")
            return 2
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [with_deliveries])
        if cursor.fetchone() is None:
            print(f"creating {with_deliveries}: {base} and the notices' deliveries …", flush=True)
            cursor.execute(f'CREATE DATABASE "{with_deliveries}" TEMPLATE "{base}"')
            filled = psycopg2.connect(
                host=url.hostname,
                port=url.port or 5432,
                user=url.username or "postgres",
                dbname=with_deliveries,
            )
            filled.autocommit = True
            with filled.cursor() as fill:
                fill.execute(DELIVERIES)
                fill.execute("VACUUM ANALYZE")
            filled.close()
        cursor.execute(f'DROP DATABASE IF EXISTS "{work}"')
        cursor.execute(f'CREATE DATABASE "{work}" TEMPLATE "{with_deliveries}"')

    os.environ.update(
        {
            "DATABASE_URL": url._replace(path=f"/{work}").geturl(),
            "DJANGO_SETTINGS_MODULE": "courier_platform.settings",
            "SECRET_KEY": "bench-admin-" + uuid.uuid4().hex * 2,
            "DEBUG": "0",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from accounts.models import User

    call_command("migrate", "--noinput", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        tables = ("orders_order", "orders_orderevent", "orders_outboxmessage", "notifications_notification")
        for table in (*tables, "delivery_message"):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
            print(f"{table}: {cursor.fetchone()[0]} rows")
    superuser = User.objects.create_superuser("bench-admin@bench.test", None)
    client = Client()
    client.force_login(superuser)

    def timed(path: str) -> float:
        started = time.perf_counter()
        response = client.get(path, secure=True)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (path, response.status_code)
        return elapsed

    print(f"\n{'page':36s} {'p50 ms':>8s} {'p90 ms':>8s} {'floor p50':>10s} {'ratio':>6s}")
    for name, path in PAGES:
        timed(path)
        timed(FLOOR)
        times, floor = [], []
        for _ in range(args.requests):
            times.append(timed(path))
            floor.append(timed(FLOOR))
        times.sort()
        p50, p90 = statistics.median(times), times[int(len(times) * 0.9) - 1]
        floor_p50 = statistics.median(floor)
        print(f"{name:36s} {p50:8.1f} {p90:8.1f} {floor_p50:10.1f} {p50 / floor_p50:6.2f}", flush=True)
    print("load average: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    connection.close()
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{work}"')
    admin.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
