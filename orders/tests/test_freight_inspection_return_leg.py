"""What the carrier reports about the freight, the inspection at pickup and the return leg
(DESIGN §3.1, §3.2, §7.2; 000 4.7; 003 §8b, §9c, §11c).

- ``order.picked_up`` ``fee.paid`` / ``order.signed`` ``fee_paid``: whether the freight is paid,
  which the claim rule reads;
- ``order.picked_up`` ``inspection``: the courier's inspection outcome, on the timeline;
- ``order.rejected`` ``reason`` (refused, recipient_not_found, unacceptable), then returning /
  returned / disposed with the return fee and, for disposal, the proceeds less fees.
"""

from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from carriers.services import carrier_credentials_rotate
from notifications.models import Notification
from orders.models import OrderEvent, Status
from orders.tests.carrier_events_support import NOW, Sender, body, minutes_ago, order_at, picked_up_data

pytestmark = pytest.mark.django_db
S = Status


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def send(api_client, carrier):
    return Sender(api_client, carrier.code, carrier_credentials_rotate(carrier=carrier))


@pytest.fixture
def page(client, customer):
    client.force_login(customer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def get(order) -> str:
        response = client.get(reverse("orders:detail", args=[order.number]))
        assert response.status_code == 200
        return response.content.decode()

    return get


# --- freight paid ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payer", "fee", "paid"),
    [
        ("sender", {"amount": "23.00", "currency": "CNY"}, True),
        ("recipient", {"amount": "23.00", "currency": "CNY"}, False),
        ("sender", {"amount": "23.00", "currency": "CNY", "paid": False}, False),
        ("recipient", {"amount": "23.00", "currency": "CNY", "paid": True}, True),
    ],
)
def test_pickup_reports_whether_the_freight_is_paid(
    send, carrier, customer, customer_client, payer, fee, paid
):
    order = order_at(carrier, customer, S.ACCEPTED, payer=payer)

    response = send.post(body(order, "order.picked_up", minutes_ago(10), picked_up_data(fee=fee)))

    assert response.json() == {"result": "applied"}
    order.refresh_from_db()
    assert order.fee_paid is paid
    assert customer_client.get(f"/api/v1/orders/{order.number}/").json()["fee_paid"] is paid


def test_signing_reports_the_recipient_paid_the_freight(send, carrier, customer):
    order = order_at(carrier, customer, S.IN_TRANSIT, payer="recipient", fee_paid=False)

    response = send.post(body(order, "order.signed", minutes_ago(5), {"signed_by": "本人", "fee_paid": True}))

    assert response.json() == {"result": "applied"}
    order.refresh_from_db()
    assert (order.status, order.fee_paid) == (S.SIGNED, True)


def test_signing_without_fee_paid_leaves_it_as_it_was(send, carrier, customer):
    order = order_at(carrier, customer, S.IN_TRANSIT, payer="recipient", fee_paid=False)

    send.post(body(order, "order.signed", minutes_ago(5), {"signed_by": "本人"}))

    order.refresh_from_db()
    assert (order.status, order.fee_paid) == (S.SIGNED, False)


def test_fee_paid_must_be_a_boolean(send, carrier, customer):
    order = order_at(carrier, customer, S.IN_TRANSIT)

    response = send.post(body(order, "order.signed", minutes_ago(5), {"fee_paid": "maybe"}))

    assert response.status_code == 400
    order.refresh_from_db()
    assert (order.status, order.fee_paid) == (S.IN_TRANSIT, None)


# --- inspection at pickup --------------------------------------------------------------------------


def test_the_inspection_outcome_is_on_the_timeline(send, carrier, customer, customer_client, page):
    order = order_at(carrier, customer, S.ACCEPTED)
    inspection = {"passed": False, "note": "包装内有未申报的充电宝，已取出退回寄件人"}

    response = send.post(
        body(order, "order.picked_up", minutes_ago(10), picked_up_data(inspection=inspection))
    )

    assert response.json() == {"result": "applied"}
    [event] = customer_client.get(f"/api/v1/orders/{order.number}/").json()["events"]
    assert (event["kind"], event["data"]["inspection"]) == ("order.picked_up", inspection)
    assert f"Inspection not passed: {inspection['note']}" in page(order)


def test_a_passed_inspection_without_a_note(send, carrier, customer, page):
    order = order_at(carrier, customer, S.ACCEPTED)

    send.post(body(order, "order.picked_up", minutes_ago(10), picked_up_data(inspection={"passed": True})))

    html = page(order)
    assert '<div class="small" data-testid="event-detail">Inspection passed</div>' in html


def test_an_inspection_without_its_outcome_is_refused(send, carrier, customer):
    order = order_at(carrier, customer, S.ACCEPTED)

    response = send.post(
        body(order, "order.picked_up", minutes_ago(10), picked_up_data(inspection={"note": "看过了"}))
    )

    assert response.status_code == 400
    assert OrderEvent.objects.filter(order=order).count() == 0


# --- the return leg --------------------------------------------------------------------------------

REASONS = {
    "refused": ("Order {n} refused by the recipient", "The recipient refused the parcel."),
    "recipient_not_found": (
        "Order {n}: the recipient could not be found",
        "The recipient could not be found.",
    ),
    "unacceptable": (
        "Order {n} could not be delivered",
        "The parcel could not be accepted for delivery.",
    ),
}


