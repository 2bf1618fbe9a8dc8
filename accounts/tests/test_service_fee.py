"""The platform service fee (000 3.2) changes only through an announcement published before the
date it applies from; every user is told; prices carry the fee from that date, never before."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError

from accounts.models import ServiceFeeAnnouncement
from accounts.services.service_fee import service_fee_announcement_publish
from carriers.tests.helpers import local
from notifications.models import Kind, Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

T0 = local(2026, 11, 23, 9, 30)
ADD = "/admin/accounts/servicefeeannouncement/add/"
CHANGELIST = "/admin/accounts/servicefeeannouncement/"
BODY = {
    "from": {"province": "广东省", "city": "深圳市", "district": "南山区"},
    "to": {"province": "北京市", "city": "北京市", "district": "朝阳区"},
    "weight_kg": "1.5",
}


def _prices(api_client) -> dict[str, str]:
    response = api_client.post("/api/v1/estimates/", BODY, format="json")
    assert response.status_code == 200
    return {e["carrier"]: e["price"]["amount"] for e in response.json()["estimates"] if e["price"]}


def test_the_fee_applies_from_its_date_never_before(
    api_client, demo_carriers, customer, other_customer, django_capture_on_commit_callbacks
):
    UserFactory(phone="+8613500135000", is_active=False)
    with time_machine.travel(T0, tick=False):
        before = _prices(api_client)
        announcement = ServiceFeeAnnouncement.objects.create(
            fee=Decimal("2.00"), effective_at=T0 + timedelta(days=7)
        )

        # Every active user is told by a broadcast after commit.
        with django_capture_on_commit_callbacks(execute=True):
            told = service_fee_announcement_publish(announcement=announcement)

        assert told == 2  # every active user, nobody else
        notices = Notification.objects.filter(kind=Kind.SERVICE_FEE_ANNOUNCEMENT)
        assert sorted(n.user_id for n in notices) == sorted([customer.pk, other_customer.pk])
        assert "2.00" in notices[0].body
        assert _prices(api_client) == before
    with time_machine.travel(T0 + timedelta(days=7, seconds=-1), tick=False):
        assert _prices(api_client) == before
    with time_machine.travel(T0 + timedelta(days=7, seconds=1), tick=False):
        after = _prices(api_client)
    assert after["swift-express"] == str(Decimal(before["swift-express"]) + Decimal("2.00"))
    assert after["econ-post"] == str(Decimal(before["econ-post"]) + Decimal("2.00"))


def test_publishing_on_or_after_the_effective_date_is_refused(customer):
    with time_machine.travel(T0, tick=False):
        announcement = ServiceFeeAnnouncement.objects.create(fee=Decimal("1.00"), effective_at=T0)
        with pytest.raises(ValidationError) as refused:
            service_fee_announcement_publish(announcement=announcement)
    assert refused.value.message_dict == {"effective_at": ["生效时间必须晚于发布时间。"]}
    announcement.refresh_from_db()
    assert announcement.published_at is None
    assert Notification.objects.count() == 0


def test_a_published_announcement_cannot_be_published_again(customer, django_capture_on_commit_callbacks):
    with time_machine.travel(T0, tick=False):
        announcement = ServiceFeeAnnouncement.objects.create(
            fee=Decimal("1.00"), effective_at=T0 + timedelta(days=1)
        )
        with django_capture_on_commit_callbacks(execute=True):
            service_fee_announcement_publish(announcement=announcement)
        with pytest.raises(ValidationError), django_capture_on_commit_callbacks(execute=True):
            service_fee_announcement_publish(announcement=announcement)
    assert Notification.objects.count() == 1


def test_the_admin_refuses_an_effective_date_not_in_the_future(client, moderator):
    client.force_login(moderator)
    with time_machine.travel(T0, tick=False):
        response = client.post(
            ADD, {"fee": "3.00", "effective_at_0": "2026-11-23", "effective_at_1": "09:00:00"}
        )
    assert response.status_code == 200
    assert "生效时间必须晚于发布时间。" in response.content.decode()
    assert ServiceFeeAnnouncement.objects.count() == 0


def test_the_admin_publishes_and_then_keeps_it_as_it_was(
    client, moderator, customer, django_capture_on_commit_callbacks
):
    client.force_login(moderator)
    with time_machine.travel(T0, tick=False):
        added = client.post(
            ADD, {"fee": "3.00", "effective_at_0": "2026-12-01", "effective_at_1": "00:00:00"}
        )
        assert added.status_code == 302
        announcement = ServiceFeeAnnouncement.objects.get()
        with django_capture_on_commit_callbacks(execute=True):  # the broadcast goes after commit
            client.post(
                CHANGELIST, {"action": "publish", ACTION_CHECKBOX_NAME: [announcement.pk], "index": "0"}
            )
    announcement.refresh_from_db()
    assert announcement.published_at == T0
    assert Notification.objects.filter(user=customer, kind=Kind.SERVICE_FEE_ANNOUNCEMENT).count() == 1
    change = client.post(
        f"{CHANGELIST}{announcement.pk}/change/",
        {"fee": "0.00", "effective_at_0": "2026-12-01", "effective_at_1": "00:00:00"},
    )
    assert change.status_code == 403
    announcement.refresh_from_db()
    assert announcement.fee == Decimal("3.00")
