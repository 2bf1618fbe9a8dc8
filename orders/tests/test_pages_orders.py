"""My orders and one order through the test client: list, detail, cancel, delete (DESIGN §3.2)."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carriers.integrations.configuration import carrier_integration_configure
from orders.models import Actor, CancelReason, Order, OrderEvent, Status
from orders.tests.factories import OrderEventFactory
from orders.tests.factories import OrderFactory as _OrderFactory

S = Status


def OrderFactory(**fields):  # noqa: N802 (reads like the factory it wraps)
    """An order with one of the demo carriers, under that carrier's published terms."""
    return _OrderFactory(contract=fields["carrier"].contracts.first(), **fields)


@pytest.fixture
def client_en(client, customer):
    client.force_login(customer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _numbers(response) -> list[str]:
    return [o.number for o in response.context["page"].object_list]


# Session, user, count, one page of orders with their carriers, plus what the layout reads on
# every page (the notification badge and banner). A ceiling catches a page that grows anyway.
PAGE_QUERY_CEILING = 8


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_my_orders_issue_a_constant_number_of_queries(
    client_en, customer, demo_carriers, django_assert_max_num_queries
):
    carriers = list(demo_carriers.values())
    OrderFactory(user=customer, carrier=carriers[0])
    few = _queries(client_en, reverse("orders:list"))
    assert few <= PAGE_QUERY_CEILING
    for i in range(29):
        OrderFactory(user=customer, carrier=carriers[i % len(carriers)], status=list(S)[i % len(S)])

    with django_assert_max_num_queries(few):
        response = client_en.get(reverse("orders:list"))

    assert len(_numbers(response)) == 10


def test_my_orders_show_the_row_details_newest_first(client_en, customer, other_customer, carrier):
    older = OrderFactory(user=customer, carrier=carrier, recipient_city="上海市")
    newer = OrderFactory(user=customer, carrier=carrier, status=S.ACCEPTED)
    OrderFactory(user=other_customer, carrier=carrier)

    response = client_en.get(reverse("orders:list"))

    assert _numbers(response) == [newer.number, older.number]
    html = response.content.decode()
    assert f'href="/orders/{older.number}/"' in html
    assert "上海市" in html
    assert "Accepted" in html
    assert "¥23.00" in html
    assert carrier.name in html


def test_status_tabs_filter_and_paginate(client_en, customer, carrier):
    active = [OrderFactory(user=customer, carrier=carrier, status=S.IN_TRANSIT) for _ in range(12)]
    signed = OrderFactory(user=customer, carrier=carrier, status=S.SIGNED)
    cancelled = OrderFactory(user=customer, carrier=carrier, status=S.CANCELLED)
    expired = OrderFactory(user=customer, carrier=carrier, status=S.EXPIRED)

    assert _numbers(client_en.get(reverse("orders:list") + "?tab=done")) == [signed.number]
    assert _numbers(client_en.get(reverse("orders:list") + "?tab=closed")) == [
        expired.number,
        cancelled.number,
    ]
    first = client_en.get(reverse("orders:list") + "?tab=active")
    second = client_en.get(reverse("orders:list") + "?tab=active&page=2")
    assert len(_numbers(first)) == 10
    assert set(_numbers(first)) | set(_numbers(second)) == {o.number for o in active}
    assert "Page 1 of 2" in first.content.decode()
    assert 'href="?tab=active&amp;page=2"' in first.content.decode()


def test_detail_shows_code_courier_timeline_and_actions(client_en, customer, carrier):
    order = OrderFactory(
        user=customer,
        carrier=carrier,
        status=S.ACCEPTED,
        courier_name="王师傅",
        courier_phone="+8613700001111",
        courier_employee_id="SF-0042",
        pickup_code="482913",
    )
    OrderEventFactory(order=order, new_status=S.PLACED, note="")
    OrderEventFactory(order=order, old_status=S.PLACED, new_status=S.ACCEPTED, actor=Actor.CARRIER)

    response = client_en.get(reverse("orders:detail", args=[order.number]))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<p class="code-big" data-testid="pickup-code">482913</p>' in html
    assert "Tell this code to the courier" in html
    assert "王师傅" in html and "SF-0042" in html and "+8613700001111" in html
    assert [e.new_status for e in response.context["events"]] == [S.ACCEPTED, S.PLACED]  # newest first
    assert f'action="/orders/{order.number}/cancel/"' in html
    assert f'href="/?from={order.number}"' in html
    assert f'href="/orders/{order.number}/delete/"' in html


def test_detail_after_pickup_shows_the_waybill_and_no_cancel(client_en, customer, carrier):
    order = OrderFactory(user=customer, carrier=carrier, status=S.PICKED_UP, waybill_no="SF1234567890")

    html = client_en.get(reverse("orders:detail", args=[order.number])).content.decode()

    assert "SF1234567890" in html
    assert "/cancel/" not in html
    assert 'data-testid="pickup-code"' not in html
    assert "can no longer be cancelled" in html


CONFIRMED_BY_NAME = {
    "en": (
        "This carrier confirms the courier by name and phone, not by a pickup code: both show here "
        "once a courier accepts the order.",
        "This carrier confirms the courier by name and phone, not by a pickup code: hand the parcel "
        "only to 王师傅, phone 137****1111.",
    ),
    "zh-hans": (
        "该快递公司通过姓名和电话确认快递员，不使用取件码：快递员接单后，其姓名和电话会显示在这里。",
        "该快递公司通过姓名和电话确认快递员，不使用取件码：请只把包裹交给王师傅（电话 137****1111）。",
    ),
    "zh-hant": (
        "該快遞公司透過姓名和電話確認快遞員，不使用取件碼：快遞員接單後，其姓名和電話會顯示在這裡。",
        "該快遞公司透過姓名和電話確認快遞員，不使用取件碼：請只把包裹交給王师傅（電話 137****1111）。",
    ),
}


@pytest.mark.parametrize("integration", ["kuaidi100", "sf"])
@pytest.mark.parametrize("language", ["en", "zh-hans", "zh-hant"])
def test_a_carrier_whose_protocol_has_no_pickup_code_is_confirmed_by_name_and_phone(
    client, customer, carrier, integration, language
):
    carrier_integration_configure(carrier=carrier, integration=integration)
    client.force_login(customer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    waiting, accepted = CONFIRMED_BY_NAME[language]
    placed = OrderFactory(user=customer, carrier=carrier, status=S.PLACED, pickup_code="482913")
    courier = OrderFactory(
        user=customer,
        carrier=carrier,
        status=S.ACCEPTED,
        pickup_code="482914",
        courier_name="王师傅",
        courier_phone="+8613700001111",
    )

    placed_html = client.get(reverse("orders:detail", args=[placed.number])).content.decode()
    courier_html = client.get(reverse("orders:detail", args=[courier.number])).content.decode()

    assert waiting in placed_html
    assert accepted in courier_html
    for html, code in ((placed_html, "482913"), (courier_html, "482914")):
        assert 'data-testid="pickup-code"' not in html
        assert code not in html


def test_a_carrier_whose_protocol_carries_the_code_shows_no_name_confirmation(client_en, customer, carrier):
    order = OrderFactory(user=customer, carrier=carrier, status=S.PLACED, pickup_code="482913")

    html = client_en.get(reverse("orders:detail", args=[order.number])).content.decode()

    assert '<p class="code-big" data-testid="pickup-code">482913</p>' in html
    assert 'data-testid="confirm-by-name"' not in html


@pytest.mark.parametrize("view", ["orders:detail", "orders:delete"])
def test_another_users_order_is_404(view, client_en, other_customer, carrier):
    theirs = OrderFactory(user=other_customer, carrier=carrier)

    assert client_en.get(reverse(view, args=[theirs.number])).status_code == 404


def test_cancelling_or_deleting_another_users_order_is_404_and_changes_nothing(
    client_en, other_customer, carrier
):
    theirs = OrderFactory(user=other_customer, carrier=carrier)

    assert (
        client_en.post(
            reverse("orders:cancel", args=[theirs.number]), {"reason": "other", "confirm": "on"}
        ).status_code
        == 404
    )
    assert client_en.post(reverse("orders:delete", args=[theirs.number])).status_code == 404

    theirs.refresh_from_db()
    assert (theirs.status, theirs.hidden_by_user_at) == (S.PLACED, None)
    assert not OrderEvent.objects.exists()


def test_pages_need_login(client, customer, carrier):
    order = OrderFactory(user=customer, carrier=carrier)
    for url in (reverse("orders:list"), reverse("orders:detail", args=[order.number])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_cancel_before_pickup(client_en, customer, carrier):
    order = OrderFactory(user=customer, carrier=carrier, status=S.DISPATCHING)

    response = client_en.post(
        reverse("orders:cancel", args=[order.number]),
        {"reason": CancelReason.WRONG_DETAILS, "confirm": "on"},
        follow=True,
    )

    assert response.redirect_chain == [(reverse("orders:detail", args=[order.number]), 302)]
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == (S.CANCELLED, CancelReason.WRONG_DETAILS)
    event = OrderEvent.objects.get(order=order)
    assert (event.old_status, event.new_status, event.actor) == (S.DISPATCHING, S.CANCELLED, Actor.USER)
    html = response.content.decode()
    assert "The order is cancelled." in html
    assert "/cancel/" not in html


def test_cancel_after_pickup_is_refused_with_a_message(client_en, customer, carrier):
    order = OrderFactory(user=customer, carrier=carrier, status=S.IN_TRANSIT)

    response = client_en.post(reverse("orders:cancel", args=[order.number]), {"reason": "other"}, follow=True)

    order.refresh_from_db()
    assert order.status == S.IN_TRANSIT
    assert not OrderEvent.objects.exists()
    assert "can no longer be cancelled" in response.content.decode()


def test_cancel_needs_a_valid_reason_and_a_post(client_en, customer, carrier):
    order = OrderFactory(user=customer, carrier=carrier)

    assert client_en.get(reverse("orders:cancel", args=[order.number])).status_code == 405
    response = client_en.post(reverse("orders:cancel", args=[order.number]), {"reason": "bored"})

    assert response.status_code == 400
    assert response.context["cancel_form"].errors["reason"]
    order.refresh_from_db()
    assert order.status == S.PLACED


def test_cancel_is_csrf_protected(customer, carrier):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    order = OrderFactory(user=customer, carrier=carrier)

    response = client.post(
        reverse("orders:cancel", args=[order.number]), {"reason": "other", "confirm": "on"}
    )

    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == S.PLACED


def test_delete_warns_that_it_does_not_cancel_then_hides_the_order(client_en, customer, carrier):
    order = OrderFactory(user=customer, carrier=carrier, status=S.ACCEPTED)

    page = client_en.get(reverse("orders:delete", args=[order.number]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Deleting does not cancel the pickup." in html
    assert "cancel the order first" in html
    order.refresh_from_db()
    assert order.hidden_by_user_at is None  # looking at the warning deletes nothing

    response = client_en.post(reverse("orders:delete", args=[order.number]), follow=True)

    assert response.redirect_chain == [(reverse("orders:list"), 302)]
    order.refresh_from_db()
    assert order.hidden_by_user_at is not None
    assert order.status == S.ACCEPTED  # not cancelled: the carrier goes on
    assert not OrderEvent.objects.exists()
    assert _numbers(response) == []
    assert client_en.get(reverse("orders:detail", args=[order.number])).status_code == 404
    assert Order.objects.count() == 1


def test_order_page_issues_a_constant_number_of_queries(
    client_en, customer, carrier, django_assert_max_num_queries
):
    order = OrderFactory(user=customer, carrier=carrier, status=S.IN_TRANSIT)
    OrderEventFactory(order=order, new_status=S.PLACED)
    url = reverse("orders:detail", args=[order.number])
    few = _queries(client_en, url)
    assert few <= PAGE_QUERY_CEILING
    for _ in range(20):
        OrderEventFactory(
            order=order, kind="order.in_transit", new_status="", actor=Actor.CARRIER, note="转运中"
        )

    with django_assert_max_num_queries(few):
        response = client_en.get(url)

    assert len(response.context["events"]) == 21


def test_an_open_pickup_exception_tells_the_user_to_act(client_en, customer, carrier):
    order = OrderFactory(
        user=customer,
        carrier=carrier,
        status=S.ACCEPTED,
        exception_code="unreachable",
        exception_note="无人接听",
    )

    html = client_en.get(reverse("orders:detail", args=[order.number])).content.decode()

    assert 'data-testid="exception"' in html
    assert "无人接听" in html
    assert str(order.get_exception_code_display()) in html


def test_timeline_names_entries_that_change_no_status_by_what_happened(client_en, customer, carrier):
    from orders.services.lifecycle import order_event_record

    order = OrderFactory(user=customer, carrier=carrier, status=S.ACCEPTED)
    OrderEventFactory(order=order, new_status=S.PLACED, note="")
    OrderEventFactory(order=order, old_status=S.PLACED, new_status=S.ACCEPTED, actor=Actor.CARRIER)
    order_event_record(order=order, kind="order.pickup_exception", actor=Actor.CARRIER, note="无人接听")

    response = client_en.get(reverse("orders:detail", args=[order.number]))

    titles = [e.title for e in response.context["events"]]
    assert titles == ["Pickup problem reported", "Accepted", "Placed"]


def test_cancel_asks_for_confirmation_first(client_en, customer, carrier):
    order = OrderFactory(user=customer, carrier=carrier, status=S.ACCEPTED)
    html = client_en.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert 'name="confirm"' in html and 'name="reason"' in html

    response = client_en.post(reverse("orders:cancel", args=[order.number]), {"reason": "changed_mind"})

    assert response.status_code == 400
    assert response.context["cancel_form"].errors == {
        "confirm": ["Tick the box to confirm the cancellation."]
    }
    order.refresh_from_db()
    assert order.status == S.ACCEPTED
    assert not OrderEvent.objects.exists()


def test_the_order_page_says_who_signed(client_en, customer, carrier):
    order = OrderFactory(user=customer, carrier=carrier, status=S.SIGNED, recipient_phone="+8613900139000")
    OrderEventFactory(
        order=order,
        kind="order.signed",
        old_status=S.OUT_FOR_DELIVERY,
        new_status=S.SIGNED,
        data={"signed_by": "前台王女士"},
    )
    response = client_en.get(reverse("orders:detail", args=[order.number]))
    assert response.context["signed_by"] == "前台王女士"
    html = response.content.decode()
    assert 'data-testid="signed-by">前台王女士<' in html
    assert "139 0013 9000" in html  # one phone format


def test_order_cards_lead_with_the_item_and_the_route(client_en, customer, carrier):
    order = OrderFactory(
        user=customer, carrier=carrier, description="冬季外套", sender_city="深圳市", recipient_city="北京市"
    )
    html = client_en.get(reverse("orders:list")).content.decode()
    row = html[html.index(f'data-order="{order.number}"') :]
    assert row.index("冬季外套") < row.index("深圳市 → 北京市") < row.index(f'order-no">{order.number}')
