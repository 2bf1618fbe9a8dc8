"""The platform as ``make run`` starts it: web, a real Celery worker and a real beat, a real broker.

Nothing is eager and nothing is mocked. The test books two orders with the carrier simulator on:
one while the broker is up (queued on commit, sent by the worker) and one while the booking process
cannot reach the broker (left pending, sent by beat's outbox sweeper). Both are pushed to the demo
carrier, whose simulator posts signed callbacks to the web process until both orders are signed
(the test plays the sender who tells the courier the pickup code at the door).

Database: the web process, the worker and beat must share one, so this test does not use
pytest-django's test database (on SQLite that is in memory, invisible to other processes). It
makes its own: a SQLite file in a temporary folder by default, or — when ``DATABASE_URL`` points at
PostgreSQL, as in CI — a fresh database on that server, dropped afterwards. Broker: whatever
``CELERY_BROKER_URL`` says (Redis in CI, the filesystem broker locally), with a queue of the
test's own (see ``itest_settings``). Every process is stopped at the end, pass or fail.
"""

import json
import os
import signal
import socket
import sqlite3
import subprocess  # noqa: S404  (starts the project's own processes)
import sys
import time
import uuid
from contextlib import closing, contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

BASE = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))
DEADLINE = 420  # seconds for both orders to be signed once booked (usually ~150 s: up to two minutes of it wait for beat's simulator kick; generous for a loaded 2-core CI machine)
STEP_SECONDS = "0.5"

pytestmark = pytest.mark.integration

BOOK = """
import json
from datetime import timedelta
from decimal import Decimal
from django.utils import timezone
from accounts.demo import DEMO_PHONE
from accounts.models import User
from carriers.shipment import Party, Shipment
from orders.services.booking import order_place
from orders.clock import next_local_midnight

start = next_local_midnight(timezone.now()) + timedelta(hours=10)
shipment = Shipment(
    sender=Party("张三", "+8613800138000", "广东省", "深圳市", "南山区", "科技园科苑路1号"),
    recipient=Party("李四", "+8613900139000", "北京市", "北京市", "朝阳区", "建国路88号"),
    pickup_start=start,
    pickup_end=start + timedelta(hours=2),
    weight_kg=Decimal("1.5"),
    item_type="clothing",
    description="冬季外套",
)
order = order_place(user=User.objects.get(phone=DEMO_PHONE), shipment=shipment,
                    carrier_code="swift-express", contract_version="v1")
print(json.dumps({"id": order.pk, "number": order.number}))
"""

# The courier's moment comes hours after booking (the simulator collects inside the pickup window):
# the test moves the accepted orders' clocks back so that their windows have just ended, as if
# those hours had passed, and beat's simulator kick resumes them.
WINDOW_PASSED = """
from django.utils import timezone
from orders.models import Order, OrderEvent
now = timezone.now()
for order in Order.objects.filter(pk__in=%s):
    shift = order.pickup_end - now
    for event in OrderEvent.objects.filter(order=order):
        OrderEvent.objects.filter(pk=event.pk).update(occurred_at=event.occurred_at - shift)
    Order.objects.filter(pk=order.pk).update(
        pickup_start=order.pickup_start - shift,
        pickup_end=now,
        status_changed_at=order.status_changed_at - shift,
        updated_at=order.updated_at - shift,
    )
"""


def free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Database:
    """The test's own database, reachable from every process, and plain SQL for the assertions."""

    def __init__(self, tmp_path: Path):
        configured = os.environ.get("DATABASE_URL", "")
        self.postgres = configured.startswith(("postgres://", "postgresql://"))
        if self.postgres:
            parts = urlsplit(configured)
            self.name = f"courier_itest_{uuid.uuid4().hex[:12]}"
            self.url = urlunsplit(parts._replace(path=f"/{self.name}"))
            self.admin_url = urlunsplit(parts._replace(path="/postgres"))
        else:
            self.path = tmp_path / "db.sqlite3"
            self.url = f"sqlite:///{self.path}"

    def create(self) -> None:
        if self.postgres:
            self._admin(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        if self.postgres:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def _admin(self, statement: str) -> None:
        import psycopg2

        connection = psycopg2.connect(self.admin_url)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement)
        finally:
            connection.close()

    def rows(self, sql: str, *params) -> list[tuple]:
        """``sql`` uses ``%s`` placeholders on both engines."""
        if self.postgres:
            import psycopg2

            connection = psycopg2.connect(self.url)
        else:
            connection = sqlite3.connect(self.path, timeout=20)
            sql = sql.replace("%s", "?")
        try:
            cursor = connection.cursor()
            cursor.execute(sql, params)
            return cursor.fetchall()
        finally:
            connection.close()


