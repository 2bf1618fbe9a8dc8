from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from delivery import services as engine
from delivery import tasks
from delivery.services import Outcome, message_add, message_deliver
from delivery.tasks import messages_sweep
from notifications.models import ChannelCode, Delivery, DeliveryStatus, Kind, Notification
from notifications.services import delivery_draft, notify
from notifications.tests.mail_backends import FlakyBackend
from orders.tests.factories import OrderFactory


@pytest.fixture
def emailed_order(emailed_customer):
    return OrderFactory(user=emailed_customer, waybill_no="SF1234567890")


def _email_delivery() -> Delivery:
    return Delivery.objects.get(channel=ChannelCode.EMAIL)


def test_email_is_sent_by_the_task_after_commit(
    emailed_customer, emailed_order, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notice = notify(user=emailed_customer, kind=Kind.PICKED_UP, order=emailed_order)
        assert mailoutbox == []  # nothing leaves before the caller's transaction commits
        assert _email_delivery().status == DeliveryStatus.PENDING

    assert len(callbacks) == 1
    callbacks[0]()

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["wang@example.com"]
    assert mail.subject == notice.title == f"订单 {emailed_order.number} 已揽收"
    assert "运单号：SF1234567890" in mail.body
    delivery = _email_delivery()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.SENT, 1, "")
    assert delivery.sent_at is not None


def test_nothing_is_sent_when_the_callers_transaction_rolls_back(
    emailed_customer, emailed_order, mailoutbox, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify(user=emailed_customer, kind=Kind.SIGNED, order=emailed_order)
        raise RuntimeError("the status change failed")

    assert callbacks == []
    assert mailoutbox == []
    assert Notification.objects.count() == 0
    assert Delivery.objects.count() == 0


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def _sweep_after_the_backoff(clock, django_capture_on_commit_callbacks) -> None:
    """Beat's sweeper, once the failed delivery's backoff has passed (tasks run eagerly in tests)."""
    clock.move_to(_email_delivery().next_attempt_at)
    with django_capture_on_commit_callbacks(execute=True):
        assert messages_sweep() == 1


def test_a_failing_channel_records_failed_error_and_attempts(
    settings, emailed_customer, emailed_order, mailoutbox, django_capture_on_commit_callbacks, clock
):
    settings.EMAIL_BACKEND = "notifications.tests.mail_backends.FailingBackend"
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3

    with django_capture_on_commit_callbacks(execute=True):
        notice = notify(user=emailed_customer, kind=Kind.SIGNED, order=emailed_order)
    # Failed once: still pending, due again after its backoff.
    assert (_email_delivery().status, _email_delivery().attempts) == (DeliveryStatus.PENDING, 1)
    for _retry in range(2):
        _sweep_after_the_backoff(clock, django_capture_on_commit_callbacks)

    delivery = _email_delivery()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 3  # retried until the attempts ran out
    assert delivery.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert delivery.sent_at is None
    assert mailoutbox == []
    # The notice itself is in the inbox: in-app delivered, so the user counts as notified.
    in_app = Delivery.objects.of(notice).get(channel=ChannelCode.IN_APP)
    assert in_app.status == DeliveryStatus.SENT


def test_a_flaky_channel_is_retried_until_it_delivers(
    settings, emailed_customer, emailed_order, mailoutbox, django_capture_on_commit_callbacks, clock
):
    settings.EMAIL_BACKEND = "notifications.tests.mail_backends.FlakyBackend"
    FlakyBackend.failures_left = 2

    with django_capture_on_commit_callbacks(execute=True):
        notify(user=emailed_customer, kind=Kind.SIGNED, order=emailed_order)
    for _retry in range(2):
        _sweep_after_the_backoff(clock, django_capture_on_commit_callbacks)

    delivery = _email_delivery()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.SENT, 3, "")
    assert len(mailoutbox) == 1


def test_a_transient_failure_is_retried_by_the_sweeper_later_and_delivered(
    settings, emailed_customer, emailed_order, mailoutbox, django_capture_on_commit_callbacks, clock
):
    """The lost retry: a channel that fails once used to leave its delivery "failed", which the
    sweeper never looked at again."""
    settings.EMAIL_BACKEND = "notifications.tests.mail_backends.FlakyBackend"
    FlakyBackend.failures_left = 1
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=emailed_customer, kind=Kind.SIGNED, order=emailed_order)
    failed_at = timezone.now()

    delivery = _email_delivery()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert delivery.last_error == "TimeoutError: timed out"
    assert delivery.next_attempt_at == failed_at + timedelta(seconds=30)
    assert mailoutbox == []

    # Beat's sweeper runs every minute: not before the backoff ends, then it sends it.
    clock.shift(timedelta(seconds=29))
    assert messages_sweep() == 0
    clock.shift(timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep() == 1

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.SENT, 2, "")
    assert [m.to for m in mailoutbox] == [["wang@example.com"]]
    assert list(delivery.attempt_log.values_list("number", "outcome", "error")) == [
        (1, "retry", "TimeoutError: timed out"),
        (2, "sent", ""),
    ]
    # Nothing is due any more: a later sweep sends nothing twice.
    clock.shift(timedelta(hours=2))
    assert messages_sweep() == 0
    assert len(mailoutbox) == 1


