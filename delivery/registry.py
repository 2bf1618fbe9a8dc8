"""Senders, registered by channel from their own apps' ``AppConfig.ready``, each with the Celery
queue its channel's messages are sent from (README "Production topology": carrier messages and
notifications on queues of their own, each with its own workers).

A sender turns one :class:`~delivery.models.Message` into whatever its channel speaks (a signed
carrier push, an e-mail, an SMS) and reports how it went: :class:`Delivered`, :class:`RetryLater`
or :class:`FailedForGood`. Returning ``None`` counts as delivered; raising counts as
:class:`RetryLater` with the error as its reason. Senders never retry by themselves: due times,
backoff and dead letters belong to the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from delivery.models import Message


@dataclass(frozen=True)
class Delivered:
    """The receiver has it."""


@dataclass(frozen=True)
class RetryLater:
    """Not delivered this time; a later attempt may succeed."""

    reason: str


@dataclass(frozen=True)
class FailedForGood:
    """Retrying cannot help (no address, refused by the receiver): straight to the dead letters."""

    reason: str


Result = Delivered | RetryLater | FailedForGood
Send = Callable[["Message"], Result | None]


@dataclass(frozen=True)
class Sender:
    channel: str
    send: Send
    # Attempts before a message is a dead letter; read at each attempt, so settings apply at once.
    max_attempts: Callable[[], int]
    # The name of the queue its messages are sent from, read at each queueing: a setting (one of
    # CELERY_TASK_QUEUES), so that renaming the queues renames them here too.
    queue: Callable[[], str]


class UnknownChannel(LookupError):
    pass


_SENDERS: dict[str, Sender] = {}


def sender_register(
    *, channel: str, send: Send, max_attempts: Callable[[], int] | int, queue: Callable[[], str]
) -> Sender:
    """Register (or replace) the sender of ``channel``; ``queue`` names the queue it is sent from."""
    limit = max_attempts if callable(max_attempts) else (lambda: max_attempts)
    sender = Sender(channel=channel, send=send, max_attempts=limit, queue=queue)
    _SENDERS[channel] = sender
    return sender


_EVENT_TYPES: dict[str, frozenset[str]] = {}


def event_types_declare(*, channel: str, event_types: Iterable[str]) -> None:
    """Declare the event types an app writes on ``channel`` (from its ``AppConfig.ready``): the
    admin offers them as filters instead of reading every row for the distinct ones."""
    _EVENT_TYPES[channel] = _EVENT_TYPES.get(channel, frozenset()) | frozenset(event_types)


def channels_known() -> list[str]:
    """Every channel with a sender, sorted."""
    return sorted(_SENDERS)


def event_types_known() -> list[str]:
    """Every event type declared on any channel, sorted."""
    return sorted(frozenset().union(*_EVENT_TYPES.values()))


def sender_for(channel: str) -> Sender:
    try:
        return _SENDERS[channel]
    except KeyError:
        raise UnknownChannel(f"no sender registered for channel {channel!r}") from None


def queue_for(channel: str) -> str:
    """The queue a message of ``channel`` is sent from; one nobody registered goes to the default
    queue (its attempt records that no sender exists)."""
    sender = _SENDERS.get(channel)
    return sender.queue() if sender else settings.CELERY_TASK_DEFAULT_QUEUE
