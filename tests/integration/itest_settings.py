"""Settings for the processes an integration test starts: the project's settings, isolated.

The test's worker must not take tasks from (or give tasks to) a developer's ``make run`` or a
parallel test run on the same broker: every queue gets a name of its own (``ITEST_QUEUE`` before
the project's name), and with the filesystem broker its own folders; beat keeps its state in the
test's directory and sweeps due messages often.
"""

import os
from pathlib import Path

from kombu import Exchange, Queue

from courier_platform.settings import *  # noqa: F403
from courier_platform.settings import (
    CELERY_BEAT_SCHEDULE,
    CELERY_BROKER_URL,
    CELERY_TASK_DEFAULT_QUEUE,
    CELERY_TASK_QUEUES,
    CELERY_TASK_ROUTES,
    QUEUE_CARRIER_MESSAGES,
    QUEUE_EXPIRY,
    QUEUE_NOTIFICATIONS,
    QUEUE_PERIODIC,
)

_DIR = Path(os.environ["ITEST_DIR"])
_PREFIX = os.environ["ITEST_QUEUE"]


def _renamed(name: str) -> str:
    return f"{_PREFIX}-{name}"


# Every queue of the project's under the test's own name: the declared queues (what a worker
# without -Q consumes), the routes, and the names the delivery engine's channels are sent to.
CELERY_TASK_DEFAULT_QUEUE = _renamed(CELERY_TASK_DEFAULT_QUEUE)
QUEUE_CARRIER_MESSAGES = _renamed(QUEUE_CARRIER_MESSAGES)
QUEUE_NOTIFICATIONS = _renamed(QUEUE_NOTIFICATIONS)
QUEUE_EXPIRY = _renamed(QUEUE_EXPIRY)
QUEUE_PERIODIC = _renamed(QUEUE_PERIODIC)
CELERY_TASK_ROUTES = {task: {"queue": _renamed(route["queue"])} for task, route in CELERY_TASK_ROUTES.items()}
CELERY_TASK_QUEUES = [
    Queue(_renamed(queue.name), Exchange(_renamed(queue.name)), routing_key=_renamed(queue.name))
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
