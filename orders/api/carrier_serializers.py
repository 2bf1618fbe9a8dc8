"""Serializers of the carrier API (DESIGN §7.2): the callback body and the orders a carrier pulls.

These check the shape of what a carrier sends; what an event may do to an order is judged by
``orders.services.carrier_events``.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from orders.api.serializers import (
    MoneySerializer,
    OrderPartsMixin,
)
from orders.models import ItemType, Order, PickupException, Status
from orders.services.carrier_event_types import (
    ACCEPTED,
    CANCELLED,
    CONTRABAND_FOUND,
    DISPATCH_FAILED,
    DISPATCHING,
    DISPOSED,
    EVENT_TYPES,
    EXCEPTION_RESOLVED,
    IN_TRANSIT,
    OUT_FOR_DELIVERY,
    PICKED_UP,
    PICKUP_EXCEPTION,
    PROBLEM,
    REJECTED,
    RETURNED,
    RETURNING,
    SIGNED,
)

# A carrier's clock may run a little ahead of ours; an event far in the future would make every
# later event look late, so it is refused.
FUTURE_TOLERANCE = timedelta(minutes=5)
CORRECTIONS_MAX_FIELDS = 30
PHONE_PATTERN = r"^[0-9+\-() ,#*]{3,24}$"  # virtual numbers with extensions too (95338,1234#)


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
        return parsed


class CarrierMoneySerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0"))
    currency = serializers.RegexField(
        r"^[A-Z]{3}$", error_messages={"invalid": _("Give an ISO 4217 currency code, e.g. CNY.")}
    )


class CarrierCourierSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60)
    phone = serializers.RegexField(PHONE_PATTERN)
    employee_id = serializers.CharField(max_length=40)


class DeliveryCourierSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60)
    phone = serializers.RegexField(PHONE_PATTERN)
    employee_id = serializers.CharField(max_length=40, required=False, allow_blank=True)


class CorrectionsField(serializers.DictField):
    """What the courier corrected with the user at the door (000 4.4), e.g.
    ``{"recipient_phone": "13900139001"}``: recorded in the timeline; the order itself is never
    edited. Values are text, numbers, booleans or null, or one level of such objects."""

    default_error_messages = {
        "too_many": _("At most {max} corrected fields."),
        "bad_value": _("Each correction is text, a number, true/false or null (or an object of those)."),
    }

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if len(value) > CORRECTIONS_MAX_FIELDS:
            self.fail("too_many", max=CORRECTIONS_MAX_FIELDS)
        for key, item in value.items():
            if len(str(key)) > 60 or not _scalar_or_flat(item):
                self.fail("bad_value")
        return dict(value)


def _scalar(value: Any) -> bool:
    if isinstance(value, str):
        return len(value) <= 500
    return value is None or isinstance(value, bool | int | float)


def _scalar_or_flat(value: Any) -> bool:
    if isinstance(value, dict):
        return len(value) <= CORRECTIONS_MAX_FIELDS and all(
            len(str(k)) <= 60 and _scalar(v) for k, v in value.items()
        )
    return _scalar(value)


# --- event data, one serializer per type ---------------------------------------------------------


class NoDataSerializer(serializers.Serializer):
    """``order.dispatching`` carries no data."""


class DispatchFailedDataSerializer(serializers.Serializer):
    """``order.dispatch_failed``: no courier found yet; the order stays unaccepted."""

    reason = serializers.CharField(max_length=500, allow_blank=True)


class AcceptedDataSerializer(serializers.Serializer):
    """``order.accepted``: the courier who will collect (again while accepted: a new courier)."""

    courier = CarrierCourierSerializer()


class PickupExceptionDataSerializer(serializers.Serializer):
    """``order.pickup_exception``: the user must act before the next 00:00 Asia/Shanghai."""

    code = serializers.ChoiceField(choices=PickupException.choices)
    note = serializers.CharField(max_length=500, allow_blank=True)


class ExceptionResolvedDataSerializer(serializers.Serializer):
    """``order.exception_resolved``."""

    note = serializers.CharField(max_length=500, allow_blank=True)


class PickedUpDataSerializer(serializers.Serializer):
    """``order.picked_up``: waybill, actual weight and fee; the pickup code if you require it."""

    waybill_no = serializers.CharField(max_length=40)
    weight_kg = serializers.DecimalField(max_digits=10, decimal_places=3, min_value=Decimal("0.001"))
    fee = CarrierMoneySerializer()
    pickup_code = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        help_text="The code the user told the courier; required by carriers that require it.",
    )
    corrections = CorrectionsField(required=False)


class InTransitDataSerializer(serializers.Serializer):
    """``order.in_transit``: one scan; further scans are timeline entries."""

    location = serializers.CharField(max_length=200, allow_blank=True)
    description = serializers.CharField(max_length=300, allow_blank=True)


class OutForDeliveryDataSerializer(serializers.Serializer):
    """``order.out_for_delivery``: the delivering courier, if known."""

    courier = DeliveryCourierSerializer(required=False, allow_null=True)


class ProblemDataSerializer(serializers.Serializer):
    """``order.problem``."""

    description = serializers.CharField(max_length=500)


class SignedDataSerializer(serializers.Serializer):
    """``order.signed``."""

    signed_by = serializers.CharField(max_length=60, required=False, allow_blank=True, allow_null=True)
    remark = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="Damage noted at signing; without one the parcel counts as delivered intact.",
    )


class ReasonDataSerializer(serializers.Serializer):
    """``order.rejected`` and ``order.cancelled`` (before pickup only)."""

    reason = serializers.CharField(max_length=500, allow_blank=True)


class ContrabandDataSerializer(serializers.Serializer):
    """``order.contraband_found``: prohibited goods found after pickup."""

    category = serializers.CharField(max_length=100)
    note = serializers.CharField(max_length=500, allow_blank=True)


class ReturnLegDataSerializer(serializers.Serializer):
    """``order.returning``, ``order.returned``, ``order.disposed``: after ``rejected`` only."""

    reason = serializers.CharField(max_length=500, allow_blank=True)
    fee = CarrierMoneySerializer(required=False, allow_null=True)


DATA_SERIALIZERS: dict[str, type[serializers.Serializer]] = {
    DISPATCHING: NoDataSerializer,
    DISPATCH_FAILED: DispatchFailedDataSerializer,
    ACCEPTED: AcceptedDataSerializer,
    PICKUP_EXCEPTION: PickupExceptionDataSerializer,
    EXCEPTION_RESOLVED: ExceptionResolvedDataSerializer,
    PICKED_UP: PickedUpDataSerializer,
    IN_TRANSIT: InTransitDataSerializer,
    OUT_FOR_DELIVERY: OutForDeliveryDataSerializer,
    PROBLEM: ProblemDataSerializer,
    SIGNED: SignedDataSerializer,
    REJECTED: ReasonDataSerializer,
    CANCELLED: ReasonDataSerializer,
    CONTRABAND_FOUND: ContrabandDataSerializer,
    RETURNING: ReturnLegDataSerializer,
    RETURNED: ReturnLegDataSerializer,
    DISPOSED: ReturnLegDataSerializer,
}
assert set(DATA_SERIALIZERS) == set(EVENT_TYPES)  # noqa: S101 - a table that must stay complete


@extend_schema_field(
    PolymorphicProxySerializer(
        component_name="CarrierEventData",
        serializers=list(dict.fromkeys(DATA_SERIALIZERS.values())),
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

    def validate_occurred_at(self, value):
        now = self.context.get("now") or timezone.now()
        if value > now + FUTURE_TOLERANCE:
            raise serializers.ValidationError(_("occurred_at is in the future."), code="future")
        return value

    def validate(self, attrs: dict) -> dict:
        data = DATA_SERIALIZERS[attrs["type"]](data=attrs.get("data") or {})
        if not data.is_valid():
            raise serializers.ValidationError({"data": data.errors})
        return {**attrs, "data": _plain(dict(data.validated_data))}


# --- responses -------------------------------------------------------------------------------


class EventResultSerializer(serializers.Serializer):
    result = serializers.ChoiceField(
        choices=["applied", "duplicate", "recorded"],
        help_text="applied: it changed the order; recorded: stored in the timeline without a "
        "status change (late, a repeated scan, a report); duplicate: this webhook-id was seen.",
    )


class CarrierErrorSerializer(serializers.Serializer):
    error = serializers.CharField(
        help_text="invalid_payload, order_not_found, illegal_transition or pickup_code_mismatch."
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
