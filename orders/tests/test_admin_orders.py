"""The order admin: read-only records, actions that go through the lifecycle services."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from orders.models import Actor, Order, OrderEvent, Status
from orders.tests.factories import OrderEventFactory, OrderFactory

S = Status
CHANGELIST = "admin:orders_order_changelist"


@pytest.fixture
def admin_client(client, moderator):
    client.force_login(moderator)
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.django_db
def test_changelist_searches_by_number_phone_and_waybill(admin_client):
    wanted = OrderFactory(waybill_no="SW999", recipient_phone="+8613911112222")
    OrderFactory()
    url = reverse(CHANGELIST)

    for term in [wanted.number, "+8613911112222", "SW999"]:
        response = admin_client.get(url, {"q": term})
        assert response.status_code == 200
        assert list(response.context["cl"].result_list) == [wanted]


@pytest.mark.django_db
def test_changelist_filters_by_status(admin_client):
    OrderFactory(status=S.PLACED)
    signed = OrderFactory(status=S.SIGNED)
    response = admin_client.get(reverse(CHANGELIST), {"status__exact": "signed"})
    assert list(response.context["cl"].result_list) == [signed]


@pytest.mark.django_db
def test_change_page_is_read_only_with_the_timeline(admin_client):
    order = OrderFactory(status=S.ACCEPTED)
    OrderEventFactory(order=order, new_status=S.PLACED, note="下单")
    url = reverse("admin:orders_order_change", args=[order.pk])

    response = admin_client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert "下单" in content
    assert 'name="status"' not in content
    assert 'name="_save"' not in content

    response = admin_client.post(url, {"status": "signed"})
    assert response.status_code == 403
    assert Order.objects.get(pk=order.pk).status == S.ACCEPTED


@pytest.mark.django_db
def test_no_add_or_delete(admin_client):
    order = OrderFactory()
    assert admin_client.get(reverse("admin:orders_order_add")).status_code == 403
    assert admin_client.get(reverse("admin:orders_order_delete", args=[order.pk])).status_code == 403


@pytest.mark.django_db
def test_cancel_action_uses_the_service_and_reports_failures(admin_client, moderator):
    placed = OrderFactory(status=S.PLACED)
    accepted = OrderFactory(status=S.ACCEPTED, carrier=placed.carrier)
    picked = OrderFactory(status=S.PICKED_UP, carrier=placed.carrier)

    response = admin_client.post(
        reverse(CHANGELIST),
        {"action": "cancel_orders", "_selected_action": [placed.pk, accepted.pk, picked.pk]},
        follow=True,
    )

    assert response.status_code == 200
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses == {placed.pk: S.CANCELLED, accepted.pk: S.CANCELLED, picked.pk: S.PICKED_UP}
    events = OrderEvent.objects.order_by("order_id")
    assert [(e.order_id, e.actor, e.actor_user) for e in events] == [
        (placed.pk, Actor.ADMIN, moderator),
        (accepted.pk, Actor.ADMIN, moderator),
    ]
    messages = _messages(response)
    assert f"{picked.number}：已揽件的订单不能取消，如有问题请联系快递公司。" in messages
    assert "已取消 2 个订单。" in messages


@pytest.mark.django_db
def test_expire_action(admin_client):
    placed = OrderFactory(status=S.PLACED)
    signed = OrderFactory(status=S.SIGNED, carrier=placed.carrier)

    response = admin_client.post(
        reverse(CHANGELIST),
        {"action": "expire_orders", "_selected_action": [placed.pk, signed.pk]},
        follow=True,
    )

    assert Order.objects.get(pk=placed.pk).status == S.EXPIRED
    assert Order.objects.get(pk=signed.pk).status == S.SIGNED
    messages = _messages(response)
    assert f"{signed.number}：订单不能从“已签收”变为“已失效”。" in messages


@pytest.mark.django_db
def test_event_admin_is_read_only(admin_client):
    event = OrderEventFactory()
    assert admin_client.get(reverse("admin:orders_orderevent_changelist")).status_code == 200
    response = admin_client.post(reverse("admin:orders_orderevent_change", args=[event.pk]), {"note": "x"})
    assert response.status_code == 403
    assert admin_client.get(reverse("admin:orders_orderevent_add")).status_code == 403
