"""Serializers of the carrier API (DESIGN §7.2): the callback body and the orders a carrier pulls.

These check the shape of what a carrier sends, as the event registry (``orders.event_registry``)
declares it; what an event may do to an order is judged by ``orders.services.carrier_events``.
"""

from __future__ import annotations

import functools
import re
import threading
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.core.validators import MaxLengthValidator, MinLengthValidator, ProhibitNullCharactersValidator
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from orders.api.serializers import (
    MoneySerializer,
    OrderPartsMixin,
)
from orders.event_registry import EVENT_TYPES, data_serializers, event_type
from orders.models import ItemType, Order, PickupException, Status

# A carrier's clock may run a little ahead of ours; an event far in the future would make every
# later event look late, so it is refused.
FUTURE_TOLERANCE = timedelta(minutes=5)


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 time with its UTC offset (``2026-11-22T10:00:00+08:00`` or ``…Z``)."""

    default_error_messages = {
        "invalid": _("Give an ISO 8601 time, e.g. 2026-11-22T10:00:00+08:00."),
        "naive": _("Give the time with its UTC offset, e.g. 2026-11-22T10:00:00+08:00."),
    }

    def to_internal_value(self, value: Any):
        if not isinstance(value, str):
            self.fail("invalid")
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
        if parsed is None:
            self.fail("invalid")
        if timezone.is_naive(parsed):
            self.fail("naive")
        # In the platform's time zone, as DRF stores every time: the database refuses offsets
        # Python allows (-16:45); a time at the edge of the calendar that cannot move is refused.
        return self.enforce_timezone(parsed)


@extend_schema_field(
    PolymorphicProxySerializer(
        component_name="CarrierEventData",
        serializers=data_serializers(),
        resource_type_field_name=None,
    )
)
class EventDataField(serializers.DictField):
    """The event's data: its shape depends on ``type`` (see the table of DESIGN §7.2)."""


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class CarrierEventSerializer(serializers.Serializer):
    """``{"order", "type", "occurred_at", "data"}``: one event about one of the carrier's orders."""

    order = serializers.CharField(max_length=40, help_text="The platform's order number.")
    type = serializers.ChoiceField(choices=EVENT_TYPES)
    occurred_at = AwareDateTimeField(help_text="When it happened, with its UTC offset.")
    data = EventDataField(required=False, default=dict)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The data serializer of each type, built once per instance (see carrier_event_validate).
        self._data_serializers: dict[str, serializers.Serializer] = {}

    def validate_occurred_at(self, value):
        now = self.context.get("now") or timezone.now()
        if value > now + FUTURE_TOLERANCE:
            raise serializers.ValidationError(_("occurred_at is in the future."), code="future")
        return value

    def validate(self, attrs: dict) -> dict:
        type_ = attrs["type"]
        data_serializer = self._data_serializers.get(type_)
        if data_serializer is None:
            data_serializer = self._data_serializers[type_] = event_type(type_).data()
        try:
            # ``data`` is a dict here (EventDataField), so the errors are what ``.errors`` gives.
            data = data_serializer.run_validation(attrs.get("data") or {})
        except serializers.ValidationError as error:
            raise serializers.ValidationError({"data": error.detail}) from None
        return {**attrs, "data": _plain(dict(data))}


# Per thread: a serializer and its context, built once and validating one event after another
# (as a ListSerializer's child validates one item after another).
_prepared = threading.local()


def carrier_event_validate(envelope: Any, *, now: datetime) -> tuple[dict | None, Any]:
    """``(validated event, None)``, or ``(None, errors)`` exactly as
    ``CarrierEventSerializer(data=envelope, context={"now": now}).errors`` reports them.

    Building a serializer's fields is most of what validating costs; a valid event whose data is
    plain text is checked without a serializer (:func:`_plain_event_validate`), any other valid
    event by this thread's serializer built once, and only a refused one by a new serializer, whose
    ``errors`` are the answer's field errors.
    """
    valid = _plain_event_validate(envelope, now=now)
    if valid is not None:
        return valid, None
    serializer = getattr(_prepared, "serializer", None)
    if serializer is None:
        _prepared.context = {}
        serializer = _prepared.serializer = CarrierEventSerializer(context=_prepared.context)
    _prepared.context["now"] = now
    try:
        return serializer.run_validation(envelope), None
    except serializers.ValidationError:
        pass
    refused = CarrierEventSerializer(data=envelope, context={"now": now})
    refused.is_valid()
    return None, refused.errors


# --- valid events of plain text, checked without a serializer ---------------------------------------


