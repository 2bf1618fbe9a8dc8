"""Settings for the processes an integration test starts: the project's settings, isolated.

The test's worker must not take tasks from (or give tasks to) a developer's ``make run`` or a
parallel test run on the same broker: it gets its own queue name, and with the filesystem broker
its own folders; beat keeps its state in the test's directory and sweeps due messages often.
"""

import os
from pathlib import Path

from kombu import Exchange, Queue

from courier_platform.settings import *  # noqa: F403
from courier_platform.settings import (
    CELERY_BEAT_SCHEDULE,
    CELERY_BROKER_URL,
    CELERY_TASK_QUEUES,
    CELERY_TASK_ROUTES,
)

_DIR = Path(os.environ["ITEST_DIR"])
_PREFIX = os.environ["ITEST_QUEUE"]

# Every queue of the project's, under the test's own names (the routes and the worker follow).
CELERY_TASK_DEFAULT_QUEUE = f"{_PREFIX}-default"
CELERY_TASK_ROUTES = {
    task: {"queue": f"{_PREFIX}-{route['queue']}"} for task, route in CELERY_TASK_ROUTES.items()
}
CELERY_TASK_QUEUES = [
    Queue(
        f"{_PREFIX}-{queue.name}", Exchange(f"{_PREFIX}-{queue.name}"), routing_key=f"{_PREFIX}-{queue.name}"
    )
    for queue in CELERY_TASK_QUEUES
]
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_DIR / "broker" / "queue"),
        "data_folder_out": str(_DIR / "broker" / "queue"),
        "store_processed": False,
        "control_folder": str(_DIR / "broker" / "control"),
    }
    for _folder in ("queue", "control"):
        (_DIR / "broker" / _folder).mkdir(parents=True, exist_ok=True)
CELERY_BEAT_SCHEDULE_FILENAME = str(_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    **CELERY_BEAT_SCHEDULE,
    "delivery-sweep": {"task": "delivery.tasks.sweep", "schedule": 2.0},
}
