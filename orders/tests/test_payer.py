"""Who pays (003 §9c, DESIGN §4): the sender at pickup, or the recipient on delivery (到付) where the
carrier offers it; the sender stays liable for what the recipient does not pay."""

import copy

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from carriers.models import Payer
from orders.models import Order, OrderEvent, OutboxEventType, OutboxMessage, Status
from orders.tests.test_api_booking import NOW, ORDERS_URL, QUOTES_URL, SHIPMENT
from orders.tests.test_receipt import picked_up_order
from orders.views import SESSION_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def _book(client, carrier: str | None, language: str = "en", **changes):
    payload = {**copy.deepcopy(SHIPMENT), "contract_version": "v1", **changes}
    if carrier:
        payload["carrier"] = carrier
    return client.post(ORDERS_URL, payload, format="json", HTTP_ACCEPT_LANGUAGE=language)


def test_the_recipient_pays_with_a_carrier_that_offers_it(demo_carriers, customer_client):
    assert demo_carriers["swift-express"].offers_recipient_pays

    response = _book(customer_client, "swift-express", payer="recipient")

    assert response.status_code == 201
    assert response.json()["payer"] == "recipient"
    order = Order.objects.get()
    assert order.payer == Payer.RECIPIENT
    message = OutboxMessage.objects.get(order=order, event_type=OutboxEventType.CREATED)
    assert message.payload["payer"] == "recipient"


def test_the_sender_pays_unless_told_otherwise(demo_carriers, customer_client):
    response = _book(customer_client, "econ-post")

    assert response.status_code == 201
    assert response.json()["payer"] == "sender"
    message = OutboxMessage.objects.get(event_type=OutboxEventType.CREATED)
    assert message.payload["payer"] == "sender"


def test_a_carrier_without_recipient_pays_refuses_it_and_saves_nothing(demo_carriers, customer_client):
    assert not demo_carriers["econ-post"].offers_recipient_pays

    response = _book(customer_client, "econ-post", payer="recipient")

    assert response.status_code == 400
    body = response.json()
    message = "This carrier does not let the recipient pay on delivery (到付)."
    assert body["payer"] == [message]
    assert body["carrier"] == [message]
    assert Order.objects.count() == 0
    assert OrderEvent.objects.count() == 0
    assert OutboxMessage.objects.count() == 0


def test_the_refusal_is_in_the_users_language(demo_carriers, customer_client):
    response = _book(customer_client, "econ-post", language="zh-hans", payer="recipient")

    assert response.status_code == 400
    assert response.json()["payer"] == ["该物流公司不支持收件人到付。"]


def test_an_unknown_payer_is_a_field_error(demo_carriers, customer_client):
    response = _book(customer_client, "swift-express", payer="third_party")

    assert response.status_code == 400
    assert list(response.json()) == ["payer"]
    assert Order.objects.count() == 0


def test_quotes_for_recipient_pays_rule_out_the_carriers_without_it(demo_carriers, customer_client):
    sender_pays = customer_client.post(QUOTES_URL, SHIPMENT, format="json").json()["quotes"]
    recipient_pays = customer_client.post(
        QUOTES_URL, {**SHIPMENT, "payer": "recipient"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    ).json()["quotes"]

    by_code = {q["carrier"]: q for q in recipient_pays}
    assert {q["carrier"]: q["eligible"] for q in sender_pays}["econ-post"] is True
    assert by_code["econ-post"]["eligible"] is False
    assert by_code["econ-post"]["reasons"] == [
        "This carrier does not let the recipient pay on delivery (到付)."
    ]
    assert by_code["swift-express"]["eligible"] is True
    recommended = [q["carrier"] for q in recipient_pays if q["recommended"]]
    assert len(recommended) == 1 and recommended[0] != "econ-post"


def test_booking_without_a_carrier_takes_the_recommended_one_that_offers_it(demo_carriers, customer_client):
    response = _book(customer_client, None, payer="recipient")

    assert response.status_code == 201
    order = Order.objects.get()
    assert order.carrier.offers_recipient_pays
    assert order.payer == Payer.RECIPIENT


def test_book_again_keeps_who_pays(demo_carriers, customer_client, customer):
    _book(customer_client, "swift-express", payer="recipient")
    order = Order.objects.get()

    from orders.services.booking import order_rebook_initial

    assert order_rebook_initial(order=order)["payer"] == "recipient"


# --- pages ---------------------------------------------------------------------------------------


@pytest.fixture
def client_en(client, customer):
    client.force_login(customer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_booking_page_offers_who_pays_and_says_the_sender_stays_liable(client_en, demo_carriers):
    html = client_en.get(reverse("orders:book")).content.decode()

    assert 'data-testid="payer"' in html
    assert 'name="payer" value="sender"' in html and 'name="payer" value="recipient"' in html
    assert "The recipient, on delivery (到付)" in html
    assert "You stay liable for whatever the recipient does not pay." in html


def _form(**changes) -> dict:
    data = {
        "sender_name": "张三",
        "sender_phone": "13800138000",
        "sender_province": "广东省",
        "sender_city": "深圳市",
        "sender_district": "南山区",
        "sender_address": "科技园科苑路1号",
        "recipient_name": "李四",
        "recipient_phone": "13900139000",
        "recipient_province": "北京市",
        "recipient_city": "北京市",
        "recipient_district": "朝阳区",
        "recipient_address": "建国路88号",
        "pickup_window": "2026-11-23T10:00:00+08:00/2026-11-23T12:00:00+08:00",
        "item_type": "clothing",
        "description": "冬季外套",
        "quantity": "1",
        "weight_kg": "1.5",
        "declared_value": "500",
    }
    data.update(changes)
    return data


def test_the_page_books_with_the_recipient_paying(client_en, demo_carriers, customer):
    response = client_en.post(reverse("orders:book"), _form(payer="recipient"))
    assert response.status_code == 302
    assert client_en.session[SESSION_KEY]["shipment"]["payer"] == "recipient"

    quote = client_en.get(reverse("orders:quote")).content.decode()
    assert 'data-testid="payer-note"' in quote
    assert (
        "You stay liable for it: whatever the recipient does not pay, the carrier collects from you." in quote
    )
    econ = quote.split('data-carrier="econ-post"', 1)[1].split("</label>", 1)[0]
    assert "This carrier does not let the recipient pay on delivery (到付)." in econ

    confirm = client_en.post(
        reverse("orders:quote"),
        {"carrier": "swift-express", "contract_version_swift-express": "v1", "accept_terms": "on"},
    )
    order = Order.objects.get()
    assert confirm["Location"] == reverse("orders:detail", args=[order.number])
    assert order.payer == Payer.RECIPIENT
    detail = client_en.get(confirm["Location"]).content.decode()
    assert '<dd data-testid="payer">The recipient, on delivery (到付)' in detail


def test_the_page_without_a_choice_has_the_sender_pay(client_en, demo_carriers):
    client_en.post(reverse("orders:book"), _form())

    assert client_en.session[SESSION_KEY]["shipment"]["payer"] == "sender"


def test_the_receipt_says_who_pays(client_en, customer, carrier):
    order = picked_up_order(customer, carrier, payer=Payer.RECIPIENT, status=Status.PICKED_UP)

    html = client_en.get(reverse("orders:receipt", args=[order.number])).content.decode()

    assert "<dt>Who pays</dt><dd>The recipient, on delivery (到付)</dd>" in html
