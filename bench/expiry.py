"""The midnight expiry at scale: the project's job against a one-statement SQL floor, on PostgreSQL.

    make bench-expiry                 # or: .venv/bin/python bench/expiry.py --orders 200000 --due 40000

A base database (``BENCH_DATABASE_URL``'s name + ``_base_<orders>_<due>``) is created, migrated and
filled once: the four demo carriers, one user per five orders (languages zh-hans / zh-hant / en / none,
a quarter with an e-mail address, one in twenty with SMS chosen), ``--orders`` orders each with its
``placed`` event and its sent ``order.created`` message (and the accepted ones their notice), of which ``--due`` are past their deadline
(placed, dispatching, or accepted with an open pickup exception; one in 67 deleted by its user).
Every run copies the base (``CREATE DATABASE … TEMPLATE``) and expires the copy, in a fresh process:

- **project**: ``orders.services.expiry.orders_expire_due`` as the beat job runs it (production
  settings: ``EXPIRY_WORKERS`` threads, 2 on PostgreSQL unless the environment says otherwise), with the
  Celery broker on Redis (``BENCH_REDIS_URL``, flushed before each run) so that the tasks it
  enqueues are counted from the broker's queues afterwards;
- **floor**: one SQL statement (writable CTEs) that writes exactly the same rows: the order updates,
  the events, the carrier messages and their links, the notices in the owner's language and their
  deliveries. It enqueues nothing.

Runs alternate project / floor (``--rounds``). Printed per run: seconds, orders per second, peak
memory (max RSS of the process), tasks enqueued, the rows written, and a digest of their content
(which must be equal for both); then the ratio of the medians, project ÷ floor.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/courier_e17_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/5"
NUMBER = "\x1fNUMBER\x1f"  # stands for the order number in the floor's text templates


# --- the orchestrating process --------------------------------------------------------------------


def _admin_connection(url):
    import psycopg2

    conn = psycopg2.connect(
        host=url.hostname, port=url.port or 5432, user=url.username or "postgres", dbname="postgres"
    )
    conn.autocommit = True
    return conn


def _url_for(url, name: str) -> str:
    return url._replace(path=f"/{name}").geturl()


def _child(mode: str, database_url: str, extra: dict[str, str]) -> tuple[dict, float]:
    """Run this file in ``mode`` in a fresh process; returns its JSON answer and its peak RSS (MB)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "courier_platform.settings",
        "PYTHONPATH": str(ROOT),
        **extra,
    }
    process = subprocess.Popen([PYTHON, __file__, mode], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    out = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    if status:
        raise RuntimeError(f"{mode} failed (status {status})")
    return json.loads(out.strip().splitlines()[-1]), usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--due", type=int, default=40_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--only", choices=["project", "floor"], help="run one side only")
    parser.add_argument(
        "--profile", metavar="FILE", help="run the project's job under cProfile, stats to FILE"
    )
    args = parser.parse_args()
    if not 0 < args.due <= args.orders:
        parser.error("need 0 < due <= orders")

    url = urlparse(os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    prefix = url.path.lstrip("/")
    base = f"{prefix}_base_{args.orders}_{args.due}"
    work = f"{prefix}_run_{args.orders}_{args.due}"
    admin = _admin_connection(url)
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [base])
        if cursor.fetchone() is None:
            print(f"creating {base}: {args.orders} orders, {args.due} due …", flush=True)
            cursor.execute(f'CREATE DATABASE "{base}"')
            started = time.perf_counter()
            try:
                _child(
                    "populate",
                    _url_for(url, base),
                    {"DEV_MODE": "1", "BENCH_ORDERS": str(args.orders), "BENCH_DUE": str(args.due)},
                )
            except BaseException:
                cursor.execute(f'DROP DATABASE "{base}"')
                raise
            print(f"  filled in {time.perf_counter() - started:.0f} s", flush=True)

    sides = [args.only] if args.only else ["project", "floor"]
    results: dict[str, list[dict]] = {side: [] for side in sides}
    for round_number in range(args.rounds):
        for side in sides if round_number % 2 == 0 else reversed(sides):
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{work}"')
                cursor.execute(f'CREATE DATABASE "{work}" TEMPLATE "{base}"')
            # Production settings: no DEV_MODE, a real secret, DEBUG off.
            extra = {
                "BENCH_REDIS_URL": os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS),
                "SECRET_KEY": "bench-expiry-" + uuid.uuid4().hex * 2,
                "DEBUG": "0",
            }
            if args.profile and side == "project":
                extra["BENCH_PROFILE"] = str(Path(args.profile).resolve())
            answer, peak_mb = _child(side, _url_for(url, work), extra)
            answer["peak_mb"] = round(peak_mb, 1)
            answer["rate"] = round(answer["rows"]["orders"] / answer["seconds"])
            results[side].append(answer)
            print(
                f"{side:8s} {answer['seconds']:7.2f} s  {answer['rate']:7d} orders/s  "
                f"peak {answer['peak_mb']:6.1f} MB  tasks {answer['tasks']:6d}  "
                f"rows {json.dumps(answer['rows'])}  digest {answer['digest']}",
                flush=True,
            )
            if side == "project":
                rerun = answer.get("rerun_seconds")
                print(f"         rerun {rerun:.2f} s, expired {answer['rerun_expired']} again", flush=True)
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{work}"')
    admin.close()

    if len(sides) == 2:
        project = statistics.median(r["seconds"] for r in results["project"])
        floor = statistics.median(r["seconds"] for r in results["floor"])
        same = {r["digest"] for r in results["project"]} == {r["digest"] for r in results["floor"]}
        print(
            f"\n{args.orders} orders, {args.due} due: project {project:.2f} s, floor {floor:.2f} s, "
            f"ratio {project / floor:.2f}x; same rows: {'yes' if same else 'NO'}"
        )
        return 0 if same else 1
    return 0


