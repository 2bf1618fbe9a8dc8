from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from notifications.models import ChannelCode, Delivery, DeliveryStatus, Kind, Notification
from notifications.services import dedupe_key_for, notify, notify_many, notify_orders
from notifications.texts import NUMBERED_TEXTS, render, render_in_batch
from orders.models import PickupException, Status
from orders.tests.factories import OrderFactory
from tests.factories import UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_notify_creates_the_in_app_notice_rendered_from_the_order(customer, order):
    order.courier_name, order.courier_phone, order.courier_employee_id = "王师傅", "13712345678", "E-88"

    notice = notify(user=customer, kind=Kind.ACCEPTED, order=order)

    assert Notification.objects.get() == notice
    assert notice.user == customer
    assert notice.order == order
    assert notice.kind == "accepted"
    assert notice.title == f"快递员已接单：订单 {order.number}"
    assert "王师傅" in notice.body and "137 1234 5678" in notice.body and "E-88" in notice.body
    assert notice.requires_action is False
    assert notice.read_at is None
    # In-app is delivered by existing; the customer has no e-mail, so nothing else is queued.
    delivery = Delivery.objects.get()
    assert (delivery.channel, delivery.status, delivery.attempts) == (
        ChannelCode.IN_APP,
        DeliveryStatus.SENT,
        1,
    )


def test_the_same_dedupe_key_creates_exactly_one_notice(customer, order):
    key = dedupe_key_for(kind=Kind.PICKED_UP, order=order, source="msg_2Xy")

    first = notify(user=customer, kind=Kind.PICKED_UP, order=order, dedupe_key=key)
    second = notify(user=customer, kind=Kind.PICKED_UP, order=order, dedupe_key=key)
    other_event = notify(
        user=customer,
        kind=Kind.PICKED_UP,
        order=order,
        dedupe_key=dedupe_key_for(kind=Kind.PICKED_UP, order=order, source="msg_3Ab"),
    )

    assert first is not None and other_event is not None
    assert second is None
    assert Notification.objects.filter(dedupe_key=key).count() == 1
    assert Notification.objects.count() == 2
    assert Delivery.objects.count() == 2


def test_dedupe_keys_are_per_user(customer, other_customer):
    for user in (customer, other_customer):
        assert notify(user=user, kind=Kind.AGREEMENT_UPDATED, context=_agreement(), dedupe_key="agreement:v2")
    assert Notification.objects.count() == 2


def test_long_source_ids_still_give_a_stable_key(order):
    key = dedupe_key_for(kind=Kind.ACCEPTED, order=order, source="x" * 300)
    assert len(key) <= 200
    assert key == dedupe_key_for(kind=Kind.ACCEPTED, order=order, source="x" * 300)
    assert key != dedupe_key_for(kind=Kind.ACCEPTED, order=order, source="x" * 301)


def test_no_notice_about_an_order_the_user_deleted(customer, order, mailoutbox):
    order.hidden_by_user_at = timezone.now()
    order.save(update_fields=["hidden_by_user_at"])

    assert notify(user=customer, kind=Kind.SIGNED, order=order) is None
    assert notify_orders(orders=[order], kind=Kind.EXPIRED) == 0

    assert Notification.objects.count() == 0
    assert Delivery.objects.count() == 0
    assert mailoutbox == []


def test_no_notice_about_an_order_whose_account_is_gone(order):
    order.user = None
    assert notify(user=None, kind=Kind.SIGNED, order=order) is None
    assert Notification.objects.count() == 0


def test_an_order_notice_goes_only_to_the_orders_owner(other_customer, order):
    with pytest.raises(ValueError):
        notify(user=other_customer, kind=Kind.SIGNED, order=order)
    assert Notification.objects.count() == 0


def test_order_kinds_need_an_order_and_kinds_must_be_known(customer):
    with pytest.raises(ValueError):
        notify(user=customer, kind=Kind.SIGNED)
    with pytest.raises(ValueError):
        notify(user=customer, kind="parcel_eaten_by_dog")
    assert Notification.objects.count() == 0


@pytest.mark.parametrize(
    ("language", "title", "body_part"),
    [
        ("", "订单 {number} 已失效", "没有快递员按时接单，订单已失效。"),
        ("zh-hans", "订单 {number} 已失效", "没有快递员按时接单，订单已失效。"),
        ("zh-hant", "訂單 {number} 已失效", "沒有快遞員按時接單，訂單已失效。"),
        ("en", "Order {number} expired", "No courier accepted the order in time, so it has expired."),
    ],
)
def test_texts_are_in_the_users_language(db, language, title, body_part):
    user = UserFactory(language=language)
    order = OrderFactory(user=user, status=Status.EXPIRED)

    notice = notify(user=user, kind=Kind.EXPIRED, order=order)

    assert notice.title == title.format(number=order.number)
    assert body_part in notice.body


