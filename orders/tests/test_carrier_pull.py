"""``GET /api/v1/carriers/{code}/orders/`` for carriers that pull (DESIGN §7.1 manual, §7.2)."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from carriers.integrations import INTEGRATIONS
from carriers.services import carrier_credentials_rotate
from carriers.webhooks import sign_payload, sign_request
from orders.models import Status
from orders.services.cancellation import order_cancel, order_expire
from orders.services.expiry import orders_expire_due
from orders.tests.carrier_events_support import NOW, ORDERS_URL, PICKUP_CODE, Sender, order_at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def pull(api_client, carrier):
    return Sender(api_client, carrier.code, carrier_credentials_rotate(carrier=carrier))


def numbers(response) -> list[str]:
    return [order["number"] for order in response.json()["results"]]


def test_an_order_has_what_the_courier_needs_and_never_the_pickup_code(pull, carrier, customer):
    order = order_at(
        carrier,
        customer,
        Status.PLACED,
        length_cm=Decimal("30.0"),
        width_cm=Decimal("20.0"),
        height_cm=Decimal("10.0"),
        deadline=NOW + timedelta(hours=14),
    )

    response = pull.get_orders()

    assert response.status_code == 200
    assert response.json()["count"] == 1
    [data] = response.json()["results"]
    assert data == {
        "number": order.number,
        "status": "placed",
        "created_at": data["created_at"],
        "updated_at": data["updated_at"],
        "deadline": "2026-11-23T00:00:00+08:00",
        "sender": {
            "name": "张三",
            "phone": "+8613800138000",
            "province": "广东省",
            "city": "深圳市",
            "district": "南山区",
            "address": "科技园科苑路1号",
        },
        "recipient": {
            "name": "李四",
            "phone": "+8613900139000",
            "province": "北京市",
            "city": "北京市",
            "district": "朝阳区",
            "address": "建国路88号",
        },
        "pickup_window": {"start": data["pickup_window"]["start"], "end": data["pickup_window"]["end"]},
        "weight_kg": "1.50",
        "actual_weight_kg": None,
        "dimensions_cm": {"length": "30.0", "width": "20.0", "height": "10.0"},
        "item_type": "clothing",
        "description": "冬季外套",
        "quantity": 1,
        "declared_value": "500.00",
        "currency": "CNY",
        "insured": True,
        "original_packaging": None,
        "keep_upright": None,
        "bag": None,
        "estimate": {"amount": "23.00", "currency": "CNY"},
        "courier": None,
        "waybill_no": "",
        "fee": None,
        "exception": None,
        "return_state": "",
    }
    assert "pickup_code" not in response.content.decode()
    assert PICKUP_CODE not in response.content.decode()


def test_bag_orders_carry_their_bag(pull, carrier, customer):
    order_at(carrier, customer, bag_size="medium", receipt_attested=True, surcharge_accepted=True)

    [data] = pull.get_orders().json()["results"]

    assert data["bag"] == {"size": "medium", "receipt_attested": True, "surcharge_accepted": True}


def test_only_the_carriers_own_orders(pull, carrier, other_carrier, customer):
    mine = order_at(carrier, customer)
    order_at(other_carrier, customer)

    assert numbers(pull.get_orders()) == [mine.number]


def test_filter_by_number_re_reads_one_of_the_carriers_own_orders(pull, carrier, other_carrier, customer):
    mine = order_at(carrier, customer, Status.ACCEPTED)
    order_at(carrier, customer)
    theirs = order_at(other_carrier, customer)

    assert numbers(pull.get_orders({"number": mine.number})) == [mine.number]
    assert numbers(pull.get_orders({"number": theirs.number})) == []


def test_user_deleted_orders_are_still_the_carriers_to_work(pull, carrier, customer):
    order = order_at(carrier, customer, hidden_by_user_at=NOW)

    assert numbers(pull.get_orders()) == [order.number]


def test_filter_by_status(pull, carrier, customer):
    placed = order_at(carrier, customer, Status.PLACED)
    accepted = order_at(carrier, customer, Status.ACCEPTED)
    order_at(carrier, customer, Status.SIGNED)

    assert numbers(pull.get_orders({"status": "placed"})) == [placed.number]
    assert sorted(numbers(pull.get_orders({"status": ["placed", "accepted"]}))) == sorted(
        [placed.number, accepted.number]
    )
    assert pull.get_orders({"status": "teleported"}).status_code == 400


def test_cancellations_and_expiries_show_up_through_updated_since(pull, carrier, customer, time_machine):
    cancelled = order_at(carrier, customer)
    expired = order_at(carrier, customer)
    untouched = order_at(carrier, customer)
    since = NOW + timedelta(minutes=1)
    time_machine.move_to(since + timedelta(minutes=1), tick=False)

    order_cancel(order=cancelled, actor_user=customer)
    order_expire(order=expired)
    response = pull.get_orders({"updated_since": since.isoformat()})

    assert response.status_code == 200
    assert {o["number"]: o["status"] for o in response.json()["results"]} == {
        cancelled.number: "cancelled",
        expired.number: "expired",
    }
    assert untouched.number not in numbers(response)


def test_the_midnight_job_s_expiries_show_up_through_updated_since(pull, carrier, customer, time_machine):
    due = [order_at(carrier, customer, deadline=NOW + timedelta(hours=14)) for _ in range(2)]
    not_due = order_at(carrier, customer, deadline=NOW + timedelta(days=1, hours=14))
    # The carrier's last pull was before midnight; the job runs at 00:00 (and may run late).
    since = NOW + timedelta(hours=13)
    time_machine.move_to(NOW + timedelta(hours=14, minutes=5), tick=False)

    assert orders_expire_due() == 2
    response = pull.get_orders({"updated_since": since.isoformat()})

    assert response.status_code == 200
    assert {o["number"]: o["status"] for o in response.json()["results"]} == {
        order.number: "expired" for order in due
    }
    assert [o["updated_at"] for o in response.json()["results"]] == ["2026-11-23T00:05:00+08:00"] * 2
    assert not_due.number not in numbers(response)


def test_updated_since_with_an_unencoded_plus(pull, carrier, customer):
    order = order_at(carrier, customer)
    # "+08:00" typed into a query string without encoding arrives as " 08:00".
    since = (NOW - timedelta(minutes=1)).isoformat()

    path = ORDERS_URL.format(code=carrier.code) + "?updated_since=" + since
    response = pull.client.get(
        path,
        headers=sign_request(secret=pull.secret, msg_id="m-1", method="GET", full_path=path),
    )

    assert response.status_code == 200
    assert numbers(response) == [order.number]


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00+08:00"])
def test_a_bad_updated_since_is_400(pull, value):
    assert pull.get_orders({"updated_since": value}).status_code == 400


def test_least_recently_changed_first_and_paginated(pull, carrier, customer, time_machine):
    created = []
    for minute in range(25):
        time_machine.move_to(NOW + timedelta(minutes=minute), tick=False)
        created.append(order_at(carrier, customer).number)

    first = pull.get_orders()
    second = pull.get_orders({"page": 2})

    assert first.json()["count"] == 25
    assert numbers(first) + numbers(second) == created
    assert first.json()["next"] is not None


def test_query_count_does_not_grow_with_the_page(pull, carrier, customer, django_assert_max_num_queries):
    for _ in range(15):
        order_at(carrier, customer, Status.ACCEPTED, courier_name="王师傅", fee_amount=Decimal("1"))

    # Authentication (carrier, secrets), count, page.
    with django_assert_max_num_queries(5):
        response = pull.get_orders()

    assert response.json()["count"] == 15


def test_unsigned_or_foreign_signatures_are_401(api_client, carrier, other_carrier, customer):
    carrier_credentials_rotate(carrier=carrier)
    foreign = carrier_credentials_rotate(carrier=other_carrier)
    url = ORDERS_URL.format(code=carrier.code)

    assert api_client.get(url).status_code == 401
    signed_by_other = sign_request(secret=foreign, msg_id="m", method="GET", full_path=url)
    assert api_client.get(url, headers=signed_by_other).status_code == 401


def test_a_get_signed_over_a_body_is_401(pull, carrier):
    # The GET is signed over an empty body; a signature over anything else does not verify.
    signed = sign_payload(
        secret=pull.secret, msg_id="m", timestamp=timezone.now(), body=json.dumps({}).encode()
    )

    assert pull.client.get(ORDERS_URL.format(code=carrier.code), headers=signed).status_code == 401


def test_a_user_session_cannot_pull(api_client, customer, carrier):
    carrier_credentials_rotate(carrier=carrier)
    api_client.force_login(customer)

    assert api_client.get(ORDERS_URL.format(code=carrier.code)).status_code == 401


def test_the_signature_covers_the_query_string(pull, carrier, customer):
    placed = order_at(carrier, customer)
    path = ORDERS_URL.format(code=carrier.code) + "?status=placed"
    signed = sign_request(secret=pull.secret, msg_id="m-1", method="GET", full_path=path)

    # A captured signed pull replayed with another query string within the five minutes.
    replayed = pull.client.get(ORDERS_URL.format(code=carrier.code) + "?status=cancelled", headers=signed)
    without_query = pull.client.get(ORDERS_URL.format(code=carrier.code), headers=signed)
    as_signed = pull.client.get(path, headers=signed)

    assert (replayed.status_code, without_query.status_code) == (401, 401)
    assert as_signed.status_code == 200
    assert numbers(as_signed) == [placed.number]


def test_the_signature_covers_the_method_and_path(pull, carrier):
    path = ORDERS_URL.format(code=carrier.code)
    signed_for_head = sign_request(secret=pull.secret, msg_id="m-1", method="HEAD", full_path=path)
    signed_elsewhere = sign_request(secret=pull.secret, msg_id="m-1", method="GET", full_path=path + "x/")

    assert pull.client.get(path, headers=signed_for_head).status_code == 401
    assert pull.client.get(path, headers=signed_elsewhere).status_code == 401


@pytest.mark.parametrize("name", sorted(n for n, i in INTEGRATIONS.items() if i.pulls))
def test_every_integration_that_serves_pulls_signs_the_query_string(api_client, carrier, customer, name):
    carrier.integration = name
    carrier.save(update_fields=["integration"])
    secret = carrier_credentials_rotate(carrier=carrier)
    placed = order_at(carrier, customer)
    path = ORDERS_URL.format(code=carrier.code) + "?status=placed"
    signed = sign_request(secret=secret, msg_id="m-1", method="GET", full_path=path)

    replayed = api_client.get(ORDERS_URL.format(code=carrier.code) + "?status=cancelled", headers=signed)
    as_signed = api_client.get(path, headers=signed)

    assert (replayed.status_code, as_signed.status_code) == (401, 200)
    assert numbers(as_signed) == [placed.number]
