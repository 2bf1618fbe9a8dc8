"""The platform → carrier outbox (DESIGN §7.1): written with the change, sent after commit, retried
with backoff, given up visibly, retried by an admin, never carrying the pickup code."""

import json
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from carriers.integrations import INTEGRATIONS, Integration, SendResult, SendStatus
from carriers.shipment import Party, Shipment
from delivery import services as engine
from delivery import tasks as delivery_tasks
from orders.models import Actor, CancelReason, Order, OutboxMessage, Status
from orders.services import booking, outbox
from orders.services.cancellation import OrderNotCancellable, order_cancel, order_expire
from orders.services.lifecycle import order_transition
from orders.tests.factories import OrderFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 22, 15, 30, tzinfo=SHANGHAI)
PICKUP_CODE = "987654"
S = Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


class RecordingIntegration(Integration):
    """Stands in for a carrier's integration: records every send, fails while ``failures`` is set
    (each a ``SendResult`` that is not delivered, or an exception the integration raises)."""

    name = "manual"

    def __init__(self):
        self.sent: list[dict] = []
        self.failures: list[SendResult | Exception] = []

    def send(self, message):
        if self.failures:
            failure = self.failures.pop(0)
            if isinstance(failure, Exception):
                raise failure
            return failure
        self.sent.append(
            {
                "carrier": message.carrier.code,
                "id": message.id,
                "type": message.type,
                "payload": message.payload,
            }
        )
        return SendResult.delivered()


@pytest.fixture
def adapter(monkeypatch, settings):
    settings.CARRIER_SIMULATOR = False
    recording = RecordingIntegration()
    monkeypatch.setitem(INTEGRATIONS, "manual", recording)
    return recording


def make_shipment(**changes) -> Shipment:
    values = {
        "sender": Party("张三", "+8613800138000", "广东省", "深圳市", "南山区", "科技园科苑路1号"),
        "recipient": Party("李四", "+8613900139000", "北京市", "北京市", "朝阳区", "建国路88号"),
        "pickup_start": datetime(2026, 11, 23, 10, tzinfo=SHANGHAI),
        "pickup_end": datetime(2026, 11, 23, 12, tzinfo=SHANGHAI),
        "weight_kg": Decimal("1.5"),
        "item_type": "clothing",
        "description": "冬季外套",
        "declared_value": Decimal("500"),
        "insured": True,
    }
    values.update(changes)
    return Shipment(**values)


def place(user, **kwargs) -> Order:
    kwargs.setdefault("shipment", make_shipment())
    kwargs.setdefault("carrier_code", "swift-express")
    kwargs.setdefault("contract_version", "v1")
    return booking.order_place(user=user, **kwargs)


@pytest.fixture
def fixed_pickup_code(monkeypatch):
    monkeypatch.setattr(booking, "new_pickup_code", lambda: PICKUP_CODE)


# --- written with the change ---------------------------------------------------------------------


