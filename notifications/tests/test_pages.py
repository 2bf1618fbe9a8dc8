from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import timezone

from notifications.context_processors import inbox
from notifications.models import Kind, Notification
from notifications.services import notify
from orders.tests.factories import OrderFactory

INBOX = "/notifications/"


@pytest.fixture
def logged_in(client, customer):
    client.force_login(customer)
    return client


# An order in the state each kind is about (a pickup exception open, an order expired).
ORDER_STATE = {
    Kind.PICKUP_EXCEPTION: {"status": "accepted", "exception_code": "unreachable"},
    Kind.EXPIRED: {"status": "expired"},
}


def _notice(user, kind=Kind.SIGNED, minutes_ago=0, **kwargs):
    order = OrderFactory(user=user, **ORDER_STATE.get(kind, {}))
    notice = notify(user=user, kind=kind, order=order, **kwargs)
    Notification.objects.filter(pk=notice.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return notice


def test_inbox_lists_my_notices_newest_first_unread_highlighted(
    logged_in, customer, other_customer, django_assert_max_num_queries
):
    read = _notice(customer, Kind.ACCEPTED, minutes_ago=60)
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    unread = _notice(customer, Kind.PICKED_UP, minutes_ago=1)
    theirs = _notice(other_customer)
    for _ in range(5):  # more rows cost no more queries
        _notice(customer, minutes_ago=30)

    # session, user, count, page; the banner and badge are not in base.html yet.
    with django_assert_max_num_queries(6):
        response = logged_in.get(INBOX)

    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-notification="{unread.pk}"' in html
    assert theirs.title not in html
    assert html.index(unread.title) < html.index(read.title)
    assert f'class="card inbox-item unread" data-notification="{unread.pk}"' in html
    assert f'class="card inbox-item read" data-notification="{read.pk}"' in html
    assert f'href="/orders/{unread.order.number}/"' in html
    assert f'action="/notifications/{unread.pk}/read/"' in html
    assert f'action="/notifications/{read.pk}/read/"' not in html  # already read: no button
    assert "csrfmiddlewaretoken" in html


def test_inbox_needs_login(client):
    response = client.get(INBOX)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_inbox_empty_and_paginated(logged_in, customer):
    assert "还没有通知" in logged_in.get(INBOX).content.decode()
    order = OrderFactory(user=customer)
    for _ in range(21):
        notify(user=customer, kind=Kind.PROBLEM, order=order)
    html = logged_in.get(INBOX).content.decode()
    assert html.count('class="card inbox-item') == 20
    assert "?page=2" in html
    assert logged_in.get(f"{INBOX}?page=2").content.decode().count('class="card inbox-item') == 1


def test_mark_one_read_and_back(logged_in, customer):
    notice = _notice(customer)
    other = _notice(customer)

    response = logged_in.post(f"/notifications/{notice.pk}/read/", {"next": "/orders/"})

    assert response.status_code == 302
    assert response["Location"] == "/orders/"
    notice.refresh_from_db()
    other.refresh_from_db()
    assert notice.read_at is not None
    assert other.read_at is None


def test_mark_read_refuses_other_hosts_as_next(logged_in, customer):
    notice = _notice(customer)
    response = logged_in.post(f"/notifications/{notice.pk}/read/", {"next": "https://evil.example/"})
    assert response["Location"] == INBOX


def test_mark_all_read(logged_in, customer, other_customer):
    mine = [_notice(customer), _notice(customer)]
    theirs = _notice(other_customer)

    response = logged_in.post("/notifications/read-all/")

    assert response.status_code == 302
    assert response["Location"] == INBOX
    assert all(Notification.objects.get(pk=n.pk).read_at for n in mine)
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_marking_another_users_notice_is_404(logged_in, other_customer):
    theirs = _notice(other_customer)
    assert logged_in.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_mark_read_is_post_only_and_needs_csrf(customer):
    notice = _notice(customer)
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)

    assert client.get(f"/notifications/{notice.pk}/read/").status_code == 405
    assert client.post(f"/notifications/{notice.pk}/read/").status_code == 403
    assert client.post("/notifications/read-all/").status_code == 403
    assert Notification.objects.get(pk=notice.pk).read_at is None


# --- the badge and the banner on every page ----------------------------------------------------


def _request(user):
    request = RequestFactory().get("/orders/")
    request.user = user
    return request


def test_context_processor_costs_no_query_for_anonymous(db, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    with django_assert_num_queries(0):
        context = inbox(_request(AnonymousUser()))
    assert context == {"unread_notifications": 0, "action_notice": None}


def test_context_processor_costs_two_queries_at_most(customer, django_assert_num_queries):
    _notice(customer, Kind.SIGNED)
    exception = _notice(customer, Kind.PICKUP_EXCEPTION, minutes_ago=10)
    _notice(customer, Kind.EXPIRED, minutes_ago=20)

    with django_assert_num_queries(0):
        context = inbox(_request(customer))  # lazy: nothing until a template reads it
    with django_assert_num_queries(2):
        assert context["unread_notifications"] == 3
        assert context["action_notice"].pk == exception.pk  # the latest unread one needing action
        assert context["unread_notifications"] > 2
        assert context["action_notice"].order_number == exception.order.number


def test_the_banner_is_the_latest_unread_action_notice(customer):
    expired = _notice(customer, Kind.EXPIRED, minutes_ago=20)
    exception = _notice(customer, Kind.PICKUP_EXCEPTION, minutes_ago=10)
    Notification.objects.filter(pk=exception.pk).update(read_at=timezone.now())
    _notice(customer, Kind.SIGNED)

    request = _request(customer)
    html = render_to_string("notifications/_banner.html", inbox(request), request=request)

    assert f'data-notification="{expired.pk}"' in html
    assert expired.title in html
    assert f'href="/orders/{expired.order.number}/"' in html
    assert f'action="/notifications/{expired.pk}/read/"' in html
    assert 'name="next" value="/orders/"' in html


def test_no_banner_and_no_badge_when_all_is_read(customer):
    _notice(customer, Kind.PICKUP_EXCEPTION)
    Notification.objects.update(read_at=timezone.now())
    request = _request(customer)
    context = inbox(request)

    assert render_to_string("notifications/_banner.html", context, request=request).strip() == ""
    badge = render_to_string("notifications/_nav_link.html", context, request=request)
    assert 'href="/notifications/"' in badge
    assert "badge" not in badge


def test_the_badge_shows_the_unread_count(customer, other_customer):
    for _ in range(3):
        _notice(customer)
    _notice(other_customer)
    request = _request(customer)

    badge = render_to_string("notifications/_nav_link.html", inbox(request), request=request)

    assert 'data-unread="3"' in badge
    assert ">3<" in badge


def test_the_badge_caps_at_99(customer):
    order = OrderFactory(user=customer)
    Notification.objects.bulk_create(
        Notification(user=customer, kind=Kind.PROBLEM, title="t", order=order) for _ in range(100)
    )
    request = _request(customer)
    assert "99+" in render_to_string("notifications/_nav_link.html", inbox(request), request=request)


def test_every_page_gets_the_context(logged_in, customer):
    _notice(customer, Kind.PICKUP_EXCEPTION)
    response = logged_in.get("/orders/")
    assert response.context["unread_notifications"] == 1
    assert response.context["action_notice"].kind == "pickup_exception"
