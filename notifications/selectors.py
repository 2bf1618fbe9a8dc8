"""Reads of a user's notifications. Notices about an order the user deleted are gone with it
(DESIGN §3.2: the order "disappears from the user's pages and API entirely")."""

from django.db.models import F, Q, QuerySet

from notifications.models import Kind, Notification

# The order statuses of orders/models.py the banner reads (notifications sits below orders and does
# not import it): before pickup an exception can be open; before acceptance a dispatch can fail.
_BEFORE_PICKUP = ("placed", "dispatching", "accepted")
_BEFORE_ACCEPTANCE = ("placed", "dispatching")
_EXPIRED = "expired"
_ORDER_ACTIONS = (Kind.PICKUP_EXCEPTION, Kind.DISPATCH_FAILED, Kind.EXPIRED)

# What keeps each action notice open (DESIGN §9 "the action banner shows only while the thing to act
# on is still open"): the pickup exception unresolved on an order not yet picked up (resolving it,
# progress, cancel and expiry close it); the failed dispatch on an order nobody accepted yet; the
# expired order still expired. Any other action notice (an agreement to read) is open until read.
# A deleted order closes all of them (``_visible_for``).
_STILL_OPEN = (
    (
        Q(kind=Kind.PICKUP_EXCEPTION, order__status__in=_BEFORE_PICKUP)
        & ~Q(order__exception_code="")
        & Q(order__exception_code__isnull=False)
    )
    | Q(kind=Kind.DISPATCH_FAILED, order__status__in=_BEFORE_ACCEPTANCE)
    | Q(kind=Kind.EXPIRED, order__status=_EXPIRED)
    | ~Q(kind__in=_ORDER_ACTIONS)
)


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
    """The latest unread notice the user must act on whose cause is still open (``_STILL_OPEN``)."""
    return (
        notification_list_for_user(user=user)
        .filter(read_at__isnull=True, requires_action=True)
        .filter(_STILL_OPEN)
        .first()
    )
