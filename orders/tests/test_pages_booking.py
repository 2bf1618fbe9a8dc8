"""The booking pages through the test client: form, quotes, confirmation (DESIGN §3.2, §4)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from carriers.integrations.configuration import carrier_integration_configure
from orders.forms import window_value
from orders.models import Order, OrderEvent, Status
from orders.tests.factories import OrderFactory as _OrderFactory
from orders.views import SESSION_KEY

SHANGHAI = ZoneInfo("Asia/Shanghai")


def OrderFactory(**fields):  # noqa: N802 (reads like the factory it wraps)
    """An order with one of the demo carriers, under that carrier's published terms."""
    return _OrderFactory(contract=fields["carrier"].contracts.first(), **fields)


NOW = datetime(2026, 11, 22, 9, 0, tzinfo=SHANGHAI)
WINDOW = window_value(
    datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI), datetime(2026, 11, 23, 12, 0, tzinfo=SHANGHAI)
)
PHONE_MESSAGE = "Enter a valid phone number: a mainland mobile number, a landline with its area code, or a Hong Kong number."


@pytest.fixture(autouse=True)
def _frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def client_en(client, customer):
    """The customer, logged in, reading the pages in English (the msgids: stable under translation)."""
    client.force_login(customer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def booking_data(**overrides) -> dict:
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
        "pickup_window": WINDOW,
        "item_type": "clothing",
        "description": "冬季外套",
        "quantity": "1",
        "weight_kg": "1.5",
        "length_cm": "30",
        "width_cm": "20",
        "height_cm": "10",
        "declared_value": "500",
        "insured": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_before_sign_up_the_booking_page_is_the_estimate_page(client, db):
    response = client.get(reverse("orders:book"))
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "orders/home.html"
    # Booking itself still needs an account.
    response = client.post(reverse("orders:book"), {})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_booking_page_offers_windows_regions_and_the_notes(client_en, demo_carriers):
    response = client_en.get(reverse("orders:book"))

    assert response.status_code == 200
    html = response.content.decode()
    windows = response.context["form"].fields["pickup_window"].widget.choices
    # today's 10:00 onwards, tomorrow, the day after: nothing before now, nothing later
    assert windows[1][0].startswith("2026-11-22T10:00:00+08:00")
    assert windows[-1][0].startswith("2026-11-24T")
    assert '<option value="广东省">广东省</option>' in html
    assert 'data-region="city"' in html
    # 000 4.7: the goods open for inspection, the named sender's ID ready.
    assert "At pickup the courier inspects the goods and checks the sender's ID" in html
    assert "Leave the goods open (unsealed) so the courier can check them" in html
    assert "Have the valid ID of the sender named on this order ready. We never store the ID number." in html
    assert "Recommended for valuable goods" in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_invalid_phone_and_zero_weight_are_shown_per_field_and_nothing_is_saved(client_en, demo_carriers):
    response = client_en.post(reverse("orders:book"), booking_data(sender_phone="12345", weight_kg="0"))

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["sender_phone"] == [PHONE_MESSAGE]
    assert form.errors["weight_kg"] == ["The weight must be more than 0 kg."]
    assert set(form.errors) == {"sender_phone", "weight_kg"}
    html = response.content.decode()
    assert 'class="field field-error"' in html
    assert "The weight must be more than 0 kg." in html
    assert SESSION_KEY not in client_en.session
    assert Order.objects.count() == 0


def test_errors_are_in_the_users_language(client, customer, demo_carriers):
    client.force_login(customer)  # no language cookie: the default, simplified Chinese
    response = client.post(reverse("orders:book"), booking_data(weight_kg="0"))

    assert response.status_code == 200
    assert response.context["LANGUAGE_CODE"] == "zh-hans"
    assert response.context["form"].errors["weight_kg"] == ["重量必须大于 0 千克。"]
    assert "重量必须大于 0 千克。" in response.content.decode()
    assert Order.objects.count() == 0


def test_insuring_without_a_declared_value_is_refused_on_that_field(client, customer, demo_carriers):
    client.force_login(customer)
    response = client.post(reverse("orders:book"), booking_data(declared_value="0", insured="on"))

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["declared_value"] == ["保价时请填写物品的声明价值。"]
    assert set(form.errors) == {"declared_value"}
    assert SESSION_KEY not in client.session
    assert Order.objects.count() == 0


def test_a_region_that_does_not_exist_is_refused(client_en, demo_carriers):
    response = client_en.post(reverse("orders:book"), booking_data(recipient_district="南山区"))

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["recipient_district"]
    assert Order.objects.count() == 0


def test_prohibited_goods_are_refused_on_the_form_with_the_clause(client_en, demo_carriers):
    response = client_en.post(reverse("orders:book"), booking_data(description="打火机"))

    assert response.status_code == 200
    errors = response.context["form"].errors["description"]
    assert len(errors) == 1
    assert "禁止寄递物品目录" in errors[0]
    assert SESSION_KEY not in client_en.session
    assert Order.objects.count() == 0


def _quote_page(client_en):
    response = client_en.post(reverse("orders:book"), booking_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:quote")
    return client_en.get(reverse("orders:quote"))


def test_quote_page_lists_every_carrier_with_the_recommended_one_chosen(client_en, demo_carriers):
    response = _quote_page(client_en)

    assert response.status_code == 200
    rows = response.context["rows"]
    assert {r["code"] for r in rows} == {"swift-express", "econ-post", "heavy-freight", "hk-bag"}
    recommended = [r for r in rows if r["recommended"]]
    assert len(recommended) == 1
    assert recommended[0]["selected"] and recommended[0]["eligible"]
    html = response.content.decode()
    assert f'value="{recommended[0]["code"]}" checked' in html
    # hk-bag only carries from Hong Kong: greyed out, with its reason, and not selectable
    hk = next(r for r in rows if r["code"] == "hk-bag")
    assert not hk["eligible"] and hk["reasons"]
    assert 'value="hk-bag" disabled' in html
    assert hk["reasons"][0] in html
    # the breakdown: chargeable weight, freight, insurance
    labels = [label for label, _value in recommended[0]["breakdown"]]
    assert labels[:3] == ["Chargeable weight", "Freight", "Insurance"]
    # the chosen carrier's terms, and an unticked acceptance box
    assert recommended[0]["contract"].body[:20] in html
    assert 'name="accept_terms" id="id_accept_terms" required>' in html


def test_quote_page_without_a_shipment_goes_back_to_the_form(client_en, demo_carriers):
    response = client_en.get(reverse("orders:quote"))
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:book")


def test_confirming_without_accepting_the_terms_books_nothing(client_en, demo_carriers):
    response = _quote_page(client_en)
    chosen = next(r for r in response.context["rows"] if r["recommended"])

    response = client_en.post(
        reverse("orders:quote"),
        {"carrier": chosen["code"], f"contract_version_{chosen['code']}": chosen["contract"].version},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["accept_terms"] == ["Read and accept the carrier's terms to book."]
    assert Order.objects.count() == 0


def test_the_full_booking_flow_creates_exactly_one_order(client_en, customer, demo_carriers):
    response = _quote_page(client_en)
    chosen = next(r for r in response.context["rows"] if r["recommended"])

    response = client_en.post(
        reverse("orders:quote"),
        {
            "carrier": chosen["code"],
            f"contract_version_{chosen['code']}": chosen["contract"].version,
            "accept_terms": "on",
        },
        follow=True,
    )

    order = Order.objects.get()
    assert response.redirect_chain == [(reverse("orders:detail", args=[order.number]), 302)]
    assert (order.user, order.carrier.code, order.status) == (customer, chosen["code"], Status.PLACED)
    assert (order.contract.pk, order.contract.version) == (chosen["contract"].id, chosen["contract"].version)
    assert (order.sender_phone, order.recipient_city, order.description) == (
        "+8613800138000",
        "北京市",
        "冬季外套",
    )
    assert order.pickup_start == datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
    assert str(order.estimate_amount) == chosen["price"].lstrip("¥")
    html = response.content.decode()
    assert f"Booked. Your pickup code is {order.pickup_code}" in html
    assert f'<p class="code-big" data-testid="pickup-code">{order.pickup_code}</p>' in html
    assert SESSION_KEY not in client_en.session
    # posting the same confirmation again books nothing more: the shipment left the session
    client_en.post(reverse("orders:quote"), {"carrier": chosen["code"], "accept_terms": "on"})
    assert Order.objects.count() == 1


def test_booking_with_a_carrier_whose_protocol_has_no_pickup_code_says_how_the_courier_is_confirmed(
    client_en, customer, demo_carriers
):
    response = _quote_page(client_en)
    chosen = next(r for r in response.context["rows"] if r["recommended"])
    carrier_integration_configure(carrier=demo_carriers[chosen["code"]], integration="kuaidi100")

    response = client_en.post(
        reverse("orders:quote"),
        {
            "carrier": chosen["code"],
            f"contract_version_{chosen['code']}": chosen["contract"].version,
            "accept_terms": "on",
        },
        follow=True,
    )

    order = Order.objects.get()
    html = response.content.decode()
    assert (
        "Booked. This carrier confirms the courier by name and phone: both show on the order page "
        "once a courier accepts the order."
    ) in html
    assert order.pickup_code not in html
    assert 'data-testid="pickup-code"' not in html


def test_a_stale_contract_version_is_refused_with_the_current_terms(client_en, demo_carriers):
    response = _quote_page(client_en)
    chosen = next(r for r in response.context["rows"] if r["recommended"])

    response = client_en.post(
        reverse("orders:quote"),
        {"carrier": chosen["code"], f"contract_version_{chosen['code']}": "v0-old", "accept_terms": "on"},
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Order.objects.count() == 0


def test_an_ineligible_carrier_cannot_be_booked(client_en, demo_carriers):
    _quote_page(client_en)

    response = client_en.post(reverse("orders:quote"), {"carrier": "hk-bag", "accept_terms": "on"})

    assert response.status_code == 200
    assert response.context["form"].errors["carrier"] == ["This carrier cannot take this parcel."]
    assert Order.objects.count() == 0


def test_change_details_keeps_what_was_typed(client_en, demo_carriers):
    _quote_page(client_en)

    response = client_en.get(reverse("orders:book") + "?edit=1")

    form = response.context["form"]
    assert form["recipient_address"].value() == "建国路88号"
    assert form["pickup_window"].value() == WINDOW
    assert form["length_cm"].value() == "30"


def test_book_again_prefills_the_form_from_the_old_order(client_en, customer, demo_carriers):
    old = OrderFactory(
        user=customer, carrier=demo_carriers["econ-post"], status=Status.SIGNED, description="旧书"
    )

    response = client_en.get(reverse("orders:book") + f"?from={old.number}")

    assert response.status_code == 200
    form = response.context["form"]
    assert form["sender_name"].value() == "张三"
    assert form["recipient_district"].value() == "朝阳区"
    assert form["description"].value() == "旧书"
    assert not form["pickup_window"].value()  # the old window has passed
    html = response.content.decode()
    assert f"Filled in from order {old.number}" in html
    assert '<option value="朝阳区" selected>朝阳区</option>' in html
    assert Order.objects.count() == 1
    assert not OrderEvent.objects.exists()


def test_book_again_from_another_users_order_is_404(client_en, other_customer, demo_carriers):
    theirs = OrderFactory(user=other_customer, carrier=demo_carriers["econ-post"])

    response = client_en.get(reverse("orders:book") + f"?from={theirs.number}")

    assert response.status_code == 404


def test_hong_kong_sender_gets_the_bag_carrier_with_its_bag_and_attestations(
    client_en, customer, demo_carriers
):
    data = booking_data(
        sender_phone="91234567",
        sender_province="香港特别行政区",
        sender_city="香港特别行政区",
        sender_district="油尖旺区",
        sender_address="彌敦道100號",
        recipient_province="广东省",
        recipient_city="深圳市",
        recipient_district="福田区",
        length_cm=None,
        width_cm=None,
        height_cm=None,
        insured=None,
        item_0_description="冬季外套",
        item_0_quantity="1",
        item_0_unit_value="500",
    )
    assert client_en.post(reverse("orders:book"), data).status_code == 302
    response = client_en.get(reverse("orders:quote") + "?carrier=hk-bag")
    hk = next(r for r in response.context["rows"] if r["code"] == "hk-bag")
    assert hk["eligible"], hk["reasons"]
    assert hk["selected"] and hk["bags"]
    html = response.content.decode()
    assert 'name="receipt_attested"' in html and 'name="surcharge_accepted"' in html

    post = {"carrier": "hk-bag", "contract_version_hk-bag": hk["contract"].version, "accept_terms": "on"}
    response = client_en.post(reverse("orders:quote"), {**post, "bag_size": hk["bag"]})
    assert response.status_code == 200
    assert Order.objects.count() == 0

    response = client_en.post(
        reverse("orders:quote"),
        {**post, "bag_size": hk["bag"], "receipt_attested": "on", "surcharge_accepted": "on"},
    )
    assert response.status_code == 302
    order = Order.objects.get()
    assert (order.carrier.code, order.bag_size, order.receipt_attested, order.surcharge_accepted) == (
        "hk-bag",
        hk["bag"],
        True,
        True,
    )
    assert order.currency == "HKD"


def test_window_list_ends_the_day_after_tomorrow(client_en, demo_carriers):
    response = client_en.get(reverse("orders:book"))
    values = [v for v, _label in response.context["form"].fields["pickup_window"].widget.choices if v]
    last_start = datetime.fromisoformat(values[-1].split("/")[0])
    assert last_start.date() == (NOW + timedelta(days=2)).date()


def test_the_default_address_fills_the_sender_and_the_book_is_offered(client_en, customer, demo_carriers):
    from accounts.models import Address

    Address.objects.create(
        user=customer,
        label="家",
        name="王五",
        phone="+8613700137000",
        province="广东省",
        city="广州市",
        district="天河区",
        address="天河路1号",
        is_default=True,
    )

    response = client_en.get(reverse("orders:book"))

    form = response.context["form"]
    assert (form["sender_name"].value(), form["sender_district"].value()) == ("王五", "天河区")
    assert not form["recipient_name"].value()
    html = response.content.decode()
    assert 'data-address-book="recipient"' in html
    assert 'data-district="天河区"' in html
    assert '<option value="天河区" selected>天河区</option>' in html


def test_a_missing_field_and_a_broken_rule_are_reported_together(client_en, demo_carriers):
    response = client_en.post(reverse("orders:book"), booking_data(weight_kg="", sender_phone="12345"))

    errors = response.context["form"].errors
    assert errors["weight_kg"] == ["This field is required."]
    assert errors["sender_phone"] == [PHONE_MESSAGE]
    assert Order.objects.count() == 0


def test_an_empty_form_is_refused_field_by_field(client_en, demo_carriers):
    response = client_en.post(reverse("orders:book"), {})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"sender_name", "recipient_phone", "pickup_window", "weight_kg", "description"} <= set(errors)
    assert "__all__" not in errors


def _confirm_recommended(client_en):
    response = client_en.get(reverse("orders:quote"))
    chosen = next(r for r in response.context["rows"] if r["recommended"])
    return client_en.post(
        reverse("orders:quote"),
        {
            "carrier": chosen["code"],
            f"contract_version_{chosen['code']}": chosen["contract"].version,
            "accept_terms": "on",
        },
        follow=True,
    )


def test_an_address_typed_at_booking_is_saved_to_the_book_when_ticked(client_en, customer, demo_carriers):
    from accounts.models import Address

    page = client_en.get(reverse("orders:book")).content.decode()
    assert page.count("Save to my address book") == 2  # sender and recipient
    client_en.post(reverse("orders:book"), booking_data(recipient_save="on"))
    assert Address.objects.count() == 0  # nothing saved before the order is booked
    # "Change details" keeps the tick.
    edit = client_en.get(reverse("orders:book") + "?edit=1")
    assert edit.context["form"]["recipient_save"].value() is True
    assert edit.context["form"]["sender_save"].value() in (None, False)

    _confirm_recommended(client_en)

    assert Order.objects.count() == 1
    saved = Address.objects.get(user=customer)
    assert (saved.name, saved.phone, saved.province, saved.city, saved.district, saved.address) == (
        "李四",
        "+8613900139000",
        "北京市",
        "北京市",
        "朝阳区",
        "建国路88号",
    )
    assert saved.region_ok


def test_saving_the_same_address_again_adds_no_duplicate(client_en, customer, demo_carriers):
    from accounts.models import Address
    from accounts.services import address_create

    address_create(
        user=customer, name="李四", phone="13900139000", province="北京", city="北京市",
        district="朝阳区", address="建国路88号",
    )  # fmt: skip
    client_en.post(reverse("orders:book"), booking_data(recipient_save="on", sender_save="on"))
    _confirm_recommended(client_en)

    assert Order.objects.count() == 1
    assert sorted(Address.objects.filter(user=customer).values_list("name", flat=True)) == ["张三", "李四"]


def test_a_full_address_book_does_not_stop_the_booking(client_en, customer, demo_carriers):
    from accounts.models import Address
    from accounts.services import ADDRESS_BOOK_LIMIT

    Address.objects.bulk_create(
        Address(user=customer, name="王五", phone="+8613700137000", province="北京市", city="北京市",
                district="东城区", address=f"东四{n}号", is_default=n == 0)
        for n in range(ADDRESS_BOOK_LIMIT)
    )  # fmt: skip
    client_en.post(reverse("orders:book"), booking_data(sender_save="on"))
    response = _confirm_recommended(client_en)

    assert Order.objects.count() == 1
    assert Address.objects.filter(user=customer).count() == ADDRESS_BOOK_LIMIT
    html = response.content.decode()
    assert "The address of 张三 was not saved to your address book: Your address book is full" in html
