"""The e-mail channel through Django's SMTP backend to a real SMTP server on loopback (aiosmtpd):
what arrives, a transient refusal retried to success, and a retried task that never sends twice."""

import socket
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.utils import timezone

from delivery import tasks
from delivery.services import Outcome, message_deliver
from delivery.tasks import messages_sweep
from notifications.models import ChannelCode, Delivery, DeliveryStatus, Kind
from notifications.services import notify
from orders.tests.factories import OrderFactory
from tests.factories import UserFactory


class Mailbox:
    """Accepts mail, or answers ``451`` (try again later) while ``refusals`` last."""

    def __init__(self):
        self.messages = []
        self.refusals = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refusals:
            self.refusals -= 1
            return "451 4.3.0 Mailbox busy, try again later"
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "noreply@courier.example.com"
    settings.PLATFORM_URL = "https://courier.example.com"
    yield mailbox
    controller.stop()


@pytest.fixture
def reader(db):
    return UserFactory(email="reader@example.com", language="en")


def _email() -> Delivery:
    return Delivery.objects.get(channel=ChannelCode.EMAIL)


def test_a_notice_arrives_by_smtp_in_the_recipients_language(
    smtp, reader, django_capture_on_commit_callbacks
):
    order = OrderFactory(user=reader, waybill_no="SF1234567890")
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=reader, kind=Kind.PICKED_UP, order=order)

    [(recipients, mail)] = smtp.messages
    assert recipients == ["reader@example.com"]
    assert mail["From"] == "noreply@courier.example.com"
    assert mail["Subject"] == f"Order {order.number} picked up"
    body = mail.get_content()
    assert "Waybill number: SF1234567890" in body
    assert body.rstrip().endswith(f"https://courier.example.com/orders/{order.number}/")
    assert (_email().status, _email().attempts) == (DeliveryStatus.SENT, 1)


def test_a_transient_refusal_is_retried_to_success_and_never_sent_twice(
    smtp, reader, django_capture_on_commit_callbacks
):
    smtp.refusals = 1
    with time_machine.travel(timezone.now(), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            notify(user=reader, kind=Kind.SIGNED, order=OrderFactory(user=reader))
        delivery = _email()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
        assert delivery.last_error.startswith("SMTPDataError: (451, b'4.3.0 Mailbox busy")
        assert smtp.messages == []

        clock.shift(timedelta(seconds=30))
        with django_capture_on_commit_callbacks(execute=True):
            assert messages_sweep() == 1
        assert len(smtp.messages) == 1

        # The retried task again, a duplicate delivery of it, and later sweeps: nothing more goes.
        tasks.deliver(str(delivery.pk))
        tasks.deliver_many([str(delivery.pk)])
        assert message_deliver(message_id=delivery.pk) == Outcome.SKIPPED
        clock.shift(timedelta(hours=2))
        assert messages_sweep() == 0

    assert len(smtp.messages) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.SENT, 2, "")
    assert [a.outcome for a in delivery.attempt_log.all()] == ["retry", "sent"]
