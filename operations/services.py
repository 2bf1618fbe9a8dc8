"""Health of the running platform: heartbeats and the readiness checks of /readyz."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from operations.models import Heartbeat

BEAT = "beat"


def heartbeat_record(*, name: str, at: datetime | None = None) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"at": at or timezone.now()})


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
    from courier_platform.celery import app

    try:
        with app.connection_for_write() as conn:
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


def readiness() -> list[Check]:
    database = check_database()
    checks = [database, check_broker()]
    if database.ok:
        checks += [check_migrations(), check_beat()]
    else:
        checks += [Check("migrations", False, "database down"), Check("beat", False, "database down")]
    return checks