def test_the_users_language_wins_over_the_active_one(db, settings):
    user = UserFactory(language="en")
    order = OrderFactory(user=user)
    from django.utils import translation

    with translation.override("zh-hant"):
        notice = notify(user=user, kind=Kind.SIGNED, order=order)
        assert translation.get_language() == "zh-hant"
    assert notice.title == f"Order {order.number} delivered"


def test_pickup_exception_says_what_to_do_and_requires_action(customer):
    order = OrderFactory(
        user=customer,
        exception_code=PickupException.UNREACHABLE,
        exception_note="无人接听",
        courier_phone="13712345678",
        deadline=datetime(2026, 11, 24, 0, 0, tzinfo=SHANGHAI),
    )

    notice = notify(user=customer, kind=Kind.PICKUP_EXCEPTION, order=order)

    assert notice.requires_action is True
    assert notice.title == f"订单 {order.number} 揽件异常"
    assert notice.body.splitlines() == [
        "快递员报告的问题：暂未联系上您（无人接听/无法接通/关机）",
        "快递员备注：无人接听",
        "快递员没能联系上您，请回电快递员。",
        "快递员电话：137 1234 5678",
        "除非物流公司报告问题已解决，订单将于 2026-11-24 00:00 失效。",
    ]


def test_requires_action_and_texts_can_be_given_by_the_caller(customer, order):
    notice = notify(
        user=customer,
        kind=Kind.PROBLEM,
        order=order,
        title="自定义标题",
        body="自定义内容",
        requires_action=True,
        context={"description": "地址不详", "when": timezone.now(), "amount": Decimal("1.50")},
    )
    assert (notice.title, notice.body, notice.requires_action) == ("自定义标题", "自定义内容", True)
    notice.refresh_from_db()
    assert notice.data["description"] == "地址不详"
    assert notice.data["amount"] == "1.50"


def _agreement():
    return {
        "version": "v2",
        "effective_at": datetime(2026, 12, 1, 0, 0, tzinfo=SHANGHAI),
        "url": "/accounts/agreement/",
    }


CONTEXTS = {
    Kind.DISPATCH_FAILED: {"reason": "运力不足"},
    Kind.ACCEPTED: {"courier_name": "王师傅", "courier_phone": "13712345678"},
    Kind.PICKUP_EXCEPTION: {"code": "phone_invalid"},
    Kind.PICKED_UP: {"waybill_no": "SF1234567890", "fee": {"amount": "23.00", "currency": "CNY"}},
    Kind.PROBLEM: {"description": "地址不详"},
    Kind.SIGNED: {"signed_by": "本人", "remark": "外包装破损"},
    Kind.REJECTED: {"reason": "recipient_not_found", "note": "电话无人接听"},
    Kind.CANCELLED: {"by": "carrier", "reason": "courier_no_show"},
    Kind.EXPIRED: {"reason": "exception_unresolved"},
    Kind.REVIEW_MODERATED: {"outcome": "hidden", "reason": "含联系方式"},
    Kind.RESTRICTION_APPLIED: {"scope": "both", "until": datetime(2026, 11, 25, 0, 0, tzinfo=SHANGHAI)},
    Kind.AGREEMENT_UPDATED: _agreement(),
    Kind.SERVICE_FEE_ANNOUNCEMENT: {
        "amount": Decimal("1.00"),
        "effective_at": datetime(2027, 1, 1, tzinfo=SHANGHAI),
    },
    Kind.FEEDBACK_ANSWERED: {"reply": "下单时勾选保价即可。", "text": "怎么保价？"},
    Kind.RETURN_LEG: {
        "state": "disposed",
        "fee": {"amount": "30.00", "currency": "HKD"},
        "proceeds": {"amount": "100.00", "currency": "HKD"},
    },
    Kind.CLAIM_DECIDED: {
        "decision": "approved",
        "amount": Decimal("500.00"),
        "return_freight": Decimal("20.00"),
        "paid_out": Decimal("480.00"),
        "currency": "HKD",
        "note": "已核实",
    },
}


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant", "en"])
@pytest.mark.parametrize("kind", Kind.values)
def test_every_kind_renders_in_every_language(db, kind, language):
    user = UserFactory(language=language)
    order = OrderFactory(user=user)

    notice = notify(user=user, kind=kind, order=order, context=CONTEXTS[kind])

    assert notice.title and notice.body
    assert "%(" not in notice.title + notice.body
    if language != "en":  # every sentence is translated: no ASCII-only line is left over
        for line in notice.body.splitlines():
            assert any(ord(ch) > 127 for ch in line), line


