"""A protocol that is not ours, registered from the test as a plug-in and driven over HTTP
(DESIGN §7.4): form-encoded bodies, an MD5 signature inside the body, several events per request,
its own acknowledgement JSON and status codes. Nothing in orders/ knows about it."""

import hashlib
import hmac
import json
from urllib.parse import urlencode

import pytest
from django.http import JsonResponse

from carriers.integrations import (
    INTEGRATIONS,
    InboundOutcome,
    Integration,
    InvalidRequest,
    OutboundMessage,
    PlatformEvent,
    RequestRefused,
    SendResult,
    integration_for,
    integration_register,
)
from carriers.models import CarrierEvent
from orders.models import OrderEvent, Status
from orders.tests.carrier_events_support import COURIER, EVENTS_URL, NOW, minutes_ago, order_at

pytestmark = pytest.mark.django_db

SALT = "test-salt-2026"
# The carrier's own status codes, translated to platform events by the plug-in.
CODES = {"0": "order.dispatching", "1": "order.accepted", "99": "order.cancelled"}


class FormPost(Integration):
    """``param`` (JSON) and ``sign`` = upper-case hex MD5 of ``param + salt``, form-encoded; one
    request carries a list of updates."""

    name = "test_formpost"
    label = "Form post (test)"
    settings_fields = ("salt",)
    secret_fields = frozenset({"salt"})

    def send(self, message: OutboundMessage) -> SendResult:
        return SendResult.failed(f"10009 {message.type} not accepted by the test carrier")

    def parse(self, request, *, carrier):
        from django.http import QueryDict

        form = QueryDict(request.body.decode("utf-8", errors="replace"))
        param, sign = form.get("param", ""), form.get("sign", "")
        salt = self.settings_of(carrier)["salt"]
        expected = hashlib.md5((param + salt).encode()).hexdigest().upper()  # noqa: S324  (their protocol)
        if not salt or not hmac.compare_digest(expected, sign):
            raise RequestRefused("bad sign")
        try:
            updates = json.loads(param)["updates"]
        except (ValueError, KeyError, TypeError):
            raise InvalidRequest("param is not the expected JSON", payload={"param": param}) from None
        events = []
        for update in updates:
            data = {}
            if update.get("courierName"):
                data["courier"] = {
                    "name": update["courierName"],
                    "phone": update["courierMobile"],
                    "employee_id": update["courierNo"],
                }
            if update["status"] == "99":
                data["reason"] = update.get("cancelMsg", "")
            events.append(
                PlatformEvent(
                    id=f"{update['orderId']}:{update['status']}:{update['updateTime']}",
                    envelope={
                        "order": update["orderId"],
                        "type": CODES.get(update["status"], "unknown"),
                        "occurred_at": update["updateTime"],
                        "data": data,
                    },
                    payload=update,
                )
            )
        return events

    def acknowledge(self, outcome: InboundOutcome):
        if outcome.refused is not None:
            return JsonResponse({"result": False, "returnCode": "401", "message": "签名错误"}, status=401)
        refused = [a for a in outcome.answers if a.result in ("invalid", "not_found", "illegal")]
        return JsonResponse(
            {
                "result": not refused,
                "returnCode": "200" if not refused else "400",
                "message": "成功"
                if not refused
                else "; ".join(f"{a.event_id or 'request'}: {a.error or a.result}" for a in refused),
            },
            json_dumps_params={"ensure_ascii": False},
        )


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def formpost(carrier):
    integration_register(FormPost())
    carrier.integration = FormPost.name
    carrier.integration_settings = {"salt": SALT}
    carrier.save(update_fields=["integration", "integration_settings"])
    yield carrier
    INTEGRATIONS.pop(FormPost.name, None)


def form(updates, *, salt=SALT) -> bytes:
    param = json.dumps({"updates": updates}, ensure_ascii=False)
    sign = hashlib.md5((param + salt).encode()).hexdigest().upper()  # noqa: S324
    return urlencode({"param": param, "sign": sign}).encode()


def post(client, carrier, raw: bytes):
    return client.post(
        EVENTS_URL.format(code=carrier.code), data=raw, content_type="application/x-www-form-urlencoded"
    )


def update(order, status, minutes, **fields):
    return {
        "orderId": order if isinstance(order, str) else order.number,
        "status": status,
        "updateTime": minutes_ago(minutes).isoformat(),
        **fields,
    }


ACCEPT = {
    "courierName": COURIER["name"],
    "courierMobile": COURIER["phone"],
    "courierNo": COURIER["employee_id"],
}


def test_the_carrier_is_served_by_the_registered_plug_in(formpost):
    assert isinstance(integration_for(formpost), FormPost)


