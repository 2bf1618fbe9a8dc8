"""Cancel before pickup, refused after (§3.2); delete hides without cancelling (000 4.6)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from orders.models import Actor, CancelReason, Order, OrderEvent, Status
from orders.services.cancellation import (
    OrderNotCancellable,
    order_cancel,
    order_delete,
    order_expire,
)
from orders.tests.factories import OrderFactory

S = Status
PICKED_UP_MESSAGE = "已揽件的订单不能取消，如有问题请联系快递公司。"


@pytest.mark.django_db
@pytest.mark.parametrize("status", [S.PLACED, S.DISPATCHING, S.ACCEPTED])
def test_owner_cancels_before_pickup(status, customer, django_capture_on_commit_callbacks):
    # Still within its deadline: an overdue order would expire first (see test_late_expiry).
    order = OrderFactory(user=customer, status=status, deadline=timezone.now() + timedelta(hours=1))

    with django_capture_on_commit_callbacks() as callbacks:
        result = order_cancel(order=order, actor_user=customer, reason=CancelReason.CHANGED_MIND)

    assert result.status == S.CANCELLED
    order.refresh_from_db()
    assert (order.status, order.cancel_reason, order.deadline) == (S.CANCELLED, "changed_mind", None)
    event = OrderEvent.objects.get(order=order)
    assert (event.old_status, event.new_status, event.actor, event.actor_user) == (
        status,
        S.CANCELLED,
        Actor.USER,
        customer,
    )
    assert event.data == {"reason": "changed_mind"}
    assert len(callbacks) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status", [S.PICKED_UP, S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.PROBLEM, S.SIGNED, S.REJECTED]
)
def test_cancel_after_pickup_is_refused_with_a_clear_message(status, customer):
    order = OrderFactory(user=customer, status=status)

    with pytest.raises(OrderNotCancellable) as exc:
        order_cancel(order=order, actor_user=customer, reason=CancelReason.OTHER)

    assert str(exc.value) == PICKED_UP_MESSAGE
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == (status, "")
    assert not OrderEvent.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "message"),
    [(S.CANCELLED, "该订单已取消。"), (S.EXPIRED, "该订单已失效，无需取消。")],
)
def test_cancel_of_a_finished_order_says_why(status, message, customer):
    order = OrderFactory(user=customer, status=status)
    with pytest.raises(OrderNotCancellable) as exc:
        order_cancel(order=order, actor_user=customer)
    assert str(exc.value) == message
    assert not OrderEvent.objects.exists()


@pytest.mark.django_db
def test_user_cannot_cancel_someone_elses_order(customer, other_customer):
    order = OrderFactory(user=customer)
    with pytest.raises(PermissionDenied):
        order_cancel(order=order, actor_user=other_customer)
    assert Order.objects.get(pk=order.pk).status == S.PLACED
    assert not OrderEvent.objects.exists()


@pytest.mark.django_db
def test_unknown_reason_is_refused(customer):
    order = OrderFactory(user=customer)
    with pytest.raises(ValidationError):
        order_cancel(order=order, actor_user=customer, reason="bored")
    assert Order.objects.get(pk=order.pk).status == S.PLACED


@pytest.mark.django_db
def test_admin_cancels_with_admin_actor(customer, moderator):
    order = OrderFactory(user=customer, status=S.DISPATCHING)
    order_cancel(order=order, actor_user=moderator, actor=Actor.ADMIN)
    event = OrderEvent.objects.get(order=order)
    assert (event.actor, event.actor_user, event.new_status) == (Actor.ADMIN, moderator, S.CANCELLED)
    assert Order.objects.get(pk=order.pk).cancel_reason == CancelReason.OTHER


@pytest.mark.django_db
def test_expire_unaccepted_order(customer):
    order = OrderFactory(user=customer, status=S.PLACED, deadline=timezone.now())
    order_expire(order=order)
    order.refresh_from_db()
    assert (order.status, order.deadline) == (S.EXPIRED, None)
    assert OrderEvent.objects.get(order=order).actor == Actor.SYSTEM


@pytest.mark.django_db
@pytest.mark.parametrize("status", S.values)
def test_delete_hides_at_any_status_without_cancelling(status, customer):
    order = OrderFactory(user=customer, status=status)

    result = order_delete(order=order, user=customer)

    order.refresh_from_db()
    assert order.hidden_by_user_at is not None
    assert result.hidden_by_user_at == order.hidden_by_user_at
    assert order.status == status
    assert order.cancel_reason == ""
    assert not OrderEvent.objects.exists()


@pytest.mark.django_db
def test_delete_twice_keeps_the_first_time(customer):
    order = OrderFactory(user=customer)
    first = order_delete(order=order, user=customer).hidden_by_user_at
    stale = Order.objects.get(pk=order.pk)
    stale.hidden_by_user_at = None
    assert order_delete(order=stale, user=customer).hidden_by_user_at == first


@pytest.mark.django_db
def test_user_cannot_delete_someone_elses_order(customer, other_customer):
    order = OrderFactory(user=customer)
    with pytest.raises(PermissionDenied):
        order_delete(order=order, user=other_customer)
    assert Order.objects.get(pk=order.pk).hidden_by_user_at is None
