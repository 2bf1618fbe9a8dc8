"""Privacy (DESIGN §6): export everything, delete or terminate leaving no personal data behind."""

import json
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.db import models, transaction
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import (
    AcceptanceMethod,
    Address,
    Agreement,
    Restriction,
    RestrictionScope,
    User,
    UserSession,
    Violation,
    ViolationKind,
)
from accounts.services import address_create, agreement_accept, profile_update
from accounts.services.restrictions import restriction_apply
from accounts.services.violations import violation_record
from carriers.models import CarrierEvent, CarrierEventResult
from carriers.selectors import current_contract
from notifications.models import Kind, Notification
from notifications.services import notify
from orders.models import Order, OrderEvent, OutboxEventType, OutboxMessage, Status
from orders.services.outbox import order_created_payload, outbox_message_add
from orders.tests.factories import OrderFactory
from tests.factories import PASSWORD, UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
NAME, PHONE, EMAIL = "欧阳娜娜", "+8613512345678", "nana.ouyang@example.com"
STREET = "科技园科苑路88号"
BOOK_STREET = "滨海大道3001号"
PHONE_SPELLINGS = (PHONE, "13512345678", "135 1234 5678")


@pytest.fixture
def person(db, agreement_v1):
    user = UserFactory(phone=PHONE, username=PHONE, email=EMAIL, display_name=NAME)
    agreement_accept(user=user, agreement=agreement_v1, method=AcceptanceMethod.SIGNUP, ip="203.0.113.5")
    address_create(
        user=user,
        name=NAME,
        phone="13512345678",
        province="广东省",
        city="深圳市",
        district="南山区",
        address=BOOK_STREET,
    )
    return user


def _order(user, carrier, status):
    order = OrderFactory(
        user=user,
        carrier=carrier,
        contract=current_contract(carrier),
        status=status,
        sender_name=NAME,
        sender_phone=PHONE,
        sender_address=STREET,
        description=f"寄给{NAME}的冬衣",
    )
    with transaction.atomic():
        outbox_message_add(
            order_id=order.pk,
            carrier_id=carrier.pk,
            event_type=OutboxEventType.CREATED,
            payload=order_created_payload(order),
        )
    OrderEvent.objects.create(
        order=order,
        kind="order.signed",
        actor="carrier",
        occurred_at=order.status_changed_at,
        note=f"签收人 {NAME}",
        data={"signed_by": NAME, "remark": f"电话 {PHONE_SPELLINGS[1]}"},
    )
    CarrierEvent.objects.create(
        carrier=carrier,
        webhook_id=f"msg_{order.number}",
        order=order,
        order_number=order.number,
        type="order.signed",
        payload={"order": order.number, "data": {"signed_by": NAME}},
        result=CarrierEventResult.APPLIED,
    )
    return order


@pytest.fixture
def history(person, carrier, moderator):
    open_order = _order(person, carrier, Status.ACCEPTED)
    done = _order(person, carrier, Status.SIGNED)
    notify(user=person, kind=Kind.CANCELLED, order=open_order, context={"by": "carrier", "reason": "other"})
    violation_record(
        user=person, kind=ViolationKind.FALSE_INFORMATION, note="地址不实", order=done, recorded_by=moderator
    )
    restriction_apply(
        user=person, scope=RestrictionScope.REVIEWING, reason="恶意评价", ends_at=None, created_by=moderator
    )
    Token.objects.create(user=person)
    return {"open": open_order, "done": done}


def _personal_data_left(*needles) -> list[str]:
    """Every text or JSON column of every model that still holds one of ``needles``."""
    found = []
    for model in apps.get_models():
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField | models.EmailField)
        ]
        if not fields or model._meta.proxy:
            continue
        for row in model.objects.values_list(*[f.attname for f in fields]):
            for field, value in zip(fields, row, strict=True):
                text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
                for needle in needles:
                    if text and needle.lower() in text.lower():
                        found.append(f"{model._meta.label}.{field.name} has {needle!r}")
    return found


NEEDLES = (NAME, *PHONE_SPELLINGS[:2], EMAIL, STREET, BOOK_STREET)
NEW_EMAIL = "nana.new@example.com"


def test_the_scan_sees_the_data_before_deletion(history):
    left = _personal_data_left(*NEEDLES)
    assert any(entry.startswith("orders.Order.") for entry in left)
    assert any(entry.startswith("orders.OutboxMessage.payload") for entry in left)
    assert any(entry.startswith("orders.OrderEvent.") for entry in left)
    assert any(entry.startswith("accounts.User.") for entry in left)
    assert any(entry.startswith("accounts.Address.") for entry in left)


