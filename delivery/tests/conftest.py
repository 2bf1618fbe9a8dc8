import pytest
import time_machine
from django.utils import timezone

from delivery import registry
from delivery.registry import Delivered, FailedForGood, RetryLater

CHANNEL = "test-pigeon"


class Pigeon:
    """A test channel: records what it was given, answers what the test queues up."""

    def __init__(self):
        self.sent: list[str] = []
        self.answers: list = []

    def send(self, message):
        answer = self.answers.pop(0) if self.answers else Delivered()
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, Delivered):
            self.sent.append(str(message.pk))
        return answer


@pytest.fixture
def pigeon(monkeypatch):
    """The test channel, registered with the engine for the test only (5 attempts)."""
    sender = Pigeon()
    monkeypatch.setitem(
        registry._SENDERS,
        CHANNEL,
        registry.Sender(channel=CHANNEL, send=sender.send, max_attempts=lambda: 5, queue=lambda: "default"),
    )
    return sender


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


__all__ = ["CHANNEL", "Delivered", "FailedForGood", "Pigeon", "RetryLater"]