# --- the child processes --------------------------------------------------------------------------


def _setup(*, migrate: bool = True):
    import django

    django.setup()
    if migrate:  # a base made by an older checkout gets the newer migrations (untimed)
        from django.core.management import call_command

        call_command("migrate", "--noinput", verbosity=0)


def _columns(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def _copy_rows(cursor, *, table: str, template_where: str, count_sql: str, overrides: dict[str, str]) -> None:
    """INSERT … SELECT copies of one template row, ``i`` running over ``count_sql``; ``overrides``
    maps columns to SQL expressions of ``i`` and of the template row ``t``."""
    columns = [c for c in _columns(cursor, table) if c != "id" or "id" in overrides]
    select = ", ".join(overrides.get(c, f't."{c}"') for c in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    cursor.execute(
        f'INSERT INTO "{table}" ({names}) '  # noqa: S608
        f'SELECT {select} FROM "{table}" t, generate_series(0::bigint, {count_sql} - 1) AS i WHERE {template_where}'
    )


def populate() -> None:
    _setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", "--noinput", verbosity=0)

    from carriers.demo import seed_demo_carriers
    from carriers.selectors import current_contract
    from orders.tests.factories import OrderFactory, OrderUserFactory

    orders = int(os.environ["BENCH_ORDERS"])
    due = int(os.environ["BENCH_DUE"])
    users = max(orders // 5, 1)
    now = datetime.now(UTC).replace(microsecond=0)
    carriers = list(seed_demo_carriers().values())
    template_user = OrderUserFactory(username="bench-template", email=None, phone=None)
    templates = [
        OrderFactory(carrier=carrier, contract=current_contract(carrier), user=template_user, number=f"T{n}")
        for n, carrier in enumerate(carriers)
    ]
    every = orders / due  # order i is due when floor(i / every) changes: exactly `due` of them
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_meta (now timestamptz NOT NULL, orders int, due int)")
        cursor.execute("INSERT INTO bench_meta VALUES (%s, %s, %s)", [now, orders, due])
        _copy_rows(
            cursor,
            table="accounts_user",
            template_where=f"t.id = {template_user.pk}",
            count_sql=str(users),
            overrides={
                "username": "'bench' || i",
                "email": "CASE WHEN i % 4 = 0 THEN 'u' || i || '@bench.test' END",
                "phone": "'+86139' || lpad(i::text, 8, '0')",
                "language": "(ARRAY['zh-hans', 'zh-hant', 'en', ''])[i % 4 + 1]",
                "notification_channels": "CASE WHEN i % 20 = 0 THEN '{\"sms\": true}'::jsonb "
                "ELSE t.notification_channels END",
            },
        )
        cursor.execute(
            "SELECT min(id) FROM accounts_user WHERE username LIKE 'bench%%' AND username <> %s",
            [template_user.username],
        )
        first_user = cursor.fetchone()[0]
        is_due = f"(floor((i + 1) / {every}::float8) > floor(i / {every}::float8))"
        n_carriers = len(templates)
        k = f"floor(i / {every}::float8)::int"  # the due order's rank among the due
        stamp = f"'{now.isoformat()}'::timestamptz"
        overrides = {
            "number": "'B' || lpad(i::text, 10, '0')",
            "user_id": f"{first_user} + (i * 7919) % {users}",
            "status": f"CASE WHEN {is_due} THEN (ARRAY['placed','placed','placed','dispatching','dispatching',"
            f"'placed','dispatching','placed','accepted','accepted'])[{k} % 10 + 1] "
            "WHEN i % 3 = 0 THEN 'placed' ELSE 'in_transit' END",
            "deadline": f"CASE WHEN {is_due} THEN {stamp} - make_interval(secs => 60 + (i * 37) % 80000) "
            f"WHEN i % 3 = 0 THEN {stamp} + make_interval(secs => 3600 + (i * 37) % 80000) END",
            "exception_code": f"CASE WHEN {is_due} AND {k} % 10 >= 8 THEN 'unreachable' ELSE '' END",
            "hidden_by_user_at": f"CASE WHEN i % 67 = 5 THEN {stamp} - interval '1 hour' END",
            "created_at": f"{stamp} - make_interval(secs => 86400 + (i * 37) % 80000)",
            "status_changed_at": f"{stamp} - make_interval(secs => 86400 + (i * 37) % 80000)",
            "updated_at": f"{stamp} - make_interval(secs => 86400 + (i * 37) % 80000)",
            "pickup_code": "lpad(((i * 104729) % 1000000)::text, 6, '0')",
        }
        for position, template in enumerate(templates):
            per = f"(({orders} - {position} + {n_carriers} - 1) / {n_carriers})"
            # order i belongs to template i % n_carriers; j is its index among that template's copies
            index = f"(j * {n_carriers} + {position})"
            columns = [c for c in _columns(cursor, "orders_order") if c != "id"]
            select = ", ".join(
                _substitute(overrides[c], index) if c in overrides else f't."{c}"' for c in columns
            )
            names = ", ".join(f'"{c}"' for c in columns)
            cursor.execute(
                f"INSERT INTO orders_order ({names}) "  # noqa: S608
                f"SELECT {select} FROM orders_order t, generate_series(0::bigint, {per} - 1) AS j "
                f"WHERE t.id = {template.pk}"
            )
        cursor.execute("DELETE FROM orders_order WHERE number LIKE 'T%%'")
        cursor.execute("DELETE FROM accounts_user WHERE id = %s", [template_user.pk])
        # Each order's history as the platform would have it: its placed event, its order.created sent.
        cursor.execute(
            "INSERT INTO orders_orderevent (order_id, kind, old_status, new_status, actor, source_event_id, "
            "occurred_at, created_at, note, data) SELECT id, 'status', '', 'placed', 'user', '', created_at, "
            "created_at, '', '{}' FROM orders_order"
        )
        cursor.execute(
            "CREATE TEMP TABLE created_messages AS SELECT gen_random_uuid() AS mid, id, carrier_id, created_at "
            "FROM orders_order"
        )
        cursor.execute(
            "INSERT INTO delivery_message (id, channel, event_type, subject, rank, recipient, payload, status, "
            "attempts, next_attempt_at, last_attempt_at, last_error, created_at, sent_at) "
            "SELECT mid, 'carrier', 'order.created', 'order:' || id, 0, carrier_id::text, '{}', 'sent', 1, "
            "created_at, created_at, '', created_at, created_at FROM created_messages"
        )
        cursor.execute(
            "INSERT INTO orders_outboxmessage (message_id, order_id, carrier_id) "
            "SELECT mid, id, carrier_id FROM created_messages"
        )
        # The courier-assigned notice of every order that got one (the inbox is never empty).
        cursor.execute(
            "INSERT INTO notifications_notification (user_id, kind, title, body, order_id, requires_action, "
            "data, dedupe_key, created_at) SELECT user_id, 'accepted', 'accepted ' || number, '', id, false, "
            "'{}', 'order:' || id || ':accepted', created_at FROM orders_order "
            "WHERE status IN ('accepted', 'in_transit')"
        )
        cursor.execute("SELECT count(*) FROM orders_order WHERE deadline <= %s", [now])
        counted_due = cursor.fetchone()[0]
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(json.dumps({"orders": orders, "due": counted_due}))


def _substitute(expression: str, index: str) -> str:
    """``expression`` with its variable ``i`` replaced by ``index`` (whole words only)."""
    import re

    return re.sub(r"\bi\b", index, expression)


def _as_of() -> datetime:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT now FROM bench_meta")
        return cursor.fetchone()[0]


def _digest() -> tuple[dict, str]:
    """The rows the expiry wrote and an md5 of their content (ids and wall-clock times left out)."""
    from django.db import connection

    queries = {
        "orders": "SELECT count(*), md5(string_agg(concat_ws('|', number, status, status_changed_at, deadline), "
        "',' ORDER BY number)) FROM orders_order WHERE status = 'expired'",
        "events": "SELECT count(*), md5(string_agg(concat_ws('|', o.number, e.kind, e.old_status, e.new_status, "
        "e.actor, e.occurred_at, e.data::text, e.note), ',' ORDER BY o.number)) FROM orders_orderevent e "
        "JOIN orders_order o ON o.id = e.order_id WHERE e.new_status = 'expired'",
        "messages": "SELECT count(*), md5(string_agg(concat_ws('|', o.number, m.channel, m.event_type, m.subject, "
        "m.rank, m.recipient, m.payload::text, m.status, m.attempts), ',' ORDER BY o.number)) "
        "FROM delivery_message m JOIN orders_outboxmessage l ON l.message_id = m.id "
        "JOIN orders_order o ON o.id = l.order_id WHERE m.event_type = 'order.expired'",
        "notifications": "SELECT count(*), md5(string_agg(concat_ws('|', o.number, n.user_id, n.kind, n.title, "
        "n.body, n.requires_action, n.data::text, n.dedupe_key), ',' ORDER BY o.number)) "
        "FROM notifications_notification n JOIN orders_order o ON o.id = n.order_id WHERE n.kind = 'expired'",
        "deliveries": "SELECT count(*), md5(string_agg(concat_ws('|', o.number, m.channel, m.event_type, "
        "m.rank, m.recipient, m.payload::text, m.status, m.attempts, m.sent_at IS NULL), ',' "
        "ORDER BY o.number, m.channel)) FROM delivery_message m "
        "JOIN notifications_notification n ON m.subject = 'notification:' || n.id "
        "JOIN orders_order o ON o.id = n.order_id WHERE n.kind = 'expired'",
    }
    rows: dict[str, int] = {}
    digests = []
    with connection.cursor() as cursor:
        for name, sql in queries.items():
            cursor.execute(sql)
            count, digest = cursor.fetchone()
            rows[name] = count
            digests.append(digest or "")
    import hashlib

    return rows, hashlib.md5("".join(digests).encode()).hexdigest()[:12]  # noqa: S324


def _tasks_enqueued(redis_url: str, *, flush: bool) -> int:
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(redis_url)
    # Every queue the settings declare (carrier messages, notifications, expiry, periodic, default).
    count = sum(client.llen(queue.name) for queue in settings.CELERY_TASK_QUEUES)
    if flush:
        client.flushdb()
    return count


def project() -> None:
    redis_url = os.environ["BENCH_REDIS_URL"]
    os.environ["CELERY_BROKER_URL"] = redis_url
    _setup()
    _tasks_enqueued(redis_url, flush=True)
    import logging

    from orders.services.expiry import orders_expire_due

    logging.disable(logging.INFO)
    now = _as_of() + timedelta(minutes=1)
    profile_to = os.environ.get("BENCH_PROFILE")
    if profile_to:  # --profile: the run under cProfile (its time is then not comparable)
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    expired = orders_expire_due(now=now)
    seconds = time.perf_counter() - started
    if profile_to:
        profiler.disable()
        profiler.dump_stats(profile_to)
    tasks = _tasks_enqueued(redis_url, flush=False)
    started = time.perf_counter()
    again = orders_expire_due(now=now)
    rerun = time.perf_counter() - started
    _tasks_enqueued(redis_url, flush=True)
    rows, digest = _digest()
    assert rows["orders"] == expired, (rows, expired)
    answer = {"seconds": seconds, "tasks": tasks, "rows": rows, "digest": digest}
    print(json.dumps(answer | {"rerun_seconds": rerun, "rerun_expired": again}))


def _floor_texts() -> list[tuple[str, str, str, str]]:
    """(language, reason, title, body) of the ``expired`` notice, rendered by the project's texts with
    a stand-in for the number: the floor substitutes it per order in SQL."""
    from django.conf import settings
    from django.utils import translation

    from notifications.texts import render
    from orders.models import Order

    texts = []
    for language in [code for code, _name in settings.LANGUAGES]:
        for reason in ("not_accepted", "exception_unresolved"):
            order = Order(
                number=NUMBER, exception_code="unreachable" if reason == "exception_unresolved" else ""
            )
            with translation.override(language):
                title, body = render(kind="expired", order=order, context=None)
            texts.append((language, reason, str(title), str(body)))
    return texts


FLOOR = """
WITH texts AS (
    SELECT * FROM jsonb_to_recordset(%(texts)s::jsonb) AS t (language text, reason text, title text, body text)
),
picked AS (
    SELECT id, status AS old_status, deadline AS old_deadline,
           GREATEST(deadline, status_changed_at) AS occurred_at
    FROM orders_order
    WHERE status IN ('placed', 'dispatching', 'accepted') AND deadline <= %(now)s
    FOR UPDATE
),
expired AS (
    UPDATE orders_order o
    SET status = 'expired', status_changed_at = p.occurred_at, deadline = NULL, updated_at = %(wall)s
    FROM picked p
    WHERE o.id = p.id
    RETURNING o.id, o.number, o.carrier_id, o.user_id, o.hidden_by_user_at, p.old_status, p.old_deadline,
              p.occurred_at, CASE WHEN o.exception_code <> '' THEN 'exception_unresolved'
                                  ELSE 'not_accepted' END AS reason,
              gen_random_uuid() AS message_id
),
events AS (
    INSERT INTO orders_orderevent (order_id, kind, old_status, new_status, actor, source_event_id,
                                   occurred_at, created_at, note, data)
    SELECT id, 'status', old_status, 'expired', 'system', '', occurred_at, %(wall)s, '',
           jsonb_build_object('reason', reason)
    FROM expired
),
messages AS (
    INSERT INTO delivery_message (id, channel, event_type, subject, rank, recipient, payload, status,
                                  attempts, next_attempt_at, last_error, created_at)
    SELECT message_id, 'carrier', 'order.expired', 'order:' || id, 1, carrier_id::text,
           jsonb_build_object('order', number, 'reason', reason,
                              'deadline', {local_deadline}, 'occurred_at', {local_occurred}),
           'pending', 0, %(due)s, '', %(wall)s
    FROM expired
    RETURNING id
),
links AS (
    INSERT INTO orders_outboxmessage (message_id, order_id, carrier_id)
    SELECT message_id, id, carrier_id FROM expired
),
notices AS (
    INSERT INTO notifications_notification (user_id, kind, title, body, order_id, requires_action, data,
                                            dedupe_key, created_at)
    SELECT e.user_id, 'expired', left(replace(t.title, %(number)s, e.number), 200),
           replace(t.body, %(number)s, e.number), e.id, true, '{{}}', 'order:' || e.id || ':expired', %(wall)s
    FROM expired e
    JOIN accounts_user u ON u.id = e.user_id
    JOIN texts t ON t.reason = e.reason
        AND t.language = CASE WHEN lower(u.language) IN (SELECT language FROM texts) THEN lower(u.language)
                              ELSE 'zh-hans' END
    WHERE e.hidden_by_user_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM notifications_notification n
                      WHERE n.user_id = e.user_id AND n.dedupe_key = 'order:' || e.id || ':expired')
    RETURNING id, user_id
)
INSERT INTO delivery_message (id, channel, event_type, subject, rank, recipient, payload, status, attempts,
                              next_attempt_at, last_attempt_at, last_error, created_at, sent_at)
SELECT gen_random_uuid(), c.channel, 'expired', 'notification:' || n.id, 0, n.user_id::text, '{{}}',
       CASE WHEN c.channel = 'in_app' THEN 'sent' ELSE 'pending' END,
       CASE WHEN c.channel = 'in_app' THEN 1 ELSE 0 END, %(due)s,
       CASE WHEN c.channel = 'in_app' THEN %(wall)s END, '', %(wall)s,
       CASE WHEN c.channel = 'in_app' THEN %(wall)s END
FROM notices n
JOIN accounts_user u ON u.id = n.user_id
CROSS JOIN LATERAL (
    SELECT 'in_app' AS channel
    UNION ALL SELECT 'email' WHERE %(email_on)s AND coalesce(u.email, '') <> ''
        AND coalesce((u.notification_channels ->> 'email')::boolean, true)
    -- the expiry notice goes by SMS to every mainland mobile (the bench's phones all are)
    UNION ALL SELECT 'sms' WHERE %(sms_on)s AND u.phone ~ '^[+]861[3-9][0-9]{{9}}$'

) c
"""


def _local(column: str) -> str:
    return f"""to_char({column} AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS"+08:00"')"""


def floor() -> None:
    _setup()
    from django.conf import settings
    from django.db import connection, transaction

    texts = _floor_texts()
    now = _as_of() + timedelta(minutes=1)
    statement = FLOOR.format(local_deadline=_local("old_deadline"), local_occurred=_local("occurred_at"))
    started = time.perf_counter()
    wall = datetime.now(UTC)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            statement,
            {
                "texts": json.dumps(
                    [dict(zip(("language", "reason", "title", "body"), t, strict=True)) for t in texts]
                ),
                "now": now,
                "wall": wall,
                "due": wall + timedelta(seconds=settings.DELIVERY_SWEEP_GRACE_SECONDS),
                "number": NUMBER,
                "email_on": "email" in settings.NOTIFICATIONS_CHANNELS,
                "sms_on": "sms" in settings.NOTIFICATIONS_CHANNELS,
            },
        )
    seconds = time.perf_counter() - started
    rows, digest = _digest()
    print(json.dumps({"seconds": seconds, "tasks": 0, "rows": rows, "digest": digest}))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in {"populate", "project", "floor"}:
        {"populate": populate, "project": project, "floor": floor}[sys.argv[1]]()
        sys.exit(0)
    sys.exit(main())