def test_export_holds_everything(person, history):
    api = APIClient()
    api.force_authenticate(person)
    response = api.get("/api/v1/me/export/")
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {
        "exported_at",
        "profile",
        "addresses",
        "orders",
        "reviews",
        "notifications",
        "notice_addresses",
        "agreement_acceptances",
        "violations",
        "restrictions",
        "feedback",
    }
    assert data["notice_addresses"] == {"push_subscriptions": [], "wechat_openid": None}
    assert data["profile"] == {
        "username": PHONE,
        "name": NAME,
        "phone": PHONE,
        "email": EMAIL,
        "language": "",
        "channels": {"sms": False, "email": True, "push": False, "wechat": False},
        "date_joined": person.date_joined.isoformat(),
        "last_login": None,
    }
    assert [a["address"] for a in data["addresses"]] == [BOOK_STREET]
    assert sorted(o["number"] for o in data["orders"]) == sorted(o.number for o in history.values())
    done = next(o for o in data["orders"] if o["number"] == history["done"].number)
    assert done["sender"]["name"] == NAME
    assert [e["kind"] for e in done["events"]] == ["order.signed"]
    assert [n["kind"] for n in data["notifications"]] == ["restriction_applied", "cancelled"] or [
        n["kind"] for n in data["notifications"]
    ] == ["cancelled", "restriction_applied"]
    assert [(a["version"], a["method"], a["ip"]) for a in data["agreement_acceptances"]] == [
        ("v1", "signup", "203.0.113.5")
    ]
    assert [(v["kind"], v["note"], v["order"]) for v in data["violations"]] == [
        ("false_information", "地址不实", history["done"].number)
    ]
    assert [(r["scope"], r["reason"], r["ends_at"]) for r in data["restrictions"]] == [
        ("reviewing", "恶意评价", None)
    ]


def test_export_download_from_the_account_page(person, history):
    browser = Client()
    browser.force_login(person)
    assert 'href="/accounts/export/"' in browser.get("/accounts/profile/").content.decode()
    response = browser.get("/accounts/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="my-data.json"'
    assert json.loads(response.content)["profile"]["phone"] == PHONE


def test_delete_needs_the_password(person, history):
    api = APIClient()
    api.force_authenticate(person)
    response = api.delete("/api/v1/me/", {"password": "not-mine"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"password": ["密码不正确。"]}
    assert User.objects.filter(pk=person.pk).exists()
    assert Order.objects.get(pk=history["open"].pk).status == Status.ACCEPTED


def test_delete_over_the_api_leaves_no_personal_data_anywhere(
    person, history, other_customer, django_capture_on_commit_callbacks
):
    other_browser = Client()
    other_browser.force_login(person)
    someone_else = Client()
    someone_else.force_login(other_customer)
    profile_update(user=person, data={"email": NEW_EMAIL})  # a new address waiting for its code
    assert _personal_data_left(NEW_EMAIL) == ["accounts.ContactChange.new_value has 'nana.new@example.com'"]
    assert sorted(UserSession.objects.values_list("user_pk", flat=True)) == sorted(
        [person.pk, other_customer.pk]
    )
    api = APIClient()
    api.force_authenticate(person)
    with django_capture_on_commit_callbacks(execute=False):
        response = api.delete("/api/v1/me/", {"password": PASSWORD}, format="json")
    assert response.status_code == 204

    assert _personal_data_left(*NEEDLES, NEW_EMAIL) == []
    assert not User.objects.filter(pk=person.pk).exists()
    assert Address.objects.count() == 0
    assert Notification.objects.count() == 0
    assert Token.objects.count() == 0
    # The person's sessions are gone (found by their user column); nobody else's.
    assert list(UserSession.objects.values_list("user_pk", flat=True)) == [other_customer.pk]
    assert other_browser.get("/accounts/profile/").status_code == 302
    assert someone_else.get("/accounts/profile/").status_code == 200
    # The open order was cancelled and the carrier is told; both orders stay, anonymised.
    open_order = Order.objects.get(pk=history["open"].pk)
    assert open_order.status == Status.CANCELLED
    assert open_order.user_id is None
    assert OutboxMessage.objects.filter(order=open_order, event_type=OutboxEventType.CANCELLED).count() == 1
    done = Order.objects.get(pk=history["done"].pk)
    assert (done.status, done.sender_name, done.sender_phone, done.recipient_name) == (
        Status.SIGNED,
        "",
        "",
        "",
    )
    assert (done.sender_city, done.recipient_city) == ("深圳市", "北京市")


def test_delete_from_the_account_page(person, history):
    browser = Client()
    browser.force_login(person)
    page = browser.get("/accounts/delete/")
    assert page.status_code == 200
    wrong = browser.post("/accounts/delete/", {"password": "nope"})
    assert wrong.status_code == 200
    assert "密码不正确。" in wrong.content.decode()
    done = browser.post("/accounts/delete/", {"password": PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == "/accounts/login/"
    assert not User.objects.filter(pk=person.pk).exists()
    assert _personal_data_left(*NEEDLES) == []


def test_terminate_by_an_admin(client, moderator, person, history):
    client.force_login(moderator)
    response = client.post(
        "/admin/accounts/user/",
        {"action": "terminate", "_selected_action": [person.pk], "reason": f"多次虚假下单（{NAME}）"},
        follow=True,
    )
    assert response.status_code == 200
    person.refresh_from_db()
    assert (person.is_active, person.phone, person.email, person.display_name) == (False, None, None, "")
    assert not person.has_usable_password()
    assert _personal_data_left(*NEEDLES) == []
    assert Order.objects.get(pk=history["open"].pk).status == Status.CANCELLED
    # The record of why stays.
    assert Violation.objects.filter(user=person).count() == 2
    assert Restriction.objects.filter(user=person).count() == 1
    assert (
        APIClient()
        .post("/api/v1/auth/token/", {"username": PHONE, "password": PASSWORD}, format="json")
        .status_code
        == 400
    )


def test_terminate_needs_a_reason(client, moderator, person, history):
    client.force_login(moderator)
    client.post(
        "/admin/accounts/user/", {"action": "terminate", "_selected_action": [person.pk], "reason": ""}
    )
    person.refresh_from_db()
    assert person.is_active
    assert Agreement.objects.exists()
