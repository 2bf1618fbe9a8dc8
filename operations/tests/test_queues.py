"""Celery queues (README, "Production topology"): carrier messages, notifications, the expiry and
the other periodic jobs each on a queue of their own; the delivery engine puts each message on its
channel's queue; a worker started as Procfile.dev starts it consumes every queue.

What reaches the broker is read where Celery hands it to kombu: tasks are published for real (not
eager) through Celery's routing, and kombu's producer records them instead of sending them.
"""

import runpy
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.utils import timezone
from kombu import Producer

from accounts.models import PasswordResetCode
from accounts.services.passwords import password_reset_request
from carriers.integrations import INTEGRATIONS, SendResult
from courier_platform.celery import app
from delivery import tasks as delivery_tasks
from delivery.models import Message
from notifications.models import Kind
from notifications.services import notify
from orders.models import OutboxMessage, Status
from orders.services import expiry
from orders.tests.factories import OrderFactory, OrderUserFactory
from orders.tests.test_outbox import NOW, RecordingIntegration, place
from tests.factories import UserFactory

BASE = Path(__file__).resolve().parents[2]
MIDNIGHT = datetime(2026, 11, 23, tzinfo=ZoneInfo("Asia/Shanghai"))
QUEUES = {"default", "carrier-messages", "notifications", "expiry", "periodic"}
DELIVER, DELIVER_MANY = "delivery.tasks.deliver", "delivery.tasks.deliver_many"


