"""/healthz and /readyz for a load balancer (issue 15)."""

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from operations.models import Heartbeat
from operations.services import heartbeat_record
from operations.tasks import beat_heartbeat

pytestmark = pytest.mark.django_db
BASE = Path(__file__).resolve().parents[2]


@pytest.fixture
def beat_alive():
    heartbeat_record(name="beat", at=timezone.now() - timedelta(seconds=20))


def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_readyz_is_ready_with_everything_up(client, beat_alive):
    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "broker": True,
        "migrations": True,
        "beat": True,
        "expiry": True,
    }
    assert body["checks"]["beat"]["detail"] == "20 s ago"
    assert body["checks"]["expiry"]["detail"] == "no run yet"


def test_the_beat_heartbeat_task_records_now(client):
    beat_heartbeat.delay()  # eager in tests: what a worker does when beat sends it

    assert Heartbeat.objects.get(name="beat").at == pytest.approx(timezone.now(), abs=timedelta(seconds=5))
    assert client.get("/readyz").status_code == 200


def test_readyz_fails_without_a_beat_heartbeat(client):
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["status"] == "not_ready"
    assert response.json()["checks"]["beat"] == {"ok": False, "detail": "no heartbeat yet"}


def test_readyz_fails_when_the_heartbeat_is_older_than_180_s(client):
    heartbeat_record(name="beat", at=timezone.now() - timedelta(seconds=181))

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["beat"] == {"ok": False, "detail": "last heartbeat 181 s ago"}


def test_readyz_fails_when_the_broker_is_down(client, settings, beat_alive, monkeypatch):
    from courier_platform.celery import app

    # A Redis broker on a loopback port nothing listens on (Celery reads CELERY_BROKER_URL from the
    # environment before its configuration: the CI's PostgreSQL and Redis pass sets it).
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/readyz")
    finally:
        app.conf.broker_url = settings.CELERY_BROKER_URL

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["broker"]["ok"] is False
    assert checks["broker"]["detail"] == "OperationalError"
    assert checks["database"]["ok"] is True


def test_readyz_fails_when_the_database_is_down():
    """A web process whose PostgreSQL does not answer (a loopback port nothing listens on): alive
    for /healthz, not ready for /readyz."""
    code = (
        "import django, json; django.setup(); from django.test import Client; c = Client();"
        "h = c.get('/healthz'); r = c.get('/readyz');"
        "print(json.dumps([h.status_code, r.status_code, r.json()]))"
    )
    env = {**os.environ, "DEV_MODE": "1", "DATABASE_URL": "postgres://postgres@127.0.0.1:1/courier_down"}
    env["DJANGO_SETTINGS_MODULE"] = "courier_platform.settings"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE, env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    healthz, readyz, body = json.loads(result.stdout.strip().splitlines()[-1])
    assert (healthz, readyz) == (200, 503)
    assert body["checks"]["database"] == {"ok": False, "detail": "OperationalError"}
    assert body["checks"]["migrations"] == {"ok": False, "detail": "database down"}
    assert body["checks"]["beat"] == {"ok": False, "detail": "database down"}


def test_readyz_fails_with_a_migration_not_applied(client, beat_alive, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("operations", "0002")])

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == {"ok": False, "detail": "1 not applied"}


# --- the midnight expiry's last run -----------------------------------------------------------------


def test_readyz_shows_the_expiry_runs_last_run(client, beat_alive, time_machine):
    from orders.services.expiry import orders_expire_due
    from orders.tests.factories import OrderFactory

    time_machine.move_to(timezone.now(), tick=False)
    OrderFactory.create_batch(3, status="placed", deadline=timezone.now() - timedelta(hours=1))
    assert orders_expire_due(batch_size=2) == 3
    record = Heartbeat.objects.get(name="expiry")
    assert (record.detail["expired"], record.detail["batches"], record.detail["notices"]) == (3, 2, 3)

    time_machine.shift(timedelta(seconds=40))
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["expiry"]["detail"].startswith("40 s ago: 3 expired in 2 batches, ")


def test_readyz_fails_when_the_expiry_has_not_run_for_15_minutes(client, beat_alive):
    Heartbeat.objects.create(name="expiry", at=timezone.now() - timedelta(seconds=901), detail={"expired": 0})

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["expiry"] == {
        "ok": False,
        "detail": "last run 901 s ago: 0 expired in 0 batches, 0.0 s",
    }
