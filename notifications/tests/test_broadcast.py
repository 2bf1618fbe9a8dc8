"""Broadcasts to every active user: batched, never twice, resumable after a worker dies."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from notifications import broadcasts
from notifications.announcements import broadcast_start
from notifications.models import Broadcast, BroadcastStatus, Delivery, Kind, Notification
from notifications.tasks import broadcasts_resume
from tests.factories import UserFactory

CONTEXT = {"amount": "2.00", "currency": "CNY", "effective_at": "2027-01-01T00:00:00+08:00"}


@pytest.fixture
def users(db):
    UserFactory(is_active=False)
    return [UserFactory(language=lang) for lang in ["zh-hans", "zh-hant", "en", "en", "", "zh-hans", "en"]]


def _start() -> Broadcast:
    broadcast_start(kind=Kind.SERVICE_FEE_ANNOUNCEMENT, context=CONTEXT, dedupe_key="service_fee:1")
    return Broadcast.objects.get()


def _told() -> list[int]:
    return sorted(Notification.objects.values_list("user_id", flat=True))


def test_every_active_user_is_told_once_after_commit(users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert broadcast_start(kind=Kind.SERVICE_FEE_ANNOUNCEMENT, context=CONTEXT, dedupe_key="fee:1") == 7
    assert Notification.objects.count() == 0  # nothing before the publisher commits
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()

    assert _told() == sorted(u.pk for u in users)
    broadcast = Broadcast.objects.get()
    assert (broadcast.status, broadcast.told, broadcast.cursor) == (BroadcastStatus.DONE, 7, users[-1].pk)
    titles = dict(Notification.objects.values_list("user__language", "title").distinct())
    assert titles == {
        "zh-hans": "平台服务费公告",
        "zh-hant": "平臺服務費公告",
        "en": "Platform service fee announcement",
        "": "平台服务费公告",
    }
    # Started again (a retried publish): the same broadcast, nobody told twice.
    with django_capture_on_commit_callbacks(execute=True):
        broadcast_start(kind=Kind.SERVICE_FEE_ANNOUNCEMENT, context=CONTEXT, dedupe_key="fee:1")
    assert Broadcast.objects.count() == 1
    assert Notification.objects.count() == 7


def test_a_worker_that_dies_midway_is_resumed_from_where_it_stopped(users, monkeypatch):
    broadcast = _start()
    real_notify_many = broadcasts.notify_many
    calls = []

    def dies_in_the_second_batch(**kwargs):
        calls.append(kwargs["users"])
        if len(calls) == 2:
            raise SystemExit("worker killed")  # mid-batch: its transaction never commits
        return real_notify_many(**kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(broadcasts, "notify_many", dies_in_the_second_batch)
        with pytest.raises(SystemExit):
            broadcasts.broadcast_send(broadcast_id=broadcast.pk, batch_size=3)

    broadcast.refresh_from_db()
    assert _told() == sorted(u.pk for u in users[:3])  # the first batch, and only it
    assert (broadcast.status, broadcast.cursor, broadcast.told) == (BroadcastStatus.SENDING, users[2].pk, 3)
    # Its lease still holds it: a second copy of the task does nothing meanwhile.
    assert broadcasts.broadcast_send(broadcast_id=broadcast.pk) == 0
    assert broadcasts_resume() == 0

    with time_machine.travel(timezone.now() + broadcasts.LEASE + timedelta(seconds=1)):
        assert broadcasts_resume() == 1  # queued (eagerly run here)

    broadcast.refresh_from_db()
    assert (broadcast.status, broadcast.told) == (BroadcastStatus.DONE, 7)
    assert _told() == sorted(u.pk for u in users)


def test_the_resume_command(users, capsys):
    broadcast = _start()
    assert broadcasts.broadcast_send(broadcast_id=broadcast.pk, batch_size=2, max_batches=2) == 4

    call_command("resume_broadcasts")

    assert capsys.readouterr().out.strip() == "1 broadcast(s) resumed, 3 notice(s) written."
    assert _told() == sorted(u.pk for u in users)
    call_command("resume_broadcasts")
    assert capsys.readouterr().out.strip() == "0 broadcast(s) resumed, 0 notice(s) written."


def test_the_queries_grow_with_batches_not_users(db, django_assert_num_queries, settings):
    settings.NOTIFICATIONS_CHANNELS = ["email", "sms"]
    UserFactory.create_batch(6, email=None)
    broadcast = _start()

    # The claim; per batch, in its own transaction (savepoints here): lock the broadcast, read the
    # batch, look up existing notices, a savepoint with the notices and their in-app deliveries,
    # the cursor; then the empty read and "done".
    per_batch = 10
    with django_assert_num_queries(1 + 3 * per_batch + 5):
        assert broadcasts.broadcast_send(broadcast_id=broadcast.pk, batch_size=2) == 6
    assert Delivery.objects.count() == 6
