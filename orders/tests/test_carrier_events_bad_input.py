"""Bad input on the callback path, each signed with a valid secret (DESIGN §7.2): a JSON error
(400, or 413 over the size limit), in the caller's language, and nothing changes."""

import json

import pytest

from carriers.api.authentication import MAX_BODY_BYTES
from carriers.models import CarrierEvent
from carriers.services import carrier_credentials_rotate
from orders.models import OrderEvent, Status
from orders.tests.carrier_events_support import COURIER, NOW, Sender, body, minutes_ago, order_at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def send(api_client, carrier):
    return Sender(api_client, carrier.code, carrier_credentials_rotate(carrier=carrier))


@pytest.fixture
def order(carrier, customer):
    return order_at(carrier, customer, Status.PLACED)


def accepted(order, **data) -> dict:
    return body(order, "order.accepted", minutes_ago(10), {"courier": COURIER, **data})


def assert_unchanged(order):
    order.refresh_from_db()
    assert order.status == Status.PLACED
    assert order.courier_name == ""
    assert not OrderEvent.objects.filter(order=order).exists()


def raw_accepted(order, courier_name: str) -> bytes:
    """An accepted event with ``courier_name`` spliced in as raw JSON text."""
    template = json.dumps(accepted(order), ensure_ascii=False).replace('"王师傅"', "@NAME@")
    return template.replace("@NAME@", courier_name).encode()


def test_a_webhook_id_over_100_characters_is_400(send, order):
    response = send.post(accepted(order), msg_id="m" * 101)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_payload"
    assert response.json()["detail"] == {"webhook-id": ["webhook-id 超过 100 个字符。"]}
    assert_unchanged(order)
    assert CarrierEvent.objects.get().result == "invalid"


def test_a_webhook_id_of_100_characters_is_applied(send, order):
    response = send.post(accepted(order), msg_id="m" * 100)

    assert response.json() == {"result": "applied"}
    assert OrderEvent.objects.get(order=order).source_event_id == "m" * 100


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_nan_and_infinity_are_400(send, order, constant):
    raw = json.dumps(body(order, "order.picked_up", minutes_ago(10), {})).replace("{}", '{"weight_kg": @}')
    response = send.post(None, raw=raw.replace("@", constant).encode())

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_payload",
        "detail": {"non_field_errors": ["NaN 和 Infinity 不是 JSON 数字。"]},
    }
    assert_unchanged(order)
    assert CarrierEvent.objects.get().result == "invalid"


@pytest.mark.parametrize("where", ["value", "key"])
def test_a_nul_character_in_a_string_is_400(send, order, where):
    payload = accepted(order)
    if where == "value":
        payload["data"]["courier"] = {**COURIER, "name": "王\u0000师傅"}
    else:
        payload["data"]["x\u0000"] = 1

    response = send.post(payload)

    assert response.status_code == 400
    assert response.json()["detail"] == {"non_field_errors": ["文本不能包含 NUL 字符（\\u0000）。"]}
    assert_unchanged(order)
    # The audit log keeps the refused body in a form the database can store.
    assert "\\u0000" in CarrierEvent.objects.get().payload["raw"]


def test_a_body_that_is_not_utf8_is_400_not_401(send, order):
    response = send.post(None, raw=raw_accepted(order, '"王师傅"').replace("王".encode(), b"\xcd\xf5"))

    assert response.status_code == 400
    assert response.json()["detail"] == {"non_field_errors": ["请求体不是 UTF-8 文本。"]}
    assert_unchanged(order)


@pytest.mark.parametrize("depth", [9, 5000])
def test_json_nested_too_deeply_is_400(send, order, depth):
    nested = "[" * depth + "]" * depth
    response = send.post(None, raw=raw_accepted(order, nested))

    assert response.status_code == 400
    assert response.json()["detail"] == {"non_field_errors": ["JSON 嵌套层级过深。"]}
    assert_unchanged(order)


def test_errors_follow_the_callers_language(send, order):
    response = send.post(accepted(order), msg_id="m" * 101, headers={"Accept-Language": "en"})

    assert response.json()["detail"] == {"webhook-id": ["The webhook-id is longer than 100 characters."]}


def test_a_body_over_64_kib_is_413(send, order):
    payload = accepted(order, padding="x" * MAX_BODY_BYTES)

    response = send.post(payload)

    assert response.status_code == 413
    assert response.json() == {"error": "payload_too_large", "detail": "请求体超过 64 KiB。"}
    assert_unchanged(order)
    assert not CarrierEvent.objects.exists()


def test_a_body_just_under_the_limit_is_judged(send, order):
    payload = accepted(order, padding="")
    room = MAX_BODY_BYTES - len(json.dumps(payload, ensure_ascii=False).encode())
    payload["data"]["padding"] = "x" * room

    response = send.post(payload)

    assert response.json() == {"result": "applied"}


def test_only_the_schema_checked_data_reaches_the_timeline(send, order):
    payload = accepted(order, extra={"blob": "y" * 10_000})

    send.post(payload)

    event = OrderEvent.objects.get(order=order)
    assert event.data == {"courier": COURIER}


def test_the_413_follows_the_callers_language(send, order):
    response = send.post(accepted(order, padding="x" * MAX_BODY_BYTES), headers={"Accept-Language": "en"})

    assert response.json() == {"error": "payload_too_large", "detail": "The body is larger than 64 KiB."}