def test_two_events_in_one_form_post_are_both_applied_and_acknowledged_in_its_format(
    client, formpost, customer
):
    order = order_at(formpost, customer, Status.PLACED)
    raw = form([update(order, "0", 20), update(order, "1", 10, **ACCEPT)])

    response = post(client, formpost, raw)

    assert (response.status_code, response.json()) == (
        200,
        {"result": True, "returnCode": "200", "message": "成功"},
    )
    order.refresh_from_db()
    assert (order.status, order.courier_name, order.courier_phone) == (
        Status.ACCEPTED,
        COURIER["name"],
        COURIER["phone"],
    )
    ids = [
        f"{order.number}:0:{minutes_ago(20).isoformat()}",
        f"{order.number}:1:{minutes_ago(10).isoformat()}",
    ]
    assert list(
        OrderEvent.objects.filter(order=order, actor="carrier")
        .order_by("id")
        .values_list("kind", "source_event_id")
    ) == [("order.dispatching", ids[0]), ("order.accepted", ids[1])]
    assert list(CarrierEvent.objects.order_by("id").values_list("webhook_id", "result", "type")) == [
        (ids[0], "applied", "order.dispatching"),
        (ids[1], "applied", "order.accepted"),
    ]
    # The log keeps the carrier's own message for each event.
    assert CarrierEvent.objects.get(webhook_id=ids[1]).payload["courierName"] == COURIER["name"]

    # The carrier retries the same request: both are duplicates, nothing changes, still acknowledged.
    again = post(client, formpost, raw)
    assert again.json() == {"result": True, "returnCode": "200", "message": "成功"}
    assert OrderEvent.objects.filter(order=order, actor="carrier").count() == 2
    assert list(CarrierEvent.objects.order_by("id").values_list("result", flat=True)[2:]) == [
        "duplicate",
        "duplicate",
    ]


def test_a_bad_sign_is_answered_in_the_carriers_format_and_changes_nothing(client, formpost, customer):
    order = order_at(formpost, customer, Status.PLACED)

    response = post(client, formpost, form([update(order, "1", 10, **ACCEPT)], salt="wrong"))

    assert (response.status_code, response.json()) == (
        401,
        {"result": False, "returnCode": "401", "message": "签名错误"},
    )
    order.refresh_from_db()
    assert order.status == Status.PLACED
    assert not OrderEvent.objects.filter(order=order).exclude(actor="user").exists()
    assert not CarrierEvent.objects.exists()


def test_each_event_is_judged_on_its_own(client, formpost, customer):
    order = order_at(formpost, customer, Status.PLACED)
    unknown_type = update(order, "7", 15)
    raw = form([update(order, "0", 20), unknown_type, update("CPNOSUCHORDER", "0", 5)])

    response = post(client, formpost, raw)

    assert response.status_code == 200
    assert response.json()["result"] is False
    assert response.json()["returnCode"] == "400"
    order.refresh_from_db()
    assert order.status == Status.DISPATCHING  # the valid one applied
    assert list(CarrierEvent.objects.order_by("id").values_list("result", flat=True)) == [
        "applied",
        "invalid",
        "not_found",
    ]
    # The registry's schema refused the unknown type, with the field error kept in the log.
    assert "type" in CarrierEvent.objects.get(result="invalid").error


def test_an_unreadable_request_is_answered_by_the_plug_in(client, formpost):
    param = "not json"
    sign = hashlib.md5((param + SALT).encode()).hexdigest().upper()  # noqa: S324
    response = post(client, formpost, urlencode({"param": param, "sign": sign}).encode())

    assert response.json() == {"result": False, "returnCode": "400", "message": "request: invalid"}
    assert list(CarrierEvent.objects.values_list("result", "payload")) == [("invalid", {"param": "not json"})]


def test_the_outbox_records_a_refusal_for_good_from_the_plug_in(formpost, customer):
    from django.db import transaction

    from delivery import services as engine
    from orders.models import OutboxMessage
    from orders.services import outbox

    order = order_at(formpost, customer, Status.PLACED)
    with transaction.atomic():
        message = outbox.outbox_message_add(
            order_id=order.pk,
            carrier_id=formpost.pk,
            event_type="order.created",
            payload={"order": order.number},
        )
    assert engine.message_deliver(message_id=message.pk) == engine.Outcome.FAILED
    message = OutboxMessage.objects.get(pk=message.pk)
    assert (message.status, message.attempts, message.last_error) == (
        "failed",
        1,
        "10009 order.created not accepted by the test carrier",
    )


def test_a_carrier_whose_integration_does_not_pull_cannot_pull(api_client, formpost):
    from carriers.services import carrier_credentials_rotate
    from orders.tests.carrier_events_support import Sender

    sender = Sender(api_client, formpost.code, carrier_credentials_rotate(carrier=formpost))

    response = sender.get_orders({"status": "placed"})

    assert (response.status_code, response.json()["error"]) == (404, "not_found")


def test_a_carrier_whose_integration_is_not_installed_is_answered_503_and_nothing_is_recorded(
    client, carrier
):
    carrier.integration = "pigeon"
    carrier.save(update_fields=["integration"])

    response = post(client, carrier, form([]))

    assert (response.status_code, response.json()["error"]) == (503, "integration_unavailable")
    assert not CarrierEvent.objects.exists()


def test_the_schema_documents_the_503_of_an_integration_not_installed(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    answer = schema["paths"]["/api/v1/carriers/{code}/events/"]["post"]["responses"]["503"]
    assert "integration_unavailable" in answer["description"]
    assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/CarrierError"}