class _PlainText(NamedTuple):
    """A ``CharField`` whose only checks are its own (blank, lengths, NUL, surrogates)."""

    name: str
    required: bool
    allow_blank: bool
    trim: bool
    max_length: int | None
    min_length: int | None


class _PlainPlan(NamedTuple):
    order: _PlainText
    occurred_at: AwareDateTimeField
    # Per event type: its data fields when all are plain text; None for any other type.
    data: dict[str, tuple[_PlainText, ...] | None]


_OWN_CHECKS = (
    MaxLengthValidator,
    MinLengthValidator,
    ProhibitNullCharactersValidator,
    ProhibitSurrogateCharactersValidator,
)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _plain_text(name: str, field: serializers.Field) -> _PlainText | None:
    if (
        type(field) is not serializers.CharField
        or field.read_only
        or field.source != name
        or field.default is not empty
        or any(type(v) not in _OWN_CHECKS for v in field.validators)
    ):
        return None
    limits = {type(v): v.limit_value for v in field.validators if hasattr(v, "limit_value")}
    if (
        sum(isinstance(v, MaxLengthValidator | MinLengthValidator) for v in field.validators) != len(limits)
        or limits.get(MaxLengthValidator) != field.max_length
        or limits.get(MinLengthValidator) != field.min_length
    ):
        return None  # a length check besides the field's own
    return _PlainText(
        name, field.required, field.allow_blank, field.trim_whitespace, field.max_length, field.min_length
    )


def _plain_fields(serializer_class: type[serializers.Serializer]) -> tuple[_PlainText, ...] | None:
    """The fields of an event type's data when every one is plain text and the serializer adds no
    rule of its own (``validate``, ``validate_<field>``); None otherwise."""
    serializer = serializer_class()
    if any(
        getattr(type(serializer), method) is not getattr(serializers.Serializer, method)
        for method in ("run_validation", "to_internal_value", "validate", "run_validators")
    ):
        return None
    fields = []
    for name, field in serializer.fields.items():
        plain = _plain_text(name, field)
        if plain is None or hasattr(serializer, f"validate_{name}"):
            return None
        fields.append(plain)
    return tuple(fields)


@functools.cache
def _plain_plan() -> _PlainPlan:
    envelope = CarrierEventSerializer().fields
    order = _plain_text("order", envelope["order"])
    assert order is not None, "the order number is plain text"
    return _PlainPlan(
        order=order,
        occurred_at=envelope["occurred_at"],
        data={code: _plain_fields(event_type(code).data) for code in EVENT_TYPES},
    )


def _text(value: Any, field: _PlainText) -> str | None:
    """What ``CharField.run_validation`` returns for a value it accepts; None for anything else."""
    if type(value) is not str:
        return None  # numbers (made text), null, objects: the serializer decides
    if field.trim:
        value = value.strip()
    if value == "":
        return "" if field.allow_blank else None
    if (
        (field.max_length is not None and len(value) > field.max_length)
        or (field.min_length is not None and len(value) < field.min_length)
        or "\x00" in value
        or (not value.isascii() and _SURROGATE.search(value))
    ):
        return None
    return value


def _plain_event_validate(envelope: Any, *, now: datetime) -> dict | None:
    """The validated event exactly as ``CarrierEventSerializer`` returns it, for an event of a type
    whose data is plain text that passes every check; None for anything else, which the serializer
    then judges (and words the errors of).

    The order number, the type and the data are checked as their fields check them (the same
    limits, read from the fields); ``occurred_at`` by its own field and the same future tolerance.
    """
    if type(envelope) is not dict:
        return None
    plan = _plain_plan()
    type_ = envelope.get("type")
    fields = plan.data.get(type_) if type(type_) is str else None
    order = _text(envelope.get("order"), plan.order)
    occurred_at = envelope.get("occurred_at")
    raw = envelope.get("data", {})
    if fields is None or order is None or type(occurred_at) is not str or type(raw) is not dict:
        return None
    try:
        occurred_at = plan.occurred_at.to_internal_value(occurred_at)
    except serializers.ValidationError:
        return None
    if occurred_at > now + FUTURE_TOLERANCE:
        return None
    data = {}
    for field in fields:
        value = raw.get(field.name, empty)
        if value is empty:
            if field.required:
                return None
            continue
        value = _text(value, field)
        if value is None:
            return None
        data[field.name] = value
    return {"order": order, "type": type_, "occurred_at": occurred_at, "data": data}


def _event_component_name(code: str) -> str:
    # "order.contraband_found" -> "OrderContrabandFoundEvent"
    return "".join(part.capitalize() for part in code.replace(".", "_").split("_")) + "Event"


