"""The callback's plain POST path (``CarrierEventView.as_view``) answers exactly as DRF's view did,
and hands DRF whatever it does not take; the rows a callback writes (``orders.rows``) are the rows
the ORM would write."""

import json

import pytest
from django.db.models.signals import post_save, pre_init

from carriers.models import CarrierEvent
from carriers.services import carrier_credentials_rotate
from carriers.webhooks import sign_payload
from orders.models import OrderEvent, Status
from orders.rows import RowInsert
from orders.services.lifecycle import order_event_record
from orders.tests.carrier_events_support import NOW, Sender, body, minutes_ago, order_at

pytestmark = pytest.mark.django_db

SCAN = {"location": "深圳转运中心", "description": "已到达"}


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def send(api_client, carrier):
    return Sender(api_client, carrier.code, carrier_credentials_rotate(carrier=carrier))


@pytest.fixture
def order(carrier, customer):
    return order_at(carrier, customer, Status.IN_TRANSIT)


def test_a_plain_callback_answers_with_drfs_allow_header(send, order):
    response = send.post(body(order, "order.in_transit", minutes_ago(5), SCAN))

    assert (response.status_code, response.json()) == (200, {"result": "recorded"})
    assert response["Allow"] == "POST, OPTIONS"
    assert response["Content-Type"] == "application/json"
    assert OrderEvent.objects.filter(order=order, source_event_id=send.last_msg_id).count() == 1


def test_an_accept_header_without_json_is_still_refused_by_negotiation(send, order):
    response = send.post(
        body(order, "order.in_transit", minutes_ago(5), SCAN), headers={"Accept": "text/html"}
    )

    assert response.status_code == 406
    assert response.json()["error"] == "not_acceptable"
    assert not OrderEvent.objects.filter(order=order).exists()
    assert not CarrierEvent.objects.exists()


def test_a_query_string_goes_to_drf_which_reads_its_format(api_client, carrier, order):
    secret = carrier_credentials_rotate(carrier=carrier)
    data = json.dumps(body(order, "order.in_transit", minutes_ago(5), SCAN), ensure_ascii=False).encode()
    signed = sign_payload(secret=secret, msg_id="evt-format", body=data)
    response = api_client.post(
        f"/api/v1/carriers/{carrier.code}/events/?format=xml",
        data=data,
        content_type="application/json",
        headers=signed,
    )

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert not OrderEvent.objects.filter(order=order).exists()


def test_options_is_still_drfs_metadata(api_client, carrier):
    response = api_client.options(f"/api/v1/carriers/{carrier.code}/events/")

    assert response.status_code == 200
    assert response.json()["name"] == "Carrier Event"


def test_an_inserted_row_is_the_row_the_orm_reads_back(order):
    entry = order_event_record(
        order=order, kind="order.in_transit", actor="carrier", note="已到达", data={"location": "深圳"}
    )

    stored = OrderEvent.objects.get(pk=entry.pk)
    assert entry._state.adding is False
    assert [
        (e.order_id, e.kind, e.old_status, e.new_status, e.actor, e.note, e.data, e.created_at, e.occurred_at)
        for e in (entry, stored)
    ] == [
        (order.pk, "order.in_transit", "in_transit", "in_transit", "carrier", "已到达", {"location": "深圳"})
        + (stored.created_at, stored.occurred_at)
    ] * 2


def test_a_model_with_a_save_receiver_is_saved_the_ordinary_way(order):
    seen = []

    def receiver(sender, instance, created, **kwargs):
        seen.append((instance.pk, created))

    post_save.connect(receiver, sender=OrderEvent, dispatch_uid="test-row-insert")
    try:
        entry = RowInsert(OrderEvent).create(
            order_id=order.pk,
            old_status="",
            new_status="",
            kind="note",
            actor="admin",
            occurred_at=NOW,
            data={},
        )
    finally:
        post_save.disconnect(dispatch_uid="test-row-insert", sender=OrderEvent)

    assert seen == [(entry.pk, True)]


def _state(instance) -> tuple:
    """What an instance holds: every field's value, the related instances it caches."""
    return (
        type(instance),
        {
            f.attname: getattr(instance, f.attname)
            for f in instance._meta.concrete_fields
            if f.attname != "id"
        },
        dict(instance._state.fields_cache),
    )


def _log_values(carrier, order) -> list[dict]:
    # Refused results: the webhook id may repeat (only applied and recorded ones take it).
    common = {"webhook_id": "evt-1", "result": "invalid", "received_at": NOW}
    return [
        {
            "carrier": carrier,
            "order": order,
            "order_number": order.number,
            "type": "order.in_transit",
            **common,
        },
        {"carrier_id": carrier.pk, "order_id": order.pk, **common},
        {"carrier": carrier, "order": None, "payload": {"raw": "x"}, "error": "e" * 500, **common},
        {"carrier": carrier, "webhook_id": "evt-2", "result": "illegal"},  # defaults: payload, received_at
        {"carrier": carrier, "order_number": 12345, "type": "", **common},  # a number in a text field
        {"carrier": carrier, "carrier_id": carrier.pk, **common},  # given twice: the model's own path
    ]


@pytest.mark.parametrize("case", range(6))
def test_an_instance_built_by_position_is_the_one_the_model_builds(carrier, order, case):
    values = _log_values(carrier, order)[case]

    built = RowInsert(CarrierEvent).create(**values)

    expected = CarrierEvent(**values)
    assert _state(built) == _state(expected)
    assert (built._state.adding, built._state.db) == (False, "default")
    expected.save(force_insert=True)
    stored, saved = (CarrierEvent.objects.get(pk=pk) for pk in (built.pk, expected.pk))
    assert _state(stored) == _state(saved)


def test_a_pre_init_receiver_is_given_the_keyword_arguments(carrier):
    seen = []

    def receiver(sender, args, kwargs, **extra):
        seen.append((args, dict(kwargs)))

    pre_init.connect(receiver, sender=CarrierEvent, dispatch_uid="test-row-insert-init")
    try:
        RowInsert(CarrierEvent).create(
            carrier=carrier, webhook_id="evt-3", result="recorded", received_at=NOW
        )
    finally:
        pre_init.disconnect(dispatch_uid="test-row-insert-init", sender=CarrierEvent)

    assert seen == [
        ((), {"carrier": carrier, "webhook_id": "evt-3", "result": "recorded", "received_at": NOW})
    ]
