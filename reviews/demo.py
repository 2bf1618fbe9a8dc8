"""Demo reviews for local runs (``manage.py seed_demo_reviews``, which ``seed_demo`` runs). Safe to
run again: what exists is left as it is, what is missing is created.

So that ``make run`` shows the moderation desk with something on it: a moderator account whose only
powers are the ``moderators`` group's, and on the demo user's account three delivered orders:

- one reviewed and published, with the carrier's reply (on the carrier page);
- one reviewed with a phone number in the text, held by the screen in the moderation queue;
- one not reviewed yet (the 评价 button on its order page).

The orders stand for history the carrier simulator would have produced; they are written directly
with their ``order.signed`` event, like imported data, because booking and driving them through the
carrier API would take minutes. Reviews and the reply go through the review services.
"""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from carriers.models import Carrier
from carriers.selectors import current_contract
from orders.models import Actor, ItemType, Order, OrderEvent, Status
from reviews.models import Review
from reviews.services import reply_create, review_create

MODERATOR_LOGIN = "moderator@example.com"
MODERATOR_PASSWORD = "moderator-demo-2026"
MODERATORS_GROUP = "moderators"

# (number, carrier, days since it was signed, what was sent, the review: (carrier stars, platform
# stars, text) or None, the carrier's reply or "")
DEMO_ORDERS = [
    (
        "CP000000DEMO000001",
        "swift-express",
        3,
        "冬季外套",
        (5, 5, "快递员提前十分钟到，包装很仔细，第二天就送到了。"),
        "感谢您的认可，我们会继续努力！",
    ),
    (
        "CP000000DEMO000002",
        "econ-post",
        5,
        "图书两本",
        (2, 4, "比预计晚了两天，有问题可以打我电话13912345678。"),
        "",
    ),
    ("CP000000DEMO000003", "swift-express", 1, "陶瓷茶具", None, ""),
]


@transaction.atomic
def seed_demo_reviews(*, user: User) -> tuple[str, str]:
    """Create (or restore) the demo moderator and the demo user's reviewed orders; returns the
    moderator's ``(login, password)``."""
    moderator = User.objects.filter(username=MODERATOR_LOGIN).first()
    if moderator is None:
        moderator = User.objects.create_user(MODERATOR_LOGIN, MODERATOR_PASSWORD, display_name="审核员")
    if not moderator.check_password(MODERATOR_PASSWORD) or not (moderator.is_staff and moderator.is_active):
        moderator.set_password(MODERATOR_PASSWORD)
        moderator.is_staff = moderator.is_active = True
        moderator.save(update_fields=["password", "is_staff", "is_active"])
    moderator.groups.add(Group.objects.get(name=MODERATORS_GROUP))

    carriers = {c.code: c for c in Carrier.objects.filter(code__in={row[1] for row in DEMO_ORDERS})}
    for number, code, days_ago, description, review, reply in DEMO_ORDERS:
        carrier = carriers.get(code)
        if carrier is None:
            continue  # the demo carriers are seeded first; without them there is nothing to review
        order = Order.objects.filter(number=number).first() or _signed_order(
            number=number,
            user=user,
            carrier=carrier,
            description=description,
            signed_at=timezone.now() - timedelta(days=days_ago),
        )
        if review is None or order.user_id != user.pk or Review.objects.filter(order=order).exists():
            continue
        carrier_rating, platform_rating, text = review
        created = review_create(
            order=order, user=user, carrier_rating=carrier_rating, platform_rating=platform_rating, text=text
        )
        if reply:
            reply_create(review=created, carrier=carrier, text=reply)
    return MODERATOR_LOGIN, MODERATOR_PASSWORD


def _signed_order(*, number: str, user: User, carrier: Carrier, description: str, signed_at) -> Order:
    picked_up_at = signed_at - timedelta(days=1)
    order = Order.objects.create(
        number=number,
        user=user,
        carrier=carrier,
        contract=current_contract(carrier),
        status=Status.SIGNED,
        status_changed_at=signed_at,
        sender_name="张三",
        sender_phone="+8613800138000",
        sender_province="广东省",
        sender_city="深圳市",
        sender_district="南山区",
        sender_address="科技园科苑路1号",
        recipient_name="李四",
        recipient_phone="+8613900139000",
        recipient_province="北京市",
        recipient_city="北京市",
        recipient_district="朝阳区",
        recipient_address="建国路88号",
        pickup_start=picked_up_at - timedelta(hours=1),
        pickup_end=picked_up_at + timedelta(hours=1),
        weight_kg=Decimal("1.50"),
        item_type=ItemType.DAILY,
        description=description,
        estimate_amount=Decimal("23.00"),
        estimate_currency=carrier.currency,
        fee_amount=Decimal("23.00"),
        fee_currency=carrier.currency,
        waybill_no=f"DEMO{number[-6:]}",
        pickup_code="000000",
    )
    OrderEvent.objects.create(
        order=order,
        kind="order.signed",
        old_status=Status.OUT_FOR_DELIVERY,
        new_status=Status.SIGNED,
        actor=Actor.CARRIER,
        occurred_at=signed_at,
        data={"signed_by": "本人"},
    )
    return order
