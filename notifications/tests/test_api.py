from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import Kind, Notification
from notifications.services import notify
from orders.tests.factories import OrderFactory

URL = "/api/v1/notifications/"


def _notice(user, kind=Kind.SIGNED, order=None, minutes_ago=0, **kwargs):
    notice = notify(user=user, kind=kind, order=order or OrderFactory(user=user), **kwargs)
    Notification.objects.filter(pk=notice.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    notice.refresh_from_db()
    return notice


def test_list_is_mine_only_newest_first(
    customer_client, customer, other_customer, django_assert_max_num_queries
):
    older = _notice(customer, Kind.ACCEPTED, minutes_ago=30)
    newer = _notice(customer, Kind.PICKUP_EXCEPTION, minutes_ago=5)
    announcement = notify(
        user=customer,
        kind=Kind.SERVICE_FEE_ANNOUNCEMENT,
        context={"amount": "1.00", "effective_at": "2027-01-01T00:00:00+08:00"},
    )
    _notice(other_customer)

    with django_assert_max_num_queries(2):  # count + page
        response = customer_client.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [n["id"] for n in body["results"]] == [announcement.pk, newer.pk, older.pk]
    assert body["results"][1] == {
        "id": newer.pk,
        "kind": "pickup_exception",
        "title": newer.title,
        "body": newer.body,
        "order": newer.order.number,
        "read": False,
        "created_at": body["results"][1]["created_at"],
        "requires_action": True,
    }
    assert body["results"][0]["order"] is None


def test_list_is_paginated(customer_client, customer):
    order = OrderFactory(user=customer)
    for _ in range(21):
        notify(user=customer, kind=Kind.PROBLEM, order=order)

    body = customer_client.get(URL).json()

    assert body["count"] == 21
    assert len(body["results"]) == 20
    assert body["next"].endswith("?page=2")


def test_notices_about_a_deleted_order_disappear(customer_client, customer):
    notice = _notice(customer)
    kept = _notice(customer)
    notice.order.hidden_by_user_at = timezone.now()
    notice.order.save(update_fields=["hidden_by_user_at"])

    assert [n["id"] for n in customer_client.get(URL).json()["results"]] == [kept.pk]
    assert customer_client.post(f"{URL}{notice.pk}/read/").status_code == 404


def test_mark_read(customer_client, customer):
    notice = _notice(customer)

    response = customer_client.post(f"{URL}{notice.pk}/read/")

    assert response.status_code == 200
    assert response.json()["read"] is True
    notice.refresh_from_db()
    read_at = notice.read_at
    assert read_at is not None
    # Again: still 200, the first read time is kept.
    assert customer_client.post(f"{URL}{notice.pk}/read/").status_code == 200
    notice.refresh_from_db()
    assert notice.read_at == read_at


def test_another_users_notice_is_404(customer_client, other_customer):
    theirs = _notice(other_customer)

    assert customer_client.post(f"{URL}{theirs.pk}/read/").status_code == 404
    assert customer_client.post(f"{URL}999999/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_refused(api_client, customer, method):
    notice = _notice(customer)
    url = URL if method == "get" else f"{URL}{notice.pk}/read/"
    assert getattr(api_client, method)(url).status_code in (401, 403)
    notice.refresh_from_db()
    assert notice.read_at is None


def test_token_auth_works(api_client, customer):
    from rest_framework.authtoken.models import Token

    _notice(customer)
    token = Token.objects.create(user=customer)
    response = api_client.get(URL, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert response.json()["count"] == 1
