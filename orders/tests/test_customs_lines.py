"""Customs lines for hk-bag (003 §4F, §6, §9; DESIGN §3.2): the bag's goods line by line, each line
screened, the declared value their sum, the import-tax estimate per line, the lines sent to the
carrier with order.created."""

import copy
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from orders.models import Order, OrderEvent, OutboxEventType, OutboxMessage
from orders.tests.test_api_booking import HK_SENDER, NOW, ORDERS_URL, QUOTES_URL, SHIPMENT
from orders.views import SESSION_KEY

pytestmark = pytest.mark.django_db

LINES = [
    {"description": "护肤霜", "quantity": 2, "unit_value": "150.00"},
    {"description": "T恤", "quantity": 3, "unit_value": "99.90"},
]
# 2 × 150.00 + 3 × 99.90 = 599.70; import tax 13 % per line: 39.00 + 38.96 = 77.96


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def _hk_payload(**changes) -> dict:
    payload = copy.deepcopy(SHIPMENT)
    payload.pop("declared_value")
    payload.pop("quantity")
    payload.update(
        sender=HK_SENDER,
        carrier="hk-bag",
        contract_version="v1",
        description="护肤品和衣服",
        item_type="daily",
        insured=False,
        receipt_attested=True,
        surcharge_accepted=True,
        items=copy.deepcopy(LINES),
    )
    payload.pop("dimensions_cm")
    payload.update(changes)
    return payload


def _book(client, language="en", **changes):
    return client.post(ORDERS_URL, _hk_payload(**changes), format="json", HTTP_ACCEPT_LANGUAGE=language)


def test_the_declared_value_is_the_sum_of_the_lines_and_the_tax_is_per_line(demo_carriers, customer_client):
    response = _book(customer_client)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["declared_value"] == "599.70"
    assert body["currency"] == "HKD"
    assert body["quantity"] == 5
    assert body["items"] == [
        {"description": "护肤霜", "quantity": 2, "unit_value": "150.00"},
        {"description": "T恤", "quantity": 3, "unit_value": "99.90"},
    ]
    breakdown = body["estimate"]["breakdown"]
    assert [line["import_tax"] for line in breakdown["customs_lines"]] == ["39.00", "38.96"]
    assert breakdown["surcharge_import_tax"] == "77.96"
    assert breakdown["surcharge"] == "89.96"  # service fee 12.00 + tax 77.96
    order = Order.objects.get()
    assert order.declared_value == Decimal("599.70")


def test_the_lines_go_to_the_carrier_with_order_created(demo_carriers, customer_client):
    _book(customer_client)

    message = OutboxMessage.objects.get(event_type=OutboxEventType.CREATED)
    assert message.payload["parcel"]["items"] == [
        {"description": "护肤霜", "quantity": 2, "unit_value": {"amount": "150.00", "currency": "HKD"}},
        {"description": "T恤", "quantity": 3, "unit_value": {"amount": "99.90", "currency": "HKD"}},
    ]
    assert message.payload["parcel"]["declared_value"] == {"amount": "599.70", "currency": "HKD"}


def test_a_prohibited_line_refuses_the_booking_naming_the_line(demo_carriers, customer_client):
    lines = [*copy.deepcopy(LINES), {"description": "打火机", "quantity": 1, "unit_value": "20.00"}]

    response = _book(customer_client, items=lines)

    assert response.status_code == 400
    body = response.json()
    assert body["screening"]["verdict"] == "prohibited"
    assert 4 in body["screening"]["categories"]
    assert list(body["items"]) == ["2"]
    (message,) = body["items"]["2"]["description"]
    assert message.startswith("打火机: These goods may not be sent.")
    assert Order.objects.count() == 0
    assert OrderEvent.objects.count() == 0
    assert OutboxMessage.objects.count() == 0


def test_a_line_the_carrier_refuses_makes_it_ineligible(demo_carriers, customer_client):
    # hk-bag refuses every restricted item (003 §2A): a phone in one line.
    lines = [*copy.deepcopy(LINES), {"description": "手机", "quantity": 1, "unit_value": "2000.00"}]

    response = _book(customer_client, items=lines)

    assert response.status_code == 400
    assert response.json()["carrier"]
    assert Order.objects.count() == 0


def test_a_declared_value_that_is_not_the_sum_is_refused(demo_carriers, customer_client):
    response = _book(customer_client, declared_value="500.00")

    assert response.status_code == 400
    assert response.json()["declared_value"] == [
        "With customs lines, the declared value is their sum: 599.70."
    ]
    assert Order.objects.count() == 0