def _event_request_serializer(code: str) -> type[serializers.Serializer]:
    """The callback body of one event type, as the registry declares its data (schema only)."""
    data_class = event_type(code).data
    has_fields = bool(data_class().fields)
    attrs = {
        "__doc__": data_class.__doc__,
        "order": serializers.CharField(max_length=40, help_text="The platform's order number."),
        "type": serializers.ChoiceField(choices=[code]),
        "occurred_at": AwareDateTimeField(help_text="When it happened, with its UTC offset."),
        # An event without data may leave it out.
        "data": data_class(required=has_fields),
        "Meta": type("Meta", (), {"ref_name": _event_component_name(code)}),
    }
    return type(f"{_event_component_name(code)}Serializer", (serializers.Serializer,), attrs)


# The request body of the events endpoint in the OpenAPI schema: one shape per type of the event
# registry, told apart by ``type``, each with its own ``data`` (so ``order.contraband_found`` shows
# that it needs ``category`` and ``note``). CarrierEventSerializer checks the same at run time.
CarrierEventRequest = PolymorphicProxySerializer(
    component_name="CarrierEventRequest",
    serializers={code: _event_request_serializer(code) for code in EVENT_TYPES},
    resource_type_field_name="type",
)


# --- responses -------------------------------------------------------------------------------


class EventResultSerializer(serializers.Serializer):
    result = serializers.ChoiceField(
        choices=["applied", "duplicate", "recorded"],
        help_text="applied: it changed the order; recorded: stored in the timeline without a "
        "status change (late, a repeated scan, a report); duplicate: this webhook-id was seen.",
    )


class CarrierErrorSerializer(serializers.Serializer):
    error = serializers.CharField(
        help_text="invalid_payload, order_not_found, illegal_transition or pickup_code_mismatch; for "
        "claim.decided: claim_not_found, claim_decided_already, compensation_over_limit (above the "
        "lowest of the amount claimed, the declared value and your cap) or "
        "return_freight_over_compensation."
    )
    detail = serializers.JSONField(
        required=False, help_text="A readable reason, or the field errors of an invalid payload."
    )
    status = serializers.ChoiceField(
        choices=Status.choices, required=False, help_text="The order's current status (409 only)."
    )


class SignatureErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


# --- orders a carrier pulls ------------------------------------------------------------------------


class BagSerializer(serializers.Serializer):
    size = serializers.CharField()
    receipt_attested = serializers.BooleanField()
    surcharge_accepted = serializers.BooleanField()


class CarrierPickupExceptionSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=PickupException.choices)
    note = serializers.CharField()


class CarrierOrderSerializer(OrderPartsMixin, serializers.ModelSerializer):
    """An order as its carrier sees it: what the courier needs to collect and carry the parcel.

    Never the pickup code (the user tells it to the courier at the door) and nothing about the
    user's account.
    """

    status = serializers.ChoiceField(choices=Status.choices, read_only=True)
    item_type = serializers.ChoiceField(choices=ItemType.choices, read_only=True)
    sender = serializers.SerializerMethodField()
    recipient = serializers.SerializerMethodField()
    pickup_window = serializers.SerializerMethodField()
    dimensions_cm = serializers.SerializerMethodField()
    bag = serializers.SerializerMethodField()
    estimate = serializers.SerializerMethodField()
    courier = serializers.SerializerMethodField()
    fee = serializers.SerializerMethodField()
    exception = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "number",
            "status",
            "created_at",
            "updated_at",
            "deadline",
            "sender",
            "recipient",
            "pickup_window",
            "weight_kg",
            "actual_weight_kg",
            "dimensions_cm",
            "item_type",
            "description",
            "quantity",
            "declared_value",
            "currency",
            "insured",
            "original_packaging",
            "keep_upright",
            "bag",
            "estimate",
            "courier",
            "waybill_no",
            "fee",
            "exception",
            "return_state",
        ]
        read_only_fields = fields

    @extend_schema_field(BagSerializer(allow_null=True))
    def get_bag(self, order: Order) -> dict | None:
        if not order.bag_size:
            return None
        return {
            "size": order.bag_size,
            "receipt_attested": order.receipt_attested,
            "surcharge_accepted": order.surcharge_accepted,
        }

    @extend_schema_field(MoneySerializer)
    def get_estimate(self, order: Order) -> dict:
        return {"amount": str(order.estimate_amount), "currency": order.estimate_currency}

    @extend_schema_field(CarrierPickupExceptionSerializer(allow_null=True))
    def get_exception(self, order: Order) -> dict | None:
        if not order.exception_code:
            return None
        return {"code": order.exception_code, "note": order.exception_note}