def test_the_task_is_idempotent(
    emailed_customer, emailed_order, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=emailed_customer, kind=Kind.SIGNED, order=emailed_order)
    delivery = _email_delivery()

    tasks.deliver.delay(str(delivery.pk))
    tasks.deliver.delay(str(delivery.pk))
    assert message_deliver(message_id=delivery.pk) == Outcome.SKIPPED
    assert message_deliver(message_id=987654) == Outcome.SKIPPED

    assert len(mailoutbox) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1


def test_an_attempt_another_worker_already_claimed_is_skipped(emailed_customer, emailed_order, monkeypatch):
    notify(user=emailed_customer, kind=Kind.SIGNED, order=emailed_order)  # not committed: not sent
    delivery = _email_delivery()
    from notifications import services

    # Another worker claims the attempt between our read and our compare-and-swap.
    original_filter = engine.Message.objects.filter

    def racing_filter(*args, **kwargs):
        if "attempts" in kwargs:
            engine.Message.objects.update(attempts=1)
        return original_filter(*args, **kwargs)

    monkeypatch.setattr(engine.Message.objects, "filter", racing_filter)
    monkeypatch.setattr(services, "get_channel", lambda code: pytest.fail("must not send"))
    assert message_deliver(message_id=delivery.pk) == Outcome.SKIPPED


def test_a_user_without_an_address_is_a_permanent_failure(
    emailed_customer, emailed_order, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(user=emailed_customer, kind=Kind.SIGNED, order=emailed_order)
    emailed_customer.email = None
    emailed_customer.save(update_fields=["email"])
    callbacks[0]()

    delivery = _email_delivery()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)  # not retried
    assert delivery.last_error == "the user has no e-mail address"
    assert mailoutbox == []


def test_users_without_email_get_in_app_only(customer, order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(user=customer, kind=Kind.SIGNED, order=order)
    assert callbacks == []
    assert list(Delivery.objects.values_list("channel", flat=True)) == ["in_app"]


def test_a_broker_outage_loses_nothing(
    emailed_customer, emailed_order, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    with monkeypatch.context() as patch:
        patch.setattr(tasks.deliver, "apply_async", _broker_down)
        with django_capture_on_commit_callbacks(execute=True):
            notice = notify(user=emailed_customer, kind=Kind.SIGNED, order=emailed_order)
    assert notice is not None
    assert _email_delivery().status == DeliveryStatus.PENDING
    assert mailoutbox == []

    # Not yet stale: the sweeper leaves it alone.
    with django_capture_on_commit_callbacks(execute=True):
        assert messages_sweep() == 0
    later = timezone.now() + timedelta(minutes=11)
    with django_capture_on_commit_callbacks(execute=True):
        assert messages_sweep(now=later) == 1

    assert len(mailoutbox) == 1
    assert _email_delivery().status == DeliveryStatus.SENT


def _broker_down(*args, **kwargs):
    raise ConnectionRefusedError("broker unreachable")


def test_the_sweeper_command(emailed_customer, emailed_order, monkeypatch, capsys):
    with monkeypatch.context() as patch:
        patch.setattr(tasks.deliver, "apply_async", _broker_down)
        notify(user=emailed_customer, kind=Kind.SIGNED, order=emailed_order)
    # Left pending an hour ago: the sweeper's grace is long over.
    Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(hours=1))

    call_command("send_pending_notifications")

    assert capsys.readouterr().out.strip() == "queued 1 deliveries"


def test_sms_channel_defaults_to_the_log(customer, order, caplog):
    notice = notify(user=customer, kind=Kind.SIGNED, order=order)
    sms = message_add(draft=delivery_draft(notification=notice, channel=ChannelCode.SMS))

    with caplog.at_level("INFO", logger="notifications.channels"):
        assert message_deliver(message_id=sms.pk) == Outcome.SENT

    # The log never shows a full phone number (operations.logs masks it in every line).
    assert f"SMS to +86 138****8000: 订单 {order.number} 已签收" in caplog.text


def test_deleting_the_account_deletes_every_delivery_of_its_notices(
    emailed_customer, emailed_order, other_customer, mailoutbox
):
    from accounts.services.privacy import account_delete
    from tests.factories import PASSWORD

    notify(user=emailed_customer, kind=Kind.SIGNED, order=emailed_order)  # e-mail not sent yet
    kept = notify(user=other_customer, kind=Kind.SIGNED, order=OrderFactory(user=other_customer))
    assert Delivery.objects.count() == 3

    account_delete(user=emailed_customer, password=PASSWORD)

    # Nothing is left to send to the deleted account; the other user's notice is untouched.
    assert list(Delivery.objects.values_list("subject", "channel")) == [(f"notification:{kept.pk}", "in_app")]
    assert messages_sweep(now=timezone.now() + timedelta(hours=1), channels=ChannelCode.values) == 0
    assert mailoutbox == []