def test_notify_many_writes_in_bulk_once_per_user(
    db, django_assert_max_num_queries, mailoutbox, django_capture_on_commit_callbacks
):
    users = [UserFactory(language=lang) for lang in ["", "zh-hant", "en"] * 4]
    emailed = UserFactory(email="a@example.com", language="en")
    all_users = [*users, emailed]

    # The existing-key check, then the notices and the deliveries in one savepoint: five queries
    # whatever the number of users.
    with django_assert_max_num_queries(5), django_capture_on_commit_callbacks() as callbacks:
        created = notify_many(
            users=all_users, kind=Kind.AGREEMENT_UPDATED, context=_agreement(), dedupe_key="agreement:v2"
        )
    assert created == 13
    assert (
        notify_many(
            users=all_users, kind=Kind.AGREEMENT_UPDATED, context=_agreement(), dedupe_key="agreement:v2"
        )
        == 0
    )

    assert Notification.objects.count() == 13
    assert Delivery.objects.filter(channel=ChannelCode.IN_APP, status=DeliveryStatus.SENT).count() == 13
    titles = dict(Notification.objects.values_list("user__language", "title").distinct())
    assert titles == {
        "": "用户服务协议即将变更",
        "zh-hant": "使用者服務協議即將變更",
        "en": "The user service agreement is changing",
    }
    # The one e-mail goes out after commit.
    assert len(callbacks) == 1
    callbacks[0]()
    assert [m.to for m in mailoutbox] == [["a@example.com"]]
    assert mailoutbox[0].subject == "The user service agreement is changing"


def test_notify_many_accepts_a_queryset(db):
    UserFactory.create_batch(3)
    from accounts.models import User

    assert (
        notify_many(
            users=User.objects.all(),
            kind=Kind.SERVICE_FEE_ANNOUNCEMENT,
            context=CONTEXTS[Kind.SERVICE_FEE_ANNOUNCEMENT],
        )
        == 3
    )
    assert Notification.objects.filter(kind="service_fee_announcement").count() == 3


def test_notify_many_refuses_order_kinds(customer):
    with pytest.raises(ValueError):
        notify_many(users=[customer], kind=Kind.EXPIRED)


def test_notify_orders_is_set_based_and_repeatable(
    db, customer, other_customer, django_assert_max_num_queries
):
    orders = [OrderFactory(user=customer), OrderFactory(user=other_customer), OrderFactory(user=customer)]
    deleted = OrderFactory(user=customer, hidden_by_user_at=timezone.now())
    from orders.models import Order

    batch = list(Order.objects.select_related("user").filter(pk__in=[o.pk for o in [*orders, deleted]]))
    with django_assert_max_num_queries(5):
        assert notify_orders(orders=batch, kind=Kind.EXPIRED, source="2026-11-23") == 3
    assert notify_orders(orders=batch, kind=Kind.EXPIRED, source="2026-11-23") == 0

    notices = Notification.objects.order_by("order_id")
    assert [n.order_id for n in notices] == sorted(o.pk for o in orders)
    assert all(n.requires_action for n in notices)
    assert {n.title for n in notices} == {f"订单 {o.number} 已失效" for o in orders}


def test_lazy_caller_text_is_resolved_in_the_users_language(db):
    from django.utils.translation import gettext_lazy

    user = UserFactory(language="zh-hant")
    notice = notify(
        user=user,
        kind=Kind.SERVICE_FEE_ANNOUNCEMENT,
        title=gettext_lazy("Platform service fee announcement"),
        body=gettext_lazy(
            "Until then nothing changes. The fee never applies to orders booked before that date."
        ),
    )
    assert notice.title == "平臺服務費公告"
    assert notice.body.startswith("在此之前")


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant", "en"])
@pytest.mark.parametrize("kind", sorted(NUMBERED_TEXTS))
def test_a_batch_renders_numbered_texts_as_render_does(db, kind, language):
    # A batch job renders these kinds once per language and parameters and puts each number in:
    # every order's texts must be exactly those render() gives it, whatever its other fields.
    orders = [
        OrderFactory(exception_code=code, exception_note="门口无人", courier_name="王师傅", number=number)
        for code, number in (("", "T2026120600001"), ("unreachable", "T2026120600002"), ("", "T%(x)s1"))
    ]
    cache: dict = {}
    with translation.override(language):
        batch = [render_in_batch(kind=kind, order=order, context=None, cache=cache) for order in orders]
        single = [tuple(str(text) for text in render(kind=kind, order=order)) for order in orders]
    assert batch == single
    assert orders[0].number in batch[0][0] + batch[0][1]
    assert len(cache) == 2  # two reasons, each rendered once
