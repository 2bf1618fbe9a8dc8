"""The action banner (DESIGN §9): shown while the thing to act on is still open, and cleared by
whatever closes it — the carrier resolving the exception, progress, a cancel, the expiry, deleting
the order. Events arrive over the signed carrier API; the banner is read on a page."""

from datetime import timedelta

import pytest
from django.test import Client

from carriers.services import carrier_credentials_rotate
from notifications.models import Kind, Notification
from orders.models import Status
from orders.services.cancellation import order_cancel, order_delete
from orders.services.expiry import orders_expire_due
from orders.tests.carrier_events_support import NOW, Sender, body, minutes_ago, order_at, picked_up_data

S = Status


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def send(api_client, carrier):
    return Sender(api_client, carrier.code, carrier_credentials_rotate(carrier=carrier))


@pytest.fixture
def page(customer):
    client = Client()
    client.force_login(customer)
    return client


def banner(page) -> Notification | None:
    response = page.get("/orders/")
    assert response.status_code == 200
    notice = response.context["action_notice"]  # lazy: falsy when there is none
    html = response.content.decode()
    if not notice:
        assert "data-notification=" not in html
        return None
    assert f'data-notification="{notice.pk}"' in html
    return notice


@pytest.fixture
def exception_order(send, carrier, customer, page):
    order = order_at(carrier, customer, S.ACCEPTED, courier_name="王师傅", courier_phone="13700137000")
    response = send.post(
        body(order, "order.pickup_exception", minutes_ago(5), {"code": "unreachable", "note": "无人接听"})
    )
    assert response.status_code == 200, response.content
    notice = Notification.objects.get(order=order, kind=Kind.PICKUP_EXCEPTION)
    assert banner(page) == notice
    return order


def test_resolving_the_exception_clears_the_banner(send, exception_order, page):
    assert (
        send.post(body(exception_order, "order.exception_resolved", minutes_ago(1), {"note": ""})).status_code
        == 200
    )
    assert banner(page) is None


def test_progress_clears_the_banner(send, exception_order, page):
    response = send.post(body(exception_order, "order.picked_up", minutes_ago(1), picked_up_data()))
    assert response.status_code == 200, response.content
    assert banner(page) is None


def test_a_cancel_clears_the_banner(exception_order, customer, page):
    order_cancel(order=exception_order, actor_user=customer, reason="changed_mind")
    assert banner(page) is None


def test_the_expiry_clears_the_exception_banner(exception_order, customer, page, time_machine):
    exception_order.refresh_from_db()
    time_machine.move_to(exception_order.deadline + timedelta(seconds=1), tick=False)
    assert orders_expire_due() == 1

    # What is left to act on is the expiry itself (book again), not the exception.
    notice = banner(page)
    assert (notice.kind, notice.order_id) == (Kind.EXPIRED, exception_order.pk)
    Notification.objects.filter(pk=notice.pk).update(read_at=NOW)
    assert banner(page) is None


def test_deleting_the_order_clears_the_banner(exception_order, customer, page):
    order_delete(order=exception_order, user=customer)
    assert banner(page) is None


def test_a_failed_dispatch_shows_until_a_courier_accepts(send, carrier, customer, page):
    order = order_at(carrier, customer, S.DISPATCHING)
    assert (
        send.post(body(order, "order.dispatch_failed", minutes_ago(10), {"reason": "运力不足"})).status_code
        == 200
    )
    assert banner(page).kind == Kind.DISPATCH_FAILED

    courier = {"name": "王师傅", "phone": "13700137000", "employee_id": "SZ1024"}
    assert send.post(body(order, "order.accepted", minutes_ago(1), {"courier": courier})).status_code == 200
    assert banner(page) is None


def test_another_users_open_exception_is_not_my_banner(send, carrier, other_customer, page):
    order = order_at(carrier, other_customer, S.ACCEPTED)
    assert (
        send.post(
            body(order, "order.pickup_exception", minutes_ago(5), {"code": "unreachable", "note": "无人接听"})
        ).status_code
        == 200
    )
    assert banner(page) is None


def test_the_notice_is_in_the_recipients_language_whatever_the_request_used(send, carrier, db):
    from django.utils import translation

    from tests.factories import UserFactory

    reader = UserFactory(language="zh-hant")
    order = order_at(carrier, reader, S.ACCEPTED)
    response = send.post(
        body(order, "order.pickup_exception", minutes_ago(5), {"code": "unreachable", "note": ""}),
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    notice = Notification.objects.get(order=order)
    assert notice.title == f"訂單 {order.number} 攬件異常"

    with translation.override("en"):  # e.g. an admin working in English cancels the order
        order_cancel(order=order, actor_user=None, actor="admin", reason="other")
    assert Notification.objects.get(order=order, kind=Kind.CANCELLED).title == f"訂單 {order.number} 已取消"
