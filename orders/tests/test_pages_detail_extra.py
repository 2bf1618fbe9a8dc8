"""The order page beyond the basics: the dispatch-failed notice, live updates, the admin's view of
the pickup code (DESIGN §3.2, §3.3, §7.2)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from orders.models import Actor, Status
from orders.services.lifecycle import order_event_record
from orders.tests.factories import OrderFactory as _OrderFactory

S = Status


def OrderFactory(**fields):  # noqa: N802 (reads like the factory it wraps)
    return _OrderFactory(contract=fields["carrier"].contracts.first(), **fields)


@pytest.fixture
def client_en(client, customer):
    client.force_login(customer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _dispatch_failed(order, reason="附近无空闲快递员"):
    return order_event_record(order=order, kind="order.dispatch_failed", actor=Actor.CARRIER, note=reason)


def _detail(client, order) -> str:
    response = client.get(reverse("orders:detail", args=[order.number]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("status", [S.PLACED, S.DISPATCHING])
def test_a_failed_dispatch_tells_the_user_to_wait_or_book_again(client_en, customer, carrier, status):
    deadline = timezone.now() + timedelta(hours=6)
    order = OrderFactory(user=customer, carrier=carrier, status=status, deadline=deadline)
    _dispatch_failed(order)

    html = _detail(client_en, order)

    assert 'data-testid="dispatch-failed"' in html
    assert "No courier has accepted the order yet" in html
    assert "Reason given by the carrier: 附近无空闲快递员" in html
    assert "cancel the order and book again, perhaps with another carrier" in html
    when = timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M")
    assert f"If no courier accepts the order by {when}, it expires." in html
    assert html.count("If no courier accepts the order by") == 1  # not repeated under the code
    assert 'href="#cancel-form"' in html
    assert f"{reverse('orders:book')}?from={order.number}" in html


def test_the_dispatch_notice_is_in_chinese_by_default(client, customer, carrier):
    client.force_login(customer)
    order = OrderFactory(
        user=customer, carrier=carrier, status=S.PLACED, deadline=timezone.now() + timedelta(hours=1)
    )
    _dispatch_failed(order, reason="")

    html = _detail(client, order)

    assert "暂无快递员接单" in html
    assert "快递公司给出的原因" not in html  # no reason given: no empty line for it


def test_no_dispatch_notice_once_a_courier_accepted(client_en, customer, carrier):
    order = OrderFactory(user=customer, carrier=carrier, status=S.PLACED)
    _dispatch_failed(order)
    order.status = S.ACCEPTED
    order.courier_name = "王师傅"
    order.save()

    html = _detail(client_en, order)

    assert 'data-testid="dispatch-failed"' not in html
    assert "No courier found yet" in html  # still in the timeline


def test_no_dispatch_notice_without_the_report(client_en, customer, carrier):
    order = OrderFactory(user=customer, carrier=carrier, status=S.DISPATCHING)
    assert 'data-testid="dispatch-failed"' not in _detail(client_en, order)


def test_an_open_order_page_follows_the_order_through_the_api(client_en, customer, carrier):
    order = OrderFactory(user=customer, carrier=carrier, status=S.ACCEPTED)
    order_event_record(order=order, kind="order.in_transit", actor=Actor.CARRIER)

    html = _detail(client_en, order)

    api = reverse("api-order-detail", args=[order.number])
    assert api == f"/api/v1/orders/{order.number}/"
    assert f'data-order-live="{api}"' in html
    assert 'data-status="accepted"' in html
    assert 'data-events="1"' in html
    assert "js/order.js" in html
    # What the script compares with: the same status and the same number of events.
    body = client_en.get(api).json()
    assert body["status"] == "accepted" and len(body["events"]) == 1


@pytest.mark.parametrize("status", [S.SIGNED, S.REJECTED, S.CANCELLED, S.EXPIRED])
def test_a_final_order_page_does_not_poll(client_en, customer, carrier, status):
    order = OrderFactory(user=customer, carrier=carrier, status=status)

    html = _detail(client_en, order)

    assert "data-order-live" not in html
    assert "js/order.js" not in html


def test_the_admin_never_shows_the_pickup_code(client, moderator, carrier):
    order = OrderFactory(carrier=carrier, status=S.ACCEPTED, pickup_code="908172")
    client.force_login(moderator)

    response = client.get(reverse("admin:orders_order_change", args=[order.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "908172" not in content
    assert "••••••" in content