@pytest.mark.parametrize("reason", list(REASONS))
def test_each_reason_sends_the_parcel_back(send, carrier, customer, page, reason):
    customer.language = "en"
    customer.save(update_fields=["language"])
    order = order_at(carrier, customer, S.OUT_FOR_DELIVERY)

    response = send.post(
        body(order, "order.rejected", minutes_ago(5), {"reason": reason, "note": "三次投递"})
    )

    assert response.json() == {"result": "applied"}
    order.refresh_from_db()
    assert (order.status, order.reject_reason, order.return_state) == (S.REJECTED, reason, "")
    [notice] = Notification.objects.filter(order=order)
    title, hint = REASONS[reason]
    assert notice.kind == "rejected"
    assert notice.title == title.format(n=order.number)
    assert notice.body.endswith("goes back to you, at your cost.\nCarrier's note: 三次投递")
    html = page(order)
    assert hint in html
    assert 'data-testid="return-leg"' in html


def test_an_unknown_reason_is_refused(send, carrier, customer):
    order = order_at(carrier, customer, S.OUT_FOR_DELIVERY)

    response = send.post(body(order, "order.rejected", minutes_ago(5), {"reason": "收件人拒收"}))

    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == S.OUT_FOR_DELIVERY
    assert not Notification.objects.filter(order=order).exists()


def _rejected(carrier, customer, reason="recipient_not_found"):
    return order_at(carrier, customer, S.REJECTED, reject_reason=reason, since=minutes_ago(50))


def test_returning_then_returned_with_the_return_fee(send, carrier, customer, customer_client, page):
    customer.language = "en"
    customer.save(update_fields=["language"])
    order = _rejected(carrier, customer)
    fee = {"amount": "18.00", "currency": "CNY"}

    first = send.post(body(order, "order.returning", minutes_ago(40), {"reason": "收件人不详", "fee": fee}))
    second = send.post(body(order, "order.returned", minutes_ago(10), {"reason": "已退回寄件人"}))

    assert (first.json(), second.json()) == ({"result": "applied"}, {"result": "applied"})
    order.refresh_from_db()
    assert (order.status, order.return_state, order.return_fee_amount) == (
        S.REJECTED,
        "returned",
        Decimal("18.00"),
    )
    detail = customer_client.get(f"/api/v1/orders/{order.number}/").json()
    assert (detail["return_state"], detail["return_fee"], detail["disposal_proceeds"]) == (
        "returned",
        fee,
        None,
    )
    notices = list(Notification.objects.filter(order=order).order_by("id").values_list("title", "body"))
    assert notices == [
        (
            f"Order {order.number} is on its way back to you",
            "The parcel is on its way back to you.\nReturn fee, at your cost: ¥18.00",
        ),
        (f"Order {order.number} is back with you", "The parcel has been returned to you."),
    ]
    html = page(order)
    assert '<dd data-testid="return-state">Returned to sender</dd>' in html
    assert '<dd data-testid="return-fee">¥18.00</dd>' in html
    assert "disposal-net" not in html


def test_a_disposed_parcel_shows_the_proceeds_less_fees(send, carrier, customer, customer_client, page):
    customer.language = "en"
    customer.save(update_fields=["language"])
    order = _rejected(carrier, customer, reason="unacceptable")
    data = {
        "reason": "无人认领，已变卖",
        "fee": {"amount": "30.00", "currency": "CNY"},
        "proceeds": {"amount": "120.50", "currency": "CNY"},
    }

    response = send.post(body(order, "order.disposed", minutes_ago(5), data))

    assert response.json() == {"result": "applied"}
    detail = customer_client.get(f"/api/v1/orders/{order.number}/").json()
    assert (detail["return_state"], detail["return_fee"], detail["disposal_proceeds"]) == (
        "disposed",
        data["fee"],
        data["proceeds"],
    )
    [notice] = Notification.objects.filter(order=order)
    assert (notice.kind, notice.title) == ("return_leg", f"Order {order.number}: the parcel was disposed of")
    assert notice.body == (
        "The carrier could not return the parcel and disposed of it.\n"
        "Proceeds ¥120.50, less fees ¥30.00: ¥90.50 is due to you."
    )
    html = page(order)
    assert '<dd data-testid="disposal-proceeds">¥120.50</dd>' in html
    assert '<dd data-testid="disposal-net"><strong>¥90.50</strong></dd>' in html
    assert "Proceeds ¥120.50 · Return fee ¥30.00" in html  # the timeline entry


def test_fee_and_proceeds_in_two_currencies_are_refused(send, carrier, customer):
    order = _rejected(carrier, customer)
    data = {
        "reason": "",
        "fee": {"amount": "30.00", "currency": "CNY"},
        "proceeds": {"amount": "1", "currency": "HKD"},
    }

    response = send.post(body(order, "order.disposed", minutes_ago(5), data))

    assert response.status_code == 400
    order.refresh_from_db()
    assert (order.return_state, order.disposal_proceeds_amount) == ("", None)


def test_the_return_leg_shows_in_chinese_by_default(send, carrier, customer, client):
    order = _rejected(carrier, customer)
    send.post(
        body(
            order,
            "order.returning",
            minutes_ago(5),
            {"reason": "", "fee": {"amount": "18.00", "currency": "CNY"}},
        )
    )
    client.force_login(customer)

    html = client.get(reverse("orders:detail", args=[order.number])).content.decode()

    assert "退回寄件人" in html
    assert '<dd data-testid="return-fee">¥18.00</dd>' in html
    [notice] = Notification.objects.filter(order=order)
    assert notice.title == f"订单 {order.number} 正在退回给您"
