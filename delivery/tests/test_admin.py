"""Everything sent, in the admin: listed, filtered, each attempt on record, retried in bulk."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from delivery.models import Message, Status
from delivery.registry import RetryLater
from delivery.services import Draft, message_add, message_deliver
from delivery.tests.conftest import CHANNEL

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, moderator):
    client.force_login(moderator)
    return client


def _message(subject: str, **fields) -> Message:
    message = message_add(draft=Draft(channel=CHANNEL, event_type="parcel.sent", subject=subject))
    Message.objects.filter(pk=message.pk).update(**fields)
    message.refresh_from_db()
    return message


def test_the_admin_lists_filters_and_shows_every_attempt(admin_client, pigeon):
    dead = _message("parcel:1")
    pigeon.answers = [RetryLater("the pigeon is busy")]
    message_deliver(message_id=dead.pk)
    Message.objects.filter(pk=dead.pk).update(status=Status.FAILED)
    _message("parcel:2", status=Status.SENT)
    url = reverse("admin:delivery_message_changelist")

    response = admin_client.get(url, {"status__exact": "failed"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [dead]
    assert list(admin_client.get(url, {"q": "parcel:1"}).context["cl"].result_list) == [dead]
    assert list(admin_client.get(url, {"channel__exact": CHANNEL}).context["cl"].result_list) != []

    detail = admin_client.get(reverse("admin:delivery_message_change", args=[dead.pk])).content.decode()
    assert "the pigeon is busy" in detail  # the attempt and its error
    assert 'name="_save"' not in detail  # a record, not a form


def test_the_admin_retries_dead_letters_in_bulk(admin_client, pigeon, django_capture_on_commit_callbacks):
    dead = [_message(f"parcel:{n}", status=Status.FAILED, attempts=5, last_error="busy") for n in range(3)]
    sent = _message("parcel:9", status=Status.SENT, attempts=1)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:delivery_message_changelist"),
            {"action": "retry_messages", "_selected_action": [str(m.pk) for m in [*dead, sent]]},
            follow=True,
        )

    assert response.status_code == 200
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "再次排队 3 条消息。",
        "1 条消息已发送，未作处理。",
    ]
    assert sorted(pigeon.sent) == sorted(str(m.pk) for m in dead)
    assert set(Message.objects.values_list("status", flat=True)) == {"sent"}
    assert sorted(Message.objects.filter(pk__in=[m.pk for m in dead]).values_list("attempts", flat=True)) == [
        6,
        6,
        6,
    ]
