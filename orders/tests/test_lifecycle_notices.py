"""Who hears about a cancel or an expiry (DESIGN §9): the user, once, unless they did it themselves."""

from datetime import timedelta

import pytest
from django.utils import timezone

from carriers.services import carrier_credentials_rotate
from notifications.models import Notification
from notifications.services import dedupe_key_for
from orders.models import Actor, CancelReason, Order, Status
from orders.services import expiry
from orders.services.cancellation import OrderNotCancellable, order_cancel, order_expire
from orders.services.lifecycle import order_transition
from orders.tests.carrier_events_support import NOW, Sender, body, minutes_ago, order_at

pytestmark = pytest.mark.django_db
S = Status


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


def notices(order) -> list[tuple]:
    return list(Notification.objects.filter(order=order).values_list("kind", "data", "dedupe_key"))


def pending(carrier, customer, status=S.PLACED, **fields) -> Order:
    return order_at(carrier, customer, status, deadline=NOW + timedelta(hours=14), **fields)


@pytest.mark.parametrize("status", [S.PLACED, S.DISPATCHING, S.ACCEPTED])
def test_an_admin_cancel_tells_the_user_once(status, carrier, customer, moderator):
    order = pending(carrier, customer, status)

    order_cancel(order=order, actor_user=moderator, actor=Actor.ADMIN, reason=CancelReason.WRONG_DETAILS)
    with pytest.raises(OrderNotCancellable):
        order_cancel(order=order, actor_user=moderator, actor=Actor.ADMIN)

    assert notices(order) == [
        (
            "cancelled",
            {"by": "admin", "reason": "wrong_details"},
            dedupe_key_for(kind="cancelled", order=order),
        )
    ]
    notice = Notification.objects.get(order=order)
    assert (notice.user, notice.title) == (customer, f"订单 {order.number} 已取消")
    assert "平台取消了该订单。" in notice.body


def test_the_users_own_cancel_sends_no_notice(carrier, customer):
    order = pending(carrier, customer)
    order_cancel(order=order, actor_user=customer)
    assert notices(order) == []


def test_a_carrier_cancel_tells_the_user_once(api_client, carrier, customer):
    order = pending(carrier, customer)
    send = Sender(api_client, carrier.code, carrier_credentials_rotate(carrier=carrier))
    payload = body(order, "order.cancelled", minutes_ago(5), {"reason": "客户要求取消"})

    assert send.post(payload).json() == {"result": "applied"}
    assert send.post(payload).json() == {"result": "recorded"}  # another delivery of the same report

    [(kind, data, _key)] = notices(order)
    assert (kind, data) == ("cancelled", {"by": "carrier", "reason": "客户要求取消"})


def test_an_admin_cancel_of_a_deleted_order_tells_nobody(carrier, customer, moderator):
    order = pending(carrier, customer, hidden_by_user_at=timezone.now())
    order_cancel(order=order, actor_user=moderator, actor=Actor.ADMIN)
    assert Order.objects.get(pk=order.pk).status == S.CANCELLED
    assert not Notification.objects.exists()


@pytest.mark.parametrize(("actor", "status"), [(Actor.ADMIN, S.PLACED), (Actor.SYSTEM, S.ACCEPTED)])
def test_a_single_expiry_tells_the_user_with_the_jobs_key(actor, status, carrier, customer, moderator):
    order = pending(carrier, customer, status, exception_code="unreachable" if status == S.ACCEPTED else "")

    order_expire(order=order, actor=actor, actor_user=moderator if actor == Actor.ADMIN else None)

    [notice] = Notification.objects.filter(order=order)
    assert (notice.kind, notice.user, notice.requires_action) == ("expired", customer, True)
    assert notice.dedupe_key == dedupe_key_for(kind="expired", order=order)
    reason = (
        "揽件异常未能按时解决，订单已失效。" if status == S.ACCEPTED else "没有快递员按时接单，订单已失效。"
    )
    assert notice.body.startswith(reason)
    # The job, later, neither expires it again nor tells the user twice.
    assert expiry.orders_expire_due(now=NOW + timedelta(days=2)) == 0
    assert Notification.objects.filter(order=order).count() == 1


def test_a_single_expiry_of_a_deleted_order_tells_nobody(carrier, customer):
    order = pending(carrier, customer, hidden_by_user_at=timezone.now())
    order_expire(order=order)
    assert Order.objects.get(pk=order.pk).status == S.EXPIRED
    assert not Notification.objects.exists()


def test_a_generic_transition_sends_no_notice_of_its_own(carrier, customer):
    # Carrier events notify in their judgement (with the webhook id as the key), not here.
    order = pending(carrier, customer)
    order_transition(order=order, to=S.CANCELLED, actor=Actor.CARRIER)
    assert notices(order) == []
