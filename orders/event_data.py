"""The data of each carrier event type (DESIGN §7.2): one serializer per shape.

The event registry (``orders.event_registry``) names the shape of each type; the callback parser,
the OpenAPI schema and the integrations' translations are all checked against these.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from orders.models import PickupException, RejectReason

CORRECTIONS_MAX_FIELDS = 30
PHONE_PATTERN = r"^[0-9+\-() ,#*]{3,24}$"  # virtual numbers with extensions too (95338,1234#)


class CarrierMoneySerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0"))
    currency = serializers.RegexField(
        r"^[A-Z]{3}$", error_messages={"invalid": _("Give an ISO 4217 currency code, e.g. CNY.")}
    )


class PickupFeeSerializer(CarrierMoneySerializer):
    paid = serializers.BooleanField(
        required=False,
        help_text="Whether the freight was paid at pickup; false for 到付 (the recipient pays on "
        "delivery). Absent: paid unless the order's payer is the recipient.",
    )


class InspectionSerializer(serializers.Serializer):
    """The courier's inspection of the goods at pickup (000 4.7)."""

    passed = serializers.BooleanField()
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


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


class NoDataSerializer(serializers.Serializer):
    """``order.dispatching`` carries no data."""


class DispatchFailedDataSerializer(serializers.Serializer):
    """``order.dispatch_failed``: no courier found yet; the order stays unaccepted."""

    reason = serializers.CharField(max_length=500, allow_blank=True)
    refused = serializers.BooleanField(
        required=False,
        help_text="true: the carrier turned the booking down for good and will not look for a "
        "courier (the user is told to cancel and book again); absent or false: still looking. "
        "``reason`` is shown to the user as the carrier's own words.",
    )


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
    """``order.picked_up``: waybill, actual weight and fee; the pickup code if you require it.

    Weight and fee may follow later in ``order.fee_settled`` (carriers that weigh at the depot)."""

    waybill_no = serializers.CharField(max_length=40)
    weight_kg = serializers.DecimalField(
        max_digits=10, decimal_places=3, min_value=Decimal("0.001"), required=False
    )
    fee = PickupFeeSerializer(required=False)
    pickup_code = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        help_text="The code the user told the courier; required by carriers that require it.",
    )
    corrections = CorrectionsField(required=False)
    inspection = InspectionSerializer(required=False)


class FeeSettledDataSerializer(serializers.Serializer):
    """``order.fee_settled``: the final weight and fee after pickup (no status change)."""

    weight_kg = serializers.DecimalField(max_digits=10, decimal_places=3, min_value=Decimal("0.001"))
    fee = CarrierMoneySerializer()


class CarrierNoteDataSerializer(serializers.Serializer):
    """``order.carrier_note``: a report in the carrier's own terms that the platform has no type for
    (a status code it does not know): kept in the timeline, nothing else changes."""

    code = serializers.CharField(max_length=40)
    description = serializers.CharField(max_length=500, allow_blank=True)


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
    fee_paid = serializers.BooleanField(
        required=False, help_text="Whether the freight is paid (for 到付: whether the recipient paid it)."
    )


class ReasonDataSerializer(serializers.Serializer):
    """``order.cancelled`` (before pickup only)."""

    reason = serializers.CharField(max_length=500, allow_blank=True)


class RejectedDataSerializer(serializers.Serializer):
    """``order.rejected``: the parcel goes back to the sender, at the sender's cost (003 §8b)."""

    reason = serializers.ChoiceField(choices=RejectReason.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class ContrabandDataSerializer(serializers.Serializer):
    """``order.contraband_found``: prohibited goods found after pickup."""

    category = serializers.CharField(max_length=100)
    note = serializers.CharField(max_length=500, allow_blank=True)


class ReturnLegDataSerializer(serializers.Serializer):
    """``order.returning``, ``order.returned``, ``order.disposed``: after ``rejected`` only."""

    reason = serializers.CharField(max_length=500, allow_blank=True)
    fee = CarrierMoneySerializer(
        required=False, allow_null=True, help_text="What the return costs the sender."
    )
    proceeds = CarrierMoneySerializer(
        required=False,
        allow_null=True,
        help_text="order.disposed: what the sale brought; the sender gets it less the fee.",
    )

    def validate(self, attrs):
        fee, proceeds = attrs.get("fee"), attrs.get("proceeds")
        if fee and proceeds and fee["currency"] != proceeds["currency"]:
            raise serializers.ValidationError(_("Give the fee and the proceeds in one currency."))
        return attrs


class ClaimDecidedDataSerializer(serializers.Serializer):
    """``claim.decided``: the carrier's decision on a claim the platform forwarded (``claim.created``).

    Amounts are in the claim's currency. An approved compensation may not exceed the lowest of the
    amount claimed, the receipt (declared) value and your cap; the return freight is deducted from it.
    """

    claim = serializers.IntegerField(min_value=1, help_text="The claim id of claim.created.")
    decision = serializers.ChoiceField(choices=["approved", "rejected"])
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0"), required=False, allow_null=True
    )
    return_freight = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0"), required=False, default=Decimal("0")
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if attrs["decision"] == "approved" and attrs.get("amount") is None:
            raise serializers.ValidationError({"amount": [_("An approved claim needs its amount.")]})
        return attrs