def test_the_matching_declared_value_is_accepted(demo_carriers, customer_client):
    assert _book(customer_client, declared_value="599.70").status_code == 201


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"description": "", "quantity": 1, "unit_value": "10"}, "description"),
        ({"description": "茶叶", "quantity": 0, "unit_value": "10"}, "quantity"),
        ({"description": "茶叶", "quantity": 1, "unit_value": "-1"}, "unit_value"),
        ({"description": "茶叶", "quantity": 1, "unit_value": "abc"}, "unit_value"),
    ],
)
def test_a_bad_line_is_a_field_error_on_that_line(demo_carriers, customer_client, line, field):
    response = _book(customer_client, items=[LINES[0], line])

    assert response.status_code == 400
    # Keyed by the line's index, as DRF reports a list's errors: only the line at fault.
    errors = response.json()["items"]
    assert list(errors) == ["1"]
    assert list(errors["1"]) == [field]
    assert Order.objects.count() == 0


def test_hk_bag_needs_the_lines(demo_carriers, customer_client):
    response = _book(customer_client, items=[], declared_value="500.00", quantity=2)

    assert response.status_code == 400
    assert response.json()["items"] == [
        "List the goods in the bag line by line for customs: description, quantity and unit value."
    ]
    assert Order.objects.count() == 0


def test_the_lines_refusal_is_in_the_users_language(demo_carriers, customer_client):
    response = _book(customer_client, language="zh-hans", items=[], declared_value="500.00")

    assert response.json()["items"] == ["请逐行列明袋中物品以便清关：品名、数量和单价。"]


def test_quotes_price_the_tax_per_line(demo_carriers, customer_client):
    payload = _hk_payload()
    for key in ("carrier", "contract_version", "receipt_attested", "surcharge_accepted"):
        payload.pop(key)

    quotes = customer_client.post(QUOTES_URL, payload, format="json").json()["quotes"]

    hk = next(q for q in quotes if q["carrier"] == "hk-bag")
    assert hk["eligible"] is True
    assert hk["breakdown"]["declared_value"] == "599.70"
    assert hk["breakdown"]["surcharge_import_tax"] == "77.96"


# --- the booking page ------------------------------------------------------------------------------


@pytest.fixture
def client_en(client, customer):
    client.force_login(customer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _form(**changes) -> dict:
    data = {
        "sender_name": "陳大文",
        "sender_phone": "+852 9123 4567",
        "sender_province": "香港特别行政区",
        "sender_city": "香港特别行政区",
        "sender_district": "中西区",
        "sender_address": "皇后大道中100号",
        "recipient_name": "李四",
        "recipient_phone": "13900139000",
        "recipient_province": "北京市",
        "recipient_city": "北京市",
        "recipient_district": "朝阳区",
        "recipient_address": "建国路88号",
        "pickup_window": "2026-11-23T10:00:00+08:00/2026-11-23T12:00:00+08:00",
        "item_type": "daily",
        "description": "护肤品和衣服",
        "weight_kg": "1.5",
        "item_0_description": "护肤霜",
        "item_0_quantity": "2",
        "item_0_unit_value": "150",
        "item_1_description": "T恤",
        "item_1_quantity": "3",
        "item_1_unit_value": "99.90",
    }
    data.update(changes)
    return data


def test_the_booking_page_lists_customs_lines(client_en, demo_carriers):
    html = client_en.get(reverse("orders:book")).content.decode()

    assert 'data-testid="customs-lines"' in html
    assert 'name="item_0_description"' in html and 'name="item_4_unit_value"' in html


def test_the_page_books_hk_bag_with_its_lines(client_en, demo_carriers):
    response = client_en.post(reverse("orders:book"), _form())
    assert response.status_code == 302, response.context["form"].errors
    shipment = client_en.session[SESSION_KEY]["shipment"]
    assert shipment["items"] == [
        {"description": "护肤霜", "quantity": 2, "unit_value": "150"},
        {"description": "T恤", "quantity": 3, "unit_value": "99.90"},
    ]

    confirm = client_en.post(
        reverse("orders:quote"),
        {
            "carrier": "hk-bag",
            "contract_version_hk-bag": "v1",
            "accept_terms": "on",
            "receipt_attested": "on",
            "surcharge_accepted": "on",
        },
    )

    order = Order.objects.get()
    assert confirm["Location"] == reverse("orders:detail", args=[order.number])
    assert order.declared_value == Decimal("599.70")
    assert [line["description"] for line in order.items] == ["护肤霜", "T恤"]
    detail = client_en.get(confirm["Location"]).content.decode()
    assert 'data-testid="customs-lines"' in detail
    assert "HK$150.00" in detail and "HK$99.90" in detail


def test_a_prohibited_line_on_the_page_is_shown_on_that_line(client_en, demo_carriers):
    response = client_en.post(
        reverse("orders:book"),
        _form(item_1_description="打火机", item_1_quantity="1", item_1_unit_value="20"),
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["item_1_description"]
    assert SESSION_KEY not in client_en.session


def test_a_half_filled_line_on_the_page_is_an_error_on_it(client_en, demo_carriers):
    response = client_en.post(reverse("orders:book"), _form(item_2_description="茶叶"))

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"item_2_quantity", "item_2_unit_value"}
