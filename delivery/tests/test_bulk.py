"""Set-based inserts from plain values (PostgreSQL): the rows are those the ORM would write."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from delivery.bulk import rows_insert
from delivery.models import Attempt, Message, Status
from delivery.services import Draft, messages_add, messages_insert

pytestmark = pytest.mark.django_db

MIDNIGHT = datetime(2026, 11, 22, 16, 0, tzinfo=UTC)
# Every column the engine writes, as the database holds it.
COLUMNS = [f.attname for f in Message._meta.concrete_fields if f.attname != "id"]


def _drafts(prefix: str) -> list[Draft]:
    return [
        Draft(
            channel="carrier",
            event_type="order.expired",
            subject=f"{prefix}:1",
            recipient="7",
            rank=1,
            payload={"order": "A1", "at": MIDNIGHT, "fee": Decimal("1.50")},
        ),
        Draft(channel="in_app", event_type="expired", subject=f"{prefix}:2", recipient="8", sent=True),
        Draft(channel="sms", event_type="expired", subject=f"{prefix}:2", recipient="8"),
    ]


def _rows(prefix: str) -> list[dict]:
    rows = Message.objects.filter(subject__startswith=prefix).order_by("subject", "channel").values(*COLUMNS)
    return [{**row, "subject": row["subject"].removeprefix(prefix)} for row in rows]


def test_messages_insert_writes_the_rows_messages_add_writes(settings):
    now = timezone.now()
    with transaction.atomic():
        added = messages_add(drafts=_drafts("add"), now=now)
        inserted = messages_insert(drafts=_drafts("ins"), now=now)

    assert _rows("add") == _rows("ins")
    assert len(_rows("ins")) == 3
    due = now + timedelta(seconds=settings.DELIVERY_SWEEP_GRACE_SECONDS)
    assert set(
        Message.objects.filter(subject__startswith="ins").values_list("next_attempt_at", flat=True)
    ) == {due}
    # The ids and statuses returned are those written, in the drafts' order.
    assert (
        [status for _pk, status, _channel in inserted]
        == [m.status for m in added]
        == [
            "pending",
            "sent",
            "pending",
        ]
    )
    assert [channel for _pk, _status, channel in inserted] == ["carrier", "in_app", "sms"]
    stored = Message.objects.filter(subject__startswith="ins").values_list("pk", "status", "channel")
    assert set(inserted) == set(stored)


def _needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("rows_insert writes through PostgreSQL's unnest")


@pytest.mark.postgres
def test_rows_insert_writes_varying_and_constant_columns_and_returns_what_it_wrote():
    _needs_postgres()
    now = timezone.now()
    rows = [
        (
            f"00000000-0000-4000-8000-00000000000{n}",
            "carrier",
            "e",
            f"s:{n}",
            0,
            "",
            {"n": n},
            "pending",
            0,
            now,
            None,
            "",
            now,
            None,
        )
        for n in range(3)
    ]
    fields = (
        "id",
        "channel",
        "event_type",
        "subject",
        "rank",
        "recipient",
        "payload",
        "status",
        "attempts",
        "next_attempt_at",
        "last_attempt_at",
        "last_error",
        "created_at",
        "sent_at",
    )
    written = rows_insert(model=Message, fields=fields, rows=rows, returning=("subject", "payload"))

    assert sorted(subject for subject, _payload in written) == ["s:0", "s:1", "s:2"]
    stored = Message.objects.order_by("subject")
    assert [(m.subject, m.payload, m.status, m.created_at) for m in stored] == [
        (f"s:{n}", {"n": n}, Status.PENDING, now) for n in range(3)
    ]


@pytest.mark.postgres
def test_rows_insert_writes_every_row_when_no_column_varies():
    _needs_postgres()
    now = timezone.now()
    message = messages_add(drafts=[Draft(channel="carrier", event_type="e", subject="s")], now=now)[0]
    fields = ("message", "number", "started_at", "finished_at", "outcome", "error")
    rows_insert(model=Attempt, fields=fields, rows=[(message.pk, 1, now, now, "retry", "busy")] * 3)

    assert (
        list(Attempt.objects.values_list("message_id", "number", "outcome", "error"))
        == [(message.pk, 1, "retry", "busy")] * 3
    )


@pytest.mark.postgres
def test_rows_insert_skips_the_rows_that_break_a_unique_constraint():
    _needs_postgres()
    now = timezone.now()
    fields = (
        "id",
        "channel",
        "event_type",
        "subject",
        "rank",
        "recipient",
        "payload",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
    )
    ids = [f"00000000-0000-4000-8000-0000000000{n:02d}" for n in range(3)]

    def row(n: int, subject: str) -> tuple:
        return (ids[n], "carrier", "e", subject, 0, "", {}, "pending", 0, now, "", now)

    rows_insert(model=Message, fields=fields, rows=[row(0, "one"), row(1, "two")])
    again = rows_insert(
        model=Message,
        fields=fields,
        rows=[row(1, "two"), row(2, "three")],
        returning=("subject",),
        ignore_conflicts=True,
    )

    assert again == [("three",)]
    assert sorted(Message.objects.values_list("subject", flat=True)) == ["one", "three", "two"]
