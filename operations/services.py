"""Health of the running platform: heartbeats and the readiness checks of /readyz."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from celery import current_app
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from operations.models import Heartbeat

BEAT = "beat"
EXPIRY = "expiry"


def heartbeat_record(*, name: str, at: datetime | None = None) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"at": at or timezone.now()})


def expiry_run_record(*, run) -> None:
    """Keep the midnight expiry's last run (``orders.services.expiry.ExpiryRun``) for /readyz, in
    one upsert: every run costs the same single statement."""
    detail = {
        "as_of": run.as_of.isoformat(),
        "started_at": run.started_at.isoformat(),
        "expired": run.expired,
        "batches": run.batches,
        "notices": run.notices,
        "seconds": round(run.seconds, 3),
        "rate": round(run.rate, 1),
    }
    Heartbeat.objects.bulk_create(
        [Heartbeat(name=EXPIRY, at=timezone.now(), detail=detail)],
        update_conflicts=True,
        unique_fields=["name"],
        update_fields=["at", "detail"],
    )


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001  (any failure means not ready)
        return Check("database", False, type(error).__name__)
    return Check("database", True)


def check_migrations() -> Check:
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as error:  # noqa: BLE001
        return Check("migrations", False, type(error).__name__)
    if plan:
        return Check("migrations", False, f"{len(plan)} not applied")
    return Check("migrations", True)


def check_broker() -> Check:
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=settings.READYZ_BROKER_TIMEOUT)
    except Exception as error:  # noqa: BLE001
        return Check("broker", False, type(error).__name__)
    return Check("broker", True)


def check_beat(*, now: datetime | None = None) -> Check:
    try:
        at = Heartbeat.objects.filter(name=BEAT).values_list("at", flat=True).first()
    except Exception as error:  # noqa: BLE001
        return Check("beat", False, type(error).__name__)
    if at is None:
        return Check("beat", False, "no heartbeat yet")
    age = ((now or timezone.now()) - at).total_seconds()
    if age > settings.READYZ_BEAT_MAX_AGE:
        return Check("beat", False, f"last heartbeat {int(age)} s ago")
    return Check("beat", True, f"{int(age)} s ago")


def check_expiry(*, now: datetime | None = None) -> Check:
    """The midnight expiry's last run (the catch-up runs it every five minutes): not ready when it
    is older than ``READYZ_EXPIRY_MAX_AGE``; a fresh deployment is ready before its first run."""
    try:
        last = Heartbeat.objects.filter(name=EXPIRY).values_list("at", "detail").first()
    except Exception as error:  # noqa: BLE001
        return Check("expiry", False, type(error).__name__)
    if last is None:
        return Check("expiry", True, "no run yet")
    at, detail = last
    age = int(((now or timezone.now()) - at).total_seconds())
    done = (
        f"{detail.get('expired', 0)} expired in {detail.get('batches', 0)} batches, "
        f"{detail.get('seconds', 0):.1f} s"
    )
    if age > settings.READYZ_EXPIRY_MAX_AGE:
        return Check("expiry", False, f"last run {age} s ago: {done}")
    return Check("expiry", True, f"{age} s ago: {done}")


def readiness() -> list[Check]:
    database = check_database()
    checks = [database, check_broker()]
    if database.ok:
        checks += [check_migrations(), check_beat(), check_expiry()]
    else:
        checks += [
            Check("migrations", False, "database down"),
            Check("beat", False, "database down"),
            Check("expiry", False, "database down"),
        ]
    return checks
