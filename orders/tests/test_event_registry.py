"""The event registry (DESIGN §7.4): each carrier event type declared once, and every reader of it
(the callback parser, the judgement, the notices, the timeline, the OpenAPI schema) agreeing."""

import pytest
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator

from notifications.models import Kind, Notification
from notifications.texts import RENDERERS
from orders.event_registry import (
    ASPECTS,
    EVENT_TYPES,
    REGISTRY,
    TARGET_STATUS,
    TIMELINE_LABELS,
    EventType,
    data_serializers,
    event_type,
)
from orders.models import CancelReason, OrderEvent, PickupException, Status
from orders.services.carrier_event_judgement import HANDLERS
from orders.services.statuses import is_legal_move
from orders.tests.carrier_events_support import (
    COURIER,
    NOW,
    PICKUP_CODE,
    Sender,
    body,
    minutes_ago,
    order_at,
    picked_up_data,
)

S = Status

# DESIGN §7.2, the table: type → the status it moves to ("" for none).
DESIGN_TABLE = {
    "order.dispatching": S.DISPATCHING,
    "order.dispatch_failed": "",
    "order.accepted": S.ACCEPTED,
    "order.pickup_exception": "",
    "order.exception_resolved": "",
    "order.picked_up": S.PICKED_UP,
    "order.in_transit": S.IN_TRANSIT,
    "order.out_for_delivery": S.OUT_FOR_DELIVERY,
    "order.problem": S.PROBLEM,
    "order.signed": S.SIGNED,
    "order.rejected": S.REJECTED,
    "order.cancelled": S.CANCELLED,
    "order.contraband_found": "",
    "order.returning": "",
    "order.returned": "",
    "order.disposed": "",
    "order.fee_settled": "",
    # A carrier status the platform has no type for (DESIGN §7.5 "other: timeline entry").
    "order.carrier_note": "",
    "claim.decided": "",
}
# A status each moving type may come from, and the data it is sent with.
FROM_AND_DATA = {
    "order.dispatching": (S.PLACED, {}),
    "order.accepted": (S.DISPATCHING, {"courier": COURIER}),
    "order.picked_up": (S.ACCEPTED, picked_up_data()),
    "order.in_transit": (S.PICKED_UP, {"location": "深圳", "description": "已发出"}),
    "order.out_for_delivery": (S.IN_TRANSIT, {}),
    "order.problem": (S.IN_TRANSIT, {"description": "地址不详"}),
    "order.signed": (S.OUT_FOR_DELIVERY, {"signed_by": "本人"}),
    "order.rejected": (S.OUT_FOR_DELIVERY, {"reason": "refused"}),
    "order.cancelled": (S.ACCEPTED, {"reason": "用户取消"}),
}


def test_the_registry_declares_exactly_the_types_of_the_design():
    assert list(EVENT_TYPES) == list(DESIGN_TABLE)
    assert {code: t.moves_to or "" for code, t in REGISTRY.items()} == DESIGN_TABLE
    assert dict(TARGET_STATUS) == {code: status for code, status in DESIGN_TABLE.items() if status}
    assert all(isinstance(t, EventType) and t.code == code for code, t in REGISTRY.items())


def test_every_type_has_a_rule_in_the_judgement_and_a_data_schema():
    assert set(HANDLERS) == set(REGISTRY)
    assert {event_type(code).data for code in REGISTRY} == set(data_serializers())


def test_unknown_types_are_not_declared():
    with pytest.raises(KeyError):
        event_type("order.teleported")


def test_every_notice_kind_has_its_words():
    notices = {code: t.notice for code, t in REGISTRY.items() if t.notice}
    assert notices == {
        "order.dispatch_failed": Kind.DISPATCH_FAILED,
        "order.accepted": Kind.ACCEPTED,
        "order.pickup_exception": Kind.PICKUP_EXCEPTION,
        "order.picked_up": Kind.PICKED_UP,
        "order.problem": Kind.PROBLEM,
        "order.signed": Kind.SIGNED,
        "order.rejected": Kind.REJECTED,
        "order.cancelled": Kind.CANCELLED,
        "order.contraband_found": Kind.PROBLEM,
        "order.returning": Kind.RETURN_LEG,
        "order.returned": Kind.RETURN_LEG,
        "order.disposed": Kind.RETURN_LEG,
        "claim.decided": Kind.CLAIM_DECIDED,
    }
    assert set(notices.values()) <= set(RENDERERS)