def test_booking_writes_order_created_in_its_transaction_and_sends_it_after_commit(
    demo_carriers, customer, adapter, clock, fixed_pickup_code, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        order = place(customer)
        message = OutboxMessage.objects.get()
        # Written, not yet sent: the transaction has not committed.
        assert (message.order, message.carrier.code, message.event_type) == (
            order,
            "swift-express",
            "order.created",
        )
        assert (message.status, message.attempts, message.created_at) == ("pending", 0, NOW)
        assert adapter.sent == []

    for callback in callbacks:
        callback()

    message.refresh_from_db()
    assert (message.status, message.attempts, message.sent_at, message.last_error) == ("sent", 1, NOW, "")
    assert adapter.sent == [
        {
            "carrier": "swift-express",
            "id": str(message.pk),
            "type": "order.created",
            "payload": message.payload,
        }
    ]
    assert message.payload == {
        "order": order.number,
        "carrier": "swift-express",
        "placed_at": "2026-11-22T15:30:00+08:00",
        "deadline": "2026-11-23T00:00:00+08:00",
        "pickup_window": {"start": "2026-11-23T10:00:00+08:00", "end": "2026-11-23T12:00:00+08:00"},
        "sender": {
            "name": "张三",
            "phone": "+8613800138000",
            "province": "广东省",
            "city": "深圳市",
            "district": "南山区",
            "address": "科技园科苑路1号",
        },
        "recipient": {
            "name": "李四",
            "phone": "+8613900139000",
            "province": "北京市",
            "city": "北京市",
            "district": "朝阳区",
            "address": "建国路88号",
        },
        "parcel": {
            "weight_kg": "1.50",
            "dimensions_cm": None,
            "item_type": "clothing",
            "description": "冬季外套",
            "quantity": 1,
            "declared_value": {"amount": "500.00", "currency": "CNY"},
            "insured": True,
            "original_packaging": None,
            "keep_upright": None,
            "bag_size": "",
            "receipt_attested": False,
            "surcharge_accepted": False,
            "items": [],
        },
        "estimate": {"amount": "26.50", "currency": "CNY"},
        "payer": "sender",
        "contract_version": "v1",
        "pickup_code_required": True,
    }


def test_no_message_ever_carries_the_pickup_code(demo_carriers, customer, adapter, clock, fixed_pickup_code):
    order = place(customer)
    order_cancel(order=order, actor_user=customer, reason=CancelReason.CHANGED_MIND)
    expired = place(customer)
    order_expire(order=expired)

    assert OutboxMessage.objects.count() == 4
    for message in OutboxMessage.objects.all():
        text = json.dumps(message.payload, ensure_ascii=False)
        assert PICKUP_CODE not in text
        assert "pickup_code" not in set(_keys(message.payload))
    assert all(PICKUP_CODE not in json.dumps(sent, ensure_ascii=False) for sent in adapter.sent)


def _keys(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys(item)


def test_a_payload_with_the_pickup_code_is_refused():
    with pytest.raises(ValueError, match="pickup_code"):
        outbox._json({"order": "CP1", "data": {"pickup_code": "123456"}})


def test_refused_booking_writes_no_message(demo_carriers, customer, adapter, clock):
    with pytest.raises(booking.GoodsProhibited):
        place(customer, shipment=make_shipment(description="仿真枪"))
    assert not OutboxMessage.objects.exists()


def test_rolled_back_booking_leaves_no_message_and_sends_nothing(
    demo_carriers, customer, adapter, clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        place(customer)
        raise RuntimeError("the caller's transaction fails after booking")

    assert callbacks == []
    assert not Order.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert adapter.sent == []


@pytest.mark.django_db(transaction=True)
def test_messages_are_written_only_inside_a_transaction():
    order = OrderFactory()
    with pytest.raises(RuntimeError, match="inside the transaction"):
        outbox.outbox_message_add(
            order_id=order.pk, carrier_id=order.carrier_id, event_type="order.created", payload={}
        )


@pytest.mark.parametrize(
    ("actor", "by"), [(Actor.USER, "user"), (Actor.ADMIN, "admin"), (Actor.SYSTEM, "system")]
)
def test_cancel_writes_order_cancelled(
    actor, by, customer, moderator, adapter, clock, django_capture_on_commit_callbacks
):
    order = OrderFactory(user=customer, status=S.ACCEPTED)
    actor_user = customer if actor == Actor.USER else moderator

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        order_cancel(order=order, actor_user=actor_user, reason=CancelReason.WRONG_DETAILS, actor=actor)

    # One callback: the signal and the push go out together after commit.
    assert len(callbacks) == 1
    message = OutboxMessage.objects.get()
    assert (message.event_type, message.status) == ("order.cancelled", "sent")
    assert message.payload == {
        "order": order.number,
        "reason": "wrong_details",
        "cancelled_by": by,
        "occurred_at": "2026-11-22T15:30:00+08:00",
    }
    assert [s["type"] for s in adapter.sent] == ["order.cancelled"]


def test_a_carrier_cancel_is_not_pushed_back_to_the_carrier(adapter):
    order = OrderFactory(status=S.DISPATCHING)
    order_cancel(order=order, actor_user=None, reason=CancelReason.OTHER, actor=Actor.CARRIER)
    order.refresh_from_db()
    assert order.status == S.CANCELLED
    assert not OutboxMessage.objects.exists()


def test_a_refused_cancel_writes_no_message(customer, adapter):
    order = OrderFactory(user=customer, status=S.PICKED_UP)
    with pytest.raises(OrderNotCancellable):
        order_cancel(order=order, actor_user=customer, reason=CancelReason.CHANGED_MIND)
    assert not OutboxMessage.objects.exists()


def test_other_moves_write_no_message(adapter):
    order = OrderFactory(status=S.PLACED)
    order_transition(order=order, to=S.ACCEPTED, actor=Actor.CARRIER)
    order_transition(order=order, to=S.PICKED_UP, actor=Actor.CARRIER)
    assert not OutboxMessage.objects.exists()


def test_an_admin_expiry_writes_order_expired(moderator, adapter, clock, django_capture_on_commit_callbacks):
    order = OrderFactory(status=S.ACCEPTED, deadline=NOW, exception_code="unreachable")
    with django_capture_on_commit_callbacks(execute=True):
        order_expire(order=order, actor=Actor.ADMIN, actor_user=moderator)
    message = OutboxMessage.objects.get()
    assert (message.event_type, message.status) == ("order.expired", "sent")
    assert message.payload == {
        "order": order.number,
        "reason": "exception_unresolved",
        "deadline": "2026-11-22T15:30:00+08:00",
        "occurred_at": "2026-11-22T15:30:00+08:00",
    }


def test_the_expiry_payload_gives_times_as_the_carrier_reads_them():
    # Milliseconds as DjangoJSONEncoder writes them, in Asia/Shanghai whatever zone came in.
    payload = outbox.order_expired_payload(
        number="T000000001",
        reason="not_accepted",
        deadline=datetime(2026, 11, 22, 7, 30, 0, 123456, tzinfo=ZoneInfo("UTC")),
        occurred_at=NOW,
    )
    assert json.dumps(payload) == json.dumps(
        {
            "order": "T000000001",
            "reason": "not_accepted",
            "deadline": "2026-11-22T15:30:00.123+08:00",
            "occurred_at": "2026-11-22T15:30:00+08:00",
        }
    )
    assert (
        outbox.order_expired_payload(
            number="T000000001", reason="not_accepted", deadline=None, occurred_at=NOW
        )["deadline"]
        is None
    )


# --- sending -------------------------------------------------------------------------------------


def _pending(order=None, event_type="order.created", **fields) -> OutboxMessage:
    order = order or OrderFactory()
    with transaction.atomic():
        message = outbox.outbox_message_add(
            order_id=order.pk,
            carrier_id=order.carrier_id,
            event_type=event_type,
            payload={"order": order.number},
        )
    if fields:
        OutboxMessage.objects.filter(pk=message.pk).update(**fields)
        message.refresh_from_db()
    return message


def test_the_task_sends_through_the_carriers_adapter_once(adapter, clock):
    message = _pending()

    assert delivery_tasks.deliver(str(message.pk)) == "sent"
    assert delivery_tasks.deliver(str(message.pk)) == "skipped"

    assert len(adapter.sent) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.sent_at) == ("sent", 1, NOW)


def test_two_workers_claiming_the_same_attempt_send_once(adapter, clock, monkeypatch):
    message = _pending()
    # This worker read the message before another worker's claim landed.
    snapshot = engine.Message.objects.get(pk=message.pk)
    OutboxMessage.objects.filter(pk=message.pk).update(
        attempts=1, next_attempt_at=NOW + timedelta(seconds=30)
    )
    real_filter = engine.Message.objects.filter
    reads = iter([_Frozen(snapshot)])
    monkeypatch.setattr(engine.Message.objects, "filter", lambda **kw: next(reads, None) or real_filter(**kw))

    assert engine.message_deliver(message_id=message.pk) == engine.Outcome.SKIPPED
    assert adapter.sent == []
    assert OutboxMessage.objects.get(pk=message.pk).attempts == 1


class _Frozen:
    """A queryset stand-in returning a snapshot taken before another worker's claim."""

    def __init__(self, snapshot):
        self.snapshot = snapshot

    def first(self):
        return self.snapshot


BACKOFF = [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600, 3600]


def test_backoff_schedule_is_exact():
    assert [engine.backoff_delay(n).total_seconds() for n in range(1, 12)] == BACKOFF
    assert engine.backoff_delay(500) == timedelta(hours=1)


def test_failed_attempts_back_off_then_give_up(adapter, clock, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 12
    message = _pending()
    adapter.failures = [SendResult.retry(f"carrier answered HTTP 50{n % 10}") for n in range(12)]

    moments = []
    for attempt, delay in enumerate([*BACKOFF, None], start=1):
        outcome = engine.message_deliver(message_id=message.pk)
        message.refresh_from_db()
        moments.append((message.last_attempt_at, message.attempts))
        if delay is None:
            assert outcome == engine.Outcome.FAILED
            break
        assert outcome == engine.Outcome.RETRY
        assert message.status == "pending"
        assert message.next_attempt_at == message.last_attempt_at + timedelta(seconds=delay)
        assert message.last_error == f"carrier answered HTTP 50{(attempt - 1) % 10}"
        # Not due a second early; due on the dot.
        clock.move_to(message.next_attempt_at - timedelta(seconds=1))
        assert engine.message_deliver(message_id=message.pk) == engine.Outcome.NOT_DUE
        clock.move_to(message.next_attempt_at)

    assert (message.status, message.attempts, message.sent_at) == ("failed", 12, None)
    assert message.last_error == "carrier answered HTTP 501"
    assert [attempts for _at, attempts in moments] == list(range(1, 13))
    assert adapter.sent == []
    # Given up: neither the task nor the sweeper touches it again.
    clock.shift(timedelta(days=1))
    assert delivery_tasks.deliver(str(message.pk)) == "skipped"
    assert delivery_tasks.messages_sweep() == 0


def test_the_task_requeues_a_failed_attempt_after_its_backoff(adapter, clock, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    message = _pending()
    adapter.failures = [SendResult.retry("carrier answered HTTP 503")]
    queued = []
    monkeypatch.setattr(
        delivery_tasks.deliver,
        "apply_async",
        lambda args, countdown=None, **kw: queued.append((args, countdown)),
    )

    assert delivery_tasks.deliver(str(message.pk)) == "retry"
    assert queued == [([str(message.pk)], 30.0)]


def test_an_integration_that_is_missing_counts_as_a_failed_attempt(clock, settings):
    message = _pending()
    message.carrier.integration = "pigeon"
    message.carrier.save(update_fields=["integration"])
    assert engine.message_deliver(message_id=message.pk) == engine.Outcome.RETRY
    message.refresh_from_db()
    assert "no integration registered for 'pigeon'" in message.last_error


def test_an_integration_that_raises_counts_as_a_failed_attempt(adapter, clock):
    message = _pending()
    adapter.failures = [OSError("connection reset")]
    assert engine.message_deliver(message_id=message.pk) == engine.Outcome.RETRY
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("pending", 1, "connection reset")


def test_a_refusal_for_good_is_failed_at_once_without_retries(adapter, clock, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 12
    message = _pending()
    adapter.failures = [SendResult.failed("carrier refused the order: 10009 address not served")]

    assert engine.message_deliver(message_id=message.pk) == engine.Outcome.FAILED
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (
        "failed",
        1,
        "carrier refused the order: 10009 address not served",
    )
    assert SendStatus.FAILED == "failed"
    clock.shift(timedelta(days=1))
    # The refusal told the user (a dispatch_failed notice, on its own channels); the carrier's
    # message is never due again.
    assert engine.messages_due(channels=["carrier"]) == []
    delivery_tasks.messages_sweep()
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 1)


def test_a_cancel_waits_for_its_order_created(adapter, clock):
    order = OrderFactory()
    created = _pending(order)
    cancelled = _pending(order, event_type="order.cancelled")

    assert engine.message_deliver(message_id=cancelled.pk) == engine.Outcome.HELD
    assert adapter.sent == []
    # Once order.created is out, the task sends what waited behind it.
    assert delivery_tasks.deliver(str(created.pk)) == "sent"

    assert [s["type"] for s in adapter.sent] == ["order.created", "order.cancelled"]
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}


# --- the broker is down --------------------------------------------------------------------------


@pytest.fixture
def broker_down(settings, monkeypatch):
    """Celery really talks to a broker, and nothing listens where the broker should be."""
    import socket

    from celery import current_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setitem(current_app.conf, "broker_url", f"redis://127.0.0.1:{port}/0")
    monkeypatch.setitem(current_app.conf, "broker_connection_timeout", 1)
    monkeypatch.setattr(current_app, "_pool", None)
    monkeypatch.setattr(current_app.amqp, "_producer_pool", None)
    yield
    # Drop the pools made for the dead broker; the next test makes fresh ones for the real one.
    current_app._pool = None
    current_app.amqp._producer_pool = None


def test_broker_down_at_booking_books_anyway_and_the_sweeper_delivers_later(
    demo_carriers, customer, adapter, clock, broker_down, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = place(customer)

    assert Order.objects.get().status == S.PLACED
    message = OutboxMessage.objects.get()
    assert (message.order, message.status, message.attempts) == (order, "pending", 0)
    assert adapter.sent == []

    # The broker is back; the sweeper runs every minute and leaves fresh messages to their own task.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    clock.shift(timedelta(seconds=59))
    assert delivery_tasks.messages_sweep() == 0
    clock.shift(timedelta(seconds=1))
    assert delivery_tasks.sweep() == 1

    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 1)
    assert [s["id"] for s in adapter.sent] == [str(message.pk)]


def test_queueing_never_raises_into_the_caller(adapter, monkeypatch, caplog):
    message = _pending()

    def refuse(*args, **kwargs):
        from kombu.exceptions import OperationalError

        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(delivery_tasks.deliver, "apply_async", refuse)
    assert outbox.outbox_queue([message.pk]) == 0
    assert "the sweeper will send it" in caplog.text
    message.refresh_from_db()
    assert message.status == "pending"


def test_send_outbox_command_sends_what_is_due_without_the_broker(adapter, clock, capsys):
    due = _pending()
    _pending(attempts=3, next_attempt_at=NOW + timedelta(minutes=2))
    OutboxMessage.objects.filter(pk=due.pk).update(next_attempt_at=NOW)

    call_command("send_outbox")

    assert capsys.readouterr().out.strip() == "1 message(s) due: 1 sent."
    assert [s["id"] for s in adapter.sent] == [str(due.pk)]


# --- the admin -----------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, moderator):
    client.force_login(moderator)
    return client


def test_admin_lists_and_filters_messages(admin_client, adapter):
    failed = _pending(status="failed", attempts=12, last_error="carrier answered HTTP 500")
    _pending(status="sent")
    url = reverse("admin:orders_outboxmessage_changelist")

    response = admin_client.get(url, {"status__exact": "failed"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [failed]
    assert admin_client.get(url, {"q": failed.order.number}).status_code == 200
    detail = admin_client.get(reverse("admin:orders_outboxmessage_change", args=[failed.pk]))
    assert detail.status_code == 200
    assert "carrier answered HTTP 500" in detail.content.decode()
    assert 'name="_save"' not in detail.content.decode()
    order_page = admin_client.get(reverse("admin:orders_order_change", args=[failed.order.pk]))
    assert "order.created" in order_page.content.decode()


def test_admin_retry_action_sends_a_given_up_message_again(
    admin_client, adapter, clock, settings, django_capture_on_commit_callbacks
):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    failed = _pending(status="failed", attempts=3, last_error="carrier answered HTTP 500")
    sent = _pending(status="sent", attempts=1)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:orders_outboxmessage_changelist"),
            {"action": "retry_messages", "_selected_action": [str(failed.pk), str(sent.pk)]},
            follow=True,
        )

    assert response.status_code == 200
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages == ["再次排队 1 条消息。", "1 条消息已发送，未作处理。"]
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.sent_at) == ("sent", 4, NOW)
    assert [s["id"] for s in adapter.sent] == [str(failed.pk)]


def test_a_retried_message_that_fails_again_is_failed_again(
    adapter, clock, settings, django_capture_on_commit_callbacks
):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    failed = _pending(status="failed", attempts=3)
    adapter.failures = [SendResult.retry("carrier could not be reached (TimeoutError)")]

    with django_capture_on_commit_callbacks(execute=True):
        assert delivery_tasks.messages_retry(messages=[failed]) == 1

    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == (
        "failed",
        4,
        "carrier could not be reached (TimeoutError)",
    )
