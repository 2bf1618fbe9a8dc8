"""Celery queues: deliveries apart from the periodic jobs, and a worker started as Procfile.dev starts
it consumes every queue (README, "Production topology")."""

from pathlib import Path

import pytest
from django.conf import settings

from courier_platform.celery import app

BASE = Path(__file__).resolve().parents[2]


def _queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


@pytest.mark.parametrize(
    ("task_name", "queue"),
    [
        ("delivery.tasks.deliver", "deliveries"),
        ("delivery.tasks.deliver_many", "deliveries"),
        ("accounts.tasks.send_password_reset_code", "deliveries"),
        ("orders.tasks.expire_orders", "periodic"),
        ("delivery.tasks.sweep", "periodic"),
        ("operations.tasks.beat_heartbeat", "periodic"),
        ("simulator.tasks.simulator_kick", "periodic"),
        ("simulator.tasks.simulator_step", "default"),
    ],
)
def test_each_task_goes_to_its_queue(task_name, queue):
    assert _queue_of(task_name) == queue


def test_every_beat_job_runs_on_the_periodic_queue():
    assert {_queue_of(entry["task"]) for entry in settings.CELERY_BEAT_SCHEDULE.values()} == {"periodic"}


def test_every_task_of_the_platform_is_routed_to_a_declared_queue():
    app.loader.import_default_modules()
    declared = {queue.name for queue in settings.CELERY_TASK_QUEUES}
    platform_tasks = [name for name in app.tasks if not name.startswith("celery.")]

    assert platform_tasks
    assert {_queue_of(name) for name in platform_tasks} <= declared
    assert declared == {"default", "deliveries", "periodic"}


def test_the_development_worker_consumes_every_queue():
    worker = next(
        line for line in (BASE / "Procfile.dev").read_text().splitlines() if line.startswith("worker:")
    )

    assert " -Q " not in worker  # without -Q a worker consumes every queue of CELERY_TASK_QUEUES
    assert {queue.name for queue in app.amqp.queues.values()} == {"default", "deliveries", "periodic"}