class Platform:
    """web + worker + beat, started like Procfile.dev, logging to files in the test's folder."""

    def __init__(self, tmp_path: Path, database: Database):
        self.dir = tmp_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "PYTHONPATH": str(BASE),
            "DJANGO_SETTINGS_MODULE": "tests.integration.itest_settings",
            "DEV_MODE": "1",
            "DATABASE_URL": database.url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "CARRIER_SIMULATOR": "1",
            "PLATFORM_URL": self.url,
            "SIMULATOR_STEP_SECONDS": STEP_SECONDS,
            "SIMULATOR_PROBLEM_RATE": "0",
            "DELIVERY_SWEEP_GRACE_SECONDS": "1",
            "ITEST_DIR": str(tmp_path),
            "ITEST_QUEUE": f"itest-{uuid.uuid4().hex[:12]}",
        }
        self.processes: dict[str, subprocess.Popen] = {}

    def manage(self, *args: str, env: dict | None = None, timeout: float = 180) -> str:
        result = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *args],
            cwd=BASE,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        return result.stdout

    def book(self, env: dict | None = None) -> dict:
        """Book an order for the demo user in a process of its own; its id and number."""
        output = self.manage("shell", "--no-imports", "-c", BOOK, env=env)
        return json.loads(output.strip().splitlines()[-1])

    def start(self, name: str, *command: str) -> None:
        log = open(self.dir / f"{name}.log", "wb")  # noqa: SIM115  (closed with the process)
        self.processes[name] = subprocess.Popen(  # noqa: S603
            command, cwd=BASE, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()

    def start_all(self) -> None:
        self.start("web", sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload")
        self.start(
            "worker",
            CELERY,
            "-A",
            "courier_platform",
            "worker",
            "--loglevel=INFO",
            "--concurrency=2",
            "--without-gossip",
            "--without-mingle",
        )
        self.start("beat", CELERY, "-A", "courier_platform", "beat", "--loglevel=INFO")
        self.wait_for_web()

    def wait_for_web(self, timeout: float = 60) -> None:
        give_up = time.monotonic() + timeout
        while time.monotonic() < give_up:
            self.check_alive()
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"the web process did not listen on {self.port}\n{self.logs()}")

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise AssertionError(f"{name} exited with {process.returncode}\n{self.logs()}")

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                # The leader only: a Celery worker shuts its pool down itself (warm shutdown).
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)

    def logs(self) -> str:
        parts = []
        for name in self.processes:
            text = (self.dir / f"{name}.log").read_text(errors="replace")
            parts.append(f"----- {name} (last lines) -----\n" + "\n".join(text.splitlines()[-60:]))
        return "\n".join(parts)


@contextmanager
def running_platform(tmp_path: Path):
    database = Database(tmp_path)
    database.create()
    platform = Platform(tmp_path, database)
    try:
        platform.manage("migrate", "--noinput", timeout=600)  # minutes on a busy 2-core machine
        platform.manage("seed_demo")
        platform.start_all()
        yield platform, database
    finally:
        platform.stop()
        database.drop()


def wait_for(platform, database, orders: dict, status: str, give_up: float) -> dict:
    statuses: dict = {}
    while time.monotonic() < give_up:
        platform.check_alive()
        statuses = dict(database.rows("SELECT id, status FROM orders_order WHERE id IN (%s, %s)", *orders))
        if set(statuses.values()) == {status}:
            break
        time.sleep(0.5)
    return statuses


def test_booked_orders_are_pushed_and_signed_by_real_processes(tmp_path):
    with running_platform(tmp_path) as (platform, database):
        # Booked while the broker is up: queued on commit, the worker pushes it.
        queued = platform.book()
        # Booked by a process that cannot reach any broker: the order is booked all the same and
        # its message waits, pending, for beat's outbox sweeper.
        dead_broker = f"redis://127.0.0.1:{free_port()}/0"
        swept = platform.book(env={"CELERY_BROKER_URL": dead_broker})

        orders = {queued["id"]: queued["number"], swept["id"]: swept["number"]}
        give_up = time.monotonic() + DEADLINE
        statuses = wait_for(platform, database, orders, "accepted", give_up)
        assert set(statuses.values()) == {"accepted"}, f"{statuses}\n{platform.logs()}"
        platform.manage("shell", "--no-imports", "-c", WINDOW_PASSED % list(orders))
        # Swift Express requires the pickup code, which no carrier is sent: at the door the sender
        # tells it to the courier. The kick then carries both orders on.
        for number, code in database.rows(
            "SELECT number, pickup_code FROM orders_order WHERE id IN (%s, %s)", *orders
        ):
            platform.manage("simulate_carriers", "--order", number, "--pickup-code", code)
        statuses = wait_for(platform, database, orders, "signed", give_up)
        assert set(statuses.values()) == {"signed"}, f"{statuses}\n{platform.logs()}"

        messages = database.rows(
            "SELECT link.order_id, message.event_type, message.status, message.attempts"
            " FROM orders_outboxmessage link JOIN delivery_message message ON message.id = link.message_id"
            " ORDER BY link.order_id"
        )
        assert [(order_id, kind, status) for order_id, kind, status, _n in messages] == [
            (queued["id"], "order.created", "sent"),
            (swept["id"], "order.created", "sent"),
        ]
        assert all(attempts >= 1 for *_rest, attempts in messages)
        for order_id, number in orders.items():
            steps = [
                source.removeprefix(f"sim_{number}_")
                for (source,) in database.rows(
                    "SELECT source_event_id FROM orders_orderevent WHERE order_id = %s ORDER BY occurred_at, id",
                    order_id,
                )
            ]
            assert steps == [
                "",
                "dispatching",
                "accepted",
                "picked_up",
                "in_transit_1",
                "in_transit_2",
                "out_for_delivery",
                "signed",
            ], number
        worker_log = (tmp_path / "worker.log").read_text(errors="replace")
        assert "delivery.tasks.sweep" in worker_log  # beat → broker → worker, for real
