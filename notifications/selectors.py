"""Reads of a user's notifications. Notices about an order the user deleted are gone with it
(DESIGN §3.2: the order "disappears from the user's pages and API entirely")."""

from django.db.models import F, Q, QuerySet

from notifications.models import Notification


def _visible_for(user) -> QuerySet[Notification]:
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(user=user).filter(
        Q(order__isnull=True) | Q(order__hidden_by_user_at__isnull=True)
    )


def notification_list_for_user(*, user) -> QuerySet[Notification]:
    """The user's notices, newest first; each carries ``order_number`` (or None), in one query."""
    return (
        _visible_for(user)
        .annotate(order_number=F("order__number"))
        .defer("data")
        .order_by("-created_at", "-id")
    )


def unread_count(*, user) -> int:
    return _visible_for(user).filter(read_at__isnull=True).count()


def action_banner_for_user(*, user) -> Notification | None:
    """The latest unread notice the user must act on (pickup exception, expiry), if any."""
    return notification_list_for_user(user=user).filter(read_at__isnull=True, requires_action=True).first()