@pytest.fixture
def published(settings, monkeypatch):
    """Every task the platform publishes, as (queue, task, args), in order."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    sent: list[tuple[str, str, list]] = []

    def publish(producer, body, routing_key=None, headers=None, **kwargs):
        sent.append((routing_key, headers["task"], list(body[0])))

    monkeypatch.setattr(Producer, "publish", publish)
    return sent


@pytest.fixture
def booking_day():
    """Bookings are made on a day whose pickup window (``place``) is still ahead."""
    with time_machine.travel(NOW, tick=False):
        yield


def _queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


def _ids(*messages) -> list[str]:
    return [str(message.pk) for message in messages]


# --- routes by task --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("task_name", "queue"),
    [
        ("accounts.tasks.send_password_reset_code", "notifications"),
        ("accounts.tasks.send_contact_code", "notifications"),
        ("notifications.tasks.broadcast_send", "notifications"),
        ("orders.tasks.expire_orders", "expiry"),
        ("delivery.tasks.sweep", "periodic"),
        ("notifications.tasks.broadcasts_resume", "periodic"),
        ("operations.tasks.beat_heartbeat", "periodic"),
        ("simulator.tasks.simulator_kick", "periodic"),
        ("simulator.tasks.simulator_step", "default"),
    ],
)
def test_each_task_goes_to_its_queue(task_name, queue):
    assert _queue_of(task_name) == queue


def test_each_beat_job_is_published_to_its_queue(published):
    # What beat does with each entry of the schedule: publish the task by name.
    for entry in django_settings.CELERY_BEAT_SCHEDULE.values():
        app.send_task(entry["task"])

    assert {task: queue for queue, task, _args in published} == {
        "operations.tasks.beat_heartbeat": "periodic",
        "delivery.tasks.sweep": "periodic",
        "notifications.tasks.broadcasts_resume": "periodic",
        "orders.tasks.expire_orders": "expiry",
        "simulator.tasks.simulator_kick": "periodic",
    }


def test_every_task_of_the_platform_is_routed_to_a_declared_queue():
    app.loader.import_default_modules()
    declared = {queue.name for queue in django_settings.CELERY_TASK_QUEUES}
    platform_tasks = [name for name in app.tasks if not name.startswith("celery.")]

    assert platform_tasks
    assert {_queue_of(name) for name in platform_tasks} <= declared
    assert declared == QUEUES


def test_the_development_worker_consumes_every_queue():
    worker = next(
        line for line in (BASE / "Procfile.dev").read_text().splitlines() if line.startswith("worker:")
    )

    assert " -Q " not in worker  # without -Q a worker consumes every queue of CELERY_TASK_QUEUES
    assert {queue.name for queue in app.amqp.queues.values()} == QUEUES


def test_the_integration_settings_rename_every_queue_the_platform_publishes_to(tmp_path, monkeypatch):
    """The integration tests' worker consumes the renamed queues only: a queue name that escaped
    the renaming would be published where no worker of the test listens."""
    monkeypatch.setenv("ITEST_DIR", str(tmp_path))
    monkeypatch.setenv("ITEST_QUEUE", "itest-x")
    renamed = runpy.run_path(str(BASE / "tests" / "integration" / "itest_settings.py"))
    names = {key: value for key, value in renamed.items() if key.startswith("QUEUE_")}
    names["CELERY_TASK_DEFAULT_QUEUE"] = renamed["CELERY_TASK_DEFAULT_QUEUE"]
    names.update({task: route["queue"] for task, route in renamed["CELERY_TASK_ROUTES"].items()})

    assert {queue.name for queue in renamed["CELERY_TASK_QUEUES"]} == {f"itest-x-{q}" for q in QUEUES}
    assert {key: value for key, value in names.items() if key.startswith(("QUEUE_", "CELERY_"))} == {
        "QUEUE_CARRIER_MESSAGES": "itest-x-carrier-messages",
        "QUEUE_NOTIFICATIONS": "itest-x-notifications",
        "QUEUE_EXPIRY": "itest-x-expiry",
        "QUEUE_PERIODIC": "itest-x-periodic",
        "CELERY_TASK_DEFAULT_QUEUE": "itest-x-default",
    }
    assert all(name.startswith("itest-x-") for name in names.values())


# --- the delivery engine: each message on its channel's queue ----------------------------------


@pytest.mark.django_db
def test_a_booking_publishes_its_carrier_message_to_carrier_messages(
    demo_carriers, customer, booking_day, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        place(customer)

    message = OutboxMessage.objects.get()
    assert message.event_type == "order.created"
    assert published == [("carrier-messages", DELIVER, _ids(message))]


@pytest.mark.django_db
def test_a_notice_publishes_each_channels_delivery_to_notifications(
    published, django_capture_on_commit_callbacks, settings
):
    settings.NOTIFICATIONS_CHANNELS = ["email", "sms"]
    user = UserFactory(phone="+8613600136000", email="wang@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=user, kind=Kind.PICKUP_EXCEPTION, order=OrderFactory(user=user))

    email, sms = Message.objects.get(channel="email"), Message.objects.get(channel="sms")
    assert sorted(published) == sorted(
        [("notifications", DELIVER, _ids(email)), ("notifications", DELIVER, _ids(sms))]
    )
    assert not Message.objects.filter(channel="in_app", status="pending").exists()


@pytest.mark.django_db
def test_a_password_reset_code_is_published_to_notifications(
    customer, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        password_reset_request(login="13800138000")

    reset = PasswordResetCode.objects.get(user=customer)
    [(queue, task, args)] = published
    assert (queue, task, args[0]) == ("notifications", "accounts.tasks.send_password_reset_code", reset.pk)


@pytest.mark.django_db
def test_a_mixed_batch_is_one_task_per_queue(demo_carriers, published, django_capture_on_commit_callbacks):
    """The midnight expiry queues a batch's carrier messages and notices' deliveries together."""
    owner = OrderUserFactory(email="owner@example.com")  # in-app (written sent) and e-mail
    OrderFactory.create_batch(3, status=Status.PLACED, deadline=MIDNIGHT, user=owner)

    with django_capture_on_commit_callbacks(execute=True):
        assert expiry.orders_expire_due(now=MIDNIGHT, batch_size=50) == 3

    carrier_messages = set(_ids(*OutboxMessage.objects.all()))
    notices = set(_ids(*Message.objects.exclude(channel="carrier").filter(status="pending")))
    assert len(carrier_messages) == 3
    assert len(notices) >= 3
    assert [(queue, task) for queue, task, _args in published] == [
        ("carrier-messages", DELIVER_MANY),
        ("notifications", DELIVER_MANY),
    ]
    assert [set(args[0]) for _queue, _task, args in published] == [carrier_messages, notices]


@pytest.mark.django_db
def test_the_sweeper_requeues_each_due_message_to_its_channels_queue(
    demo_carriers, customer, booking_day, published, django_capture_on_commit_callbacks
):
    user = UserFactory(phone="+8613600136000", email="wang@example.com")
    # Written, never queued (the broker was down when they committed): the sweeper's to send.
    with django_capture_on_commit_callbacks(execute=False):
        place(customer)
        notify(user=user, kind=Kind.PICKUP_EXCEPTION, order=OrderFactory(user=user))
    carrier_message = OutboxMessage.objects.get()
    notices = Message.objects.exclude(channel="carrier").filter(status="pending").order_by("channel")
    assert [m.channel for m in notices] == ["email", "sms"]
    assert published == []

    assert delivery_tasks.messages_sweep(now=timezone.now() + timedelta(minutes=2)) == 3

    assert sorted(published) == sorted(
        [
            ("carrier-messages", DELIVER, _ids(carrier_message)),
            ("notifications", DELIVER, _ids(notices[0])),
            ("notifications", DELIVER, _ids(notices[1])),
        ]
    )


@pytest.mark.django_db
def test_a_failed_attempt_is_requeued_on_its_channels_queue(
    demo_carriers, customer, booking_day, published, django_capture_on_commit_callbacks, monkeypatch, settings
):
    settings.CARRIER_SIMULATOR = False
    with django_capture_on_commit_callbacks(execute=False):
        place(customer)
    message = OutboxMessage.objects.get()
    carrier = RecordingIntegration()
    carrier.failures = [SendResult.retry("carrier answered HTTP 503")]
    monkeypatch.setitem(INTEGRATIONS, "manual", carrier)

    assert delivery_tasks.deliver(str(message.pk)) == "retry"

    assert published == [("carrier-messages", DELIVER, _ids(message))]


@pytest.mark.django_db
def test_a_channel_nobody_registered_is_published_to_the_default_queue(published):
    message = Message.objects.create(channel="pigeon", event_type="parcel.sent", subject="parcel:1")

    assert delivery_tasks.messages_queue([message.pk]) == 1

    assert published == [("default", DELIVER, _ids(message))]


@pytest.mark.django_db
def test_a_queue_that_is_not_declared_is_refused_and_the_message_waits_for_the_sweeper(
    demo_carriers, customer, booking_day, published, settings, django_capture_on_commit_callbacks, caplog
):
    settings.QUEUE_CARRIER_MESSAGES = "carrier-mesages"
    with django_capture_on_commit_callbacks(execute=True):
        place(customer)

    message = OutboxMessage.objects.get()
    assert published == []
    assert (message.status, message.attempts) == ("pending", 0)
    assert f"could not queue message {message.pk}; the sweeper will send it" in caplog.text