def test_the_aspect_groups():
    assert dict(ASPECTS) == {
        "order.accepted": ("order.accepted",),
        "order.pickup_exception": ("order.pickup_exception", "order.exception_resolved"),
        "order.exception_resolved": ("order.pickup_exception", "order.exception_resolved"),
        "order.returning": ("order.returning", "order.returned", "order.disposed"),
        "order.returned": ("order.returning", "order.returned", "order.disposed"),
        "order.disposed": ("order.returning", "order.returned", "order.disposed"),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("code", [c for c, t in REGISTRY.items() if t.timeline_label is not None])
def test_the_timeline_says_the_registrys_label_for_an_entry_without_a_status_change(
    code, client, carrier, customer
):
    order = order_at(carrier, customer, S.ACCEPTED)
    client.force_login(customer)
    with translation.override("zh-hans"):
        label = str(TIMELINE_LABELS[code])
    assert label not in client.get(f"/orders/{order.number}/").content.decode()

    OrderEvent.objects.create(
        order=order, kind=code, old_status=S.ACCEPTED, new_status=S.ACCEPTED, actor="carrier", occurred_at=NOW
    )

    page = client.get(f"/orders/{order.number}/")
    assert page.status_code == 200
    assert label in page.content.decode()


def test_the_openapi_schema_lists_each_registry_type_with_its_own_data():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    body = schema["paths"]["/api/v1/carriers/{code}/events/"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CarrierEventRequest"
    }
    request = components["CarrierEventRequest"]
    assert request["discriminator"]["propertyName"] == "type"
    mapping = request["discriminator"]["mapping"]
    assert list(mapping) == list(EVENT_TYPES)
    for code, ref in mapping.items():
        shape = components[ref.rsplit("/", 1)[-1]]
        enum = shape["properties"]["type"]["$ref"].rsplit("/", 1)[-1]
        assert components[enum]["enum"] == [code]
        data = event_type(code).data
        if data().fields:  # order.dispatching carries none: its shape has no data
            assert shape["properties"]["data"] == {
                "$ref": f"#/components/schemas/{data.__name__.removesuffix('Serializer')}"
            }
            assert "data" in shape["required"]
        else:
            assert "data" not in shape["properties"]
    contraband = components[mapping["order.contraband_found"].rsplit("/", 1)[-1]]
    data = components[contraband["properties"]["data"]["$ref"].rsplit("/", 1)[-1]]
    assert data["required"] == ["category", "note"]


@pytest.mark.django_db
@pytest.mark.parametrize("code", list(FROM_AND_DATA))
def test_each_moving_type_moves_the_order_to_the_status_the_registry_declares(
    code, api_client, carrier, customer, time_machine
):
    from carriers.services import carrier_credentials_rotate

    time_machine.move_to(NOW, tick=False)
    sender = Sender(api_client, carrier.code, carrier_credentials_rotate(carrier=carrier))
    start, data = FROM_AND_DATA[code]
    assert is_legal_move(start, event_type(code).moves_to)
    order = order_at(carrier, customer, start, pickup_code=PICKUP_CODE)

    response = sender.post(body(order, code, minutes_ago(5), data))

    assert response.json() == {"result": "applied"}
    order.refresh_from_db()
    assert order.status == event_type(code).moves_to
    notice = event_type(code).notice
    assert list(Notification.objects.filter(order=order).values_list("kind", flat=True)) == (
        [notice] if notice else []
    )


@pytest.mark.parametrize("code", PickupException.values)
def test_every_pickup_exception_code_has_its_words_in_the_notice(code):
    from notifications.texts import render

    with translation.override("zh-hans"):
        _title, text = render(kind=Kind.PICKUP_EXCEPTION, context={"number": "CP1", "code": code})
    assert code not in text


@pytest.mark.parametrize("code", CancelReason.values)
def test_every_cancel_reason_has_its_words_in_the_notice(code):
    from notifications.texts import render

    with translation.override("zh-hans"):
        _title, text = render(kind=Kind.CANCELLED, context={"number": "CP1", "by": "user", "reason": code})
    assert code not in text
