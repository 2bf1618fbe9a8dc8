"""Serializers of the user API (DESIGN §7.3): the shipment and booking input, the order output.

The field rules are the plain functions of ``orders.validators`` (shared with the booking page).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.fields import AwareDateTimeField
from accounts.names import validate_visible_name
from carriers.models import Carrier, Payer
from carriers.shipment import CustomsLine, Party, Shipment
from orders.models import (
    CancelReason,
    Claim,
    ClaimDocument,
    ClaimKind,
    ClaimStatus,
    ItemType,
    Order,
    OrderEvent,
    PickupException,
    RejectReason,
)
from orders.services.statuses import AFTER_PICKUP
from orders.validators import (
    CONTRACT_NOT_ACCEPTED,
    validate_address_detail,
    validate_contact_phone,
    validate_declared_value,
    validate_description,
    validate_dimension_cm,
    validate_insured_value,
    validate_pickup_window,
    validate_quantity,
    validate_region,
    validate_weight_kg,
)

# --- input -----------------------------------------------------------------------------------


class PartySerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60, help_text="Must show at least one letter.")
    phone = serializers.CharField(max_length=30)
    province = serializers.CharField(max_length=30)
    city = serializers.CharField(max_length=30)
    district = serializers.CharField(max_length=30)
    address = serializers.CharField(max_length=200)

    def validate_name(self, value: str) -> str:
        return validate_visible_name(value)

    def validate_phone(self, value: str) -> str:
        return validate_contact_phone(value)

    def validate_address(self, value: str) -> str:
        return validate_address_detail(value)

    def validate(self, attrs: dict) -> dict:
        place = validate_region(attrs["province"], attrs["city"], attrs["district"])
        return {**attrs, "province": place.province, "city": place.city, "district": place.district}


class PlaceSerializer(serializers.Serializer):
    province = serializers.CharField(max_length=30)
    city = serializers.CharField(max_length=30)
    district = serializers.CharField(max_length=30)

    def validate(self, attrs: dict) -> dict:
        return {"place": validate_region(attrs["province"], attrs["city"], attrs["district"])}


# The heaviest parcel any carrier's form takes; beyond it an estimate means nothing.
ESTIMATE_MAX_WEIGHT_KG = Decimal("1000")


class EstimateRequestSerializer(serializers.Serializer):
    """``POST /api/v1/estimates/`` (DESIGN §4): only from, to and weight."""

    from_ = PlaceSerializer(label="from")
    to = PlaceSerializer()
    weight_kg = serializers.DecimalField(
        max_digits=8, decimal_places=2, max_value=ESTIMATE_MAX_WEIGHT_KG, coerce_to_string=True
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")  # "from" is a Python keyword
        return fields

    def validate_weight_kg(self, value: Decimal) -> Decimal:
        validate_weight_kg(value)
        return value


class CarrierEstimateSerializer(serializers.Serializer):
    carrier = serializers.CharField()
    name = serializers.CharField()
    eligible = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())
    recommended = serializers.BooleanField()
    why = serializers.CharField(help_text="For the recommended carrier: why, in one line.")
    price = serializers.DictField(allow_null=True)
    eta = serializers.DictField(
        allow_null=True, help_text="Delivery in min_days–max_days after pickup: an estimate, not a promise."
    )


class EstimateListSerializer(serializers.Serializer):
    estimates = CarrierEstimateSerializer(many=True)


class PickupWindowSerializer(serializers.Serializer):
    # Times must carry their offset (+08:00): a naive time is refused, not guessed (DESIGN §6).
    start = AwareDateTimeField()
    end = AwareDateTimeField()

    def validate(self, attrs: dict) -> dict:
        validate_pickup_window(attrs["start"], attrs["end"], self.context.get("now") or timezone.now())
        return attrs


class DimensionsSerializer(serializers.Serializer):
    length = serializers.DecimalField(max_digits=7, decimal_places=1, validators=[validate_dimension_cm])
    width = serializers.DecimalField(max_digits=7, decimal_places=1, validators=[validate_dimension_cm])
    height = serializers.DecimalField(max_digits=7, decimal_places=1, validators=[validate_dimension_cm])


# More lines than this is not a parcel but a shipment of goods.
MAX_CUSTOMS_LINES = 50
MAX_DECLARED_VALUE = Decimal("1e10")  # what the order's declared value column holds


class CustomsLineSerializer(serializers.Serializer):
    """One line of the goods declared to customs (hk-bag, DESIGN §3.2)."""

    description = serializers.CharField(max_length=200)
    quantity = serializers.IntegerField(min_value=1, max_value=9999)
    unit_value = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0"))

    def validate_description(self, value: str) -> str:
        return validate_description(value)


class ShipmentSerializer(serializers.Serializer):
    """The shipment fields of §7.3; ``to_shipment()`` gives the validated :class:`Shipment`.

    Pass ``context={"now": …}`` to judge the pickup window at another time than now.
    """

    sender = PartySerializer()
    recipient = PartySerializer()
    pickup_window = PickupWindowSerializer()
    weight_kg = serializers.DecimalField(max_digits=8, decimal_places=2, validators=[validate_weight_kg])
    dimensions_cm = DimensionsSerializer(required=False, allow_null=True, default=None)
    item_type = serializers.ChoiceField(choices=ItemType.choices)
    description = serializers.CharField(max_length=200)
    quantity = serializers.IntegerField(default=1, max_value=9999, validators=[validate_quantity])
    declared_value = serializers.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0"), validators=[validate_declared_value]
    )
    insured = serializers.BooleanField(default=False)
    original_packaging = serializers.BooleanField(required=False, allow_null=True, default=None)
    keep_upright = serializers.BooleanField(required=False, allow_null=True, default=None)
    bag_size = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)
    receipt_attested = serializers.BooleanField(default=False)
    surcharge_accepted = serializers.BooleanField(default=False)
    items = CustomsLineSerializer(
        many=True,
        required=False,
        default=list,
        max_length=MAX_CUSTOMS_LINES,
        help_text="The goods line by line for customs (required by hk-bag): the declared value is their "
        "sum and the quantity, when not given, their total.",
    )
    payer = serializers.ChoiceField(
        choices=Payer.choices,
        default=Payer.SENDER,
        help_text="Who pays the freight: the sender at pickup, or the recipient on delivery (到付) where "
        "the carrier offers it. The sender stays liable for what the recipient does not pay.",
    )

    def validate_description(self, value: str) -> str:
        return validate_description(value)

    def validate(self, attrs: dict) -> dict:
        lines = attrs.get("items") or []
        if lines:
            total = sum((line["quantity"] * line["unit_value"] for line in lines), Decimal("0.00"))
            given = self.initial_data.get("declared_value") if hasattr(self.initial_data, "get") else None
            if given not in (None, "") and attrs["declared_value"] != total:
                raise serializers.ValidationError(
                    {
                        "declared_value": _("With customs lines, the declared value is their sum: %(total)s.")
                        % {"total": f"{total:.2f}"}
                    }
                )
            if total >= MAX_DECLARED_VALUE:
                raise serializers.ValidationError(
                    {"items": _("The lines add up to more than any parcel can declare.")}
                )
            attrs["declared_value"] = total
            if self.initial_data.get("quantity") in (None, ""):
                attrs["quantity"] = sum(line["quantity"] for line in lines)
        validate_insured_value(insured=attrs.get("insured"), declared_value=attrs.get("declared_value"))
        return attrs

    def to_shipment(self) -> Shipment:
        data = self.validated_data
        dimensions = data.get("dimensions_cm") or {}
        return Shipment(
            sender=Party(**data["sender"]),
            recipient=Party(**data["recipient"]),
            pickup_start=data["pickup_window"]["start"],
            pickup_end=data["pickup_window"]["end"],
            weight_kg=data["weight_kg"],
            item_type=data["item_type"],
            description=data["description"],
            quantity=data["quantity"],
            declared_value=data["declared_value"],
            insured=data["insured"],
            length_cm=dimensions.get("length"),
            width_cm=dimensions.get("width"),
            height_cm=dimensions.get("height"),
            original_packaging=data.get("original_packaging"),
            keep_upright=data.get("keep_upright"),
            bag_size=data.get("bag_size", ""),
            receipt_attested=data["receipt_attested"],
            surcharge_accepted=data["surcharge_accepted"],
            payer=data["payer"],
            items=tuple(CustomsLine(**line) for line in data.get("items") or []),
        )


class BookingSerializer(ShipmentSerializer):
    """A shipment plus the carrier chosen (default: the recommended one) and the contract accepted.

    A stale contract version, an ineligible carrier and the hk-bag attestations are judged by
    ``order_place``, which knows the current terms and the quote (so a carrier that does not serve
    the area says so, rather than asking for attestations first).
    """

    carrier = serializers.SlugField(required=False, allow_blank=True, allow_null=True, default=None)
    contract_version = serializers.CharField(
        max_length=40,
        error_messages={
            "required": CONTRACT_NOT_ACCEPTED,
            "blank": CONTRACT_NOT_ACCEPTED,
            "null": CONTRACT_NOT_ACCEPTED,
        },
    )

    def validate_carrier(self, value: str | None) -> str | None:
        if not value:
            return None
        if not Carrier.objects.filter(code=value, active=True).exists():
            raise serializers.ValidationError(
                _("There is no carrier “%(code)s” taking orders.") % {"code": value}
            )
        return value


class CancelSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=CancelReason.choices, default=CancelReason.OTHER)


# --- output ----------------------------------------------------------------------------------


class MoneySerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()


class ContractRefSerializer(serializers.Serializer):
    version = serializers.CharField()
    url = serializers.CharField()


class QuoteSerializer(serializers.Serializer):
    carrier = serializers.CharField()
    name = serializers.CharField()
    eligible = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())
    recommended = serializers.BooleanField()
    price = MoneySerializer(allow_null=True)
    breakdown = serializers.DictField()
    contract = ContractRefSerializer(allow_null=True)


class QuoteListSerializer(serializers.Serializer):
    quotes = QuoteSerializer(many=True)


class EstimateSerializer(MoneySerializer):
    breakdown = serializers.DictField()


class CourierSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
    employee_id = serializers.CharField()


class ExceptionSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=PickupException.choices)
    label = serializers.CharField()
    note = serializers.CharField()


class PartyOutSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
    province = serializers.CharField()
    city = serializers.CharField()
    district = serializers.CharField()
    address = serializers.CharField()


# The timeline's statuses are documented as plain strings: a second and third enum component with
# the order status's values would collide in the schema with StatusEnum.
@extend_schema_field(
    {"type": "string", "description": "A status code of the order (see StatusEnum), or blank."}
)
class StatusOrBlankField(serializers.CharField):
    pass


@extend_schema_field({"type": "string", "enum": ["", *CancelReason.values]})
class CancelReasonOrBlankField(serializers.CharField):
    pass


@extend_schema_field(
    {"type": "string", "enum": ["", *RejectReason.values], "description": "Blank until rejected."}
)
class RejectReasonOrBlankField(serializers.CharField):
    pass


def _without_pickup_code(value: Any) -> Any:
    """``value`` with every key named ``pickup_code`` left out, at any depth."""
    if isinstance(value, dict):
        return {k: _without_pickup_code(v) for k, v in value.items() if k != "pickup_code"}
    if isinstance(value, list):
        return [_without_pickup_code(v) for v in value]
    return value


class EventSerializer(serializers.ModelSerializer):
    old_status = StatusOrBlankField(read_only=True)
    new_status = StatusOrBlankField(read_only=True)
    status_label = serializers.SerializerMethodField()
    data = serializers.SerializerMethodField()

    class Meta:
        model = OrderEvent
        fields = ["kind", "old_status", "new_status", "status_label", "actor", "occurred_at", "note", "data"]

    def get_status_label(self, event: OrderEvent) -> str:
        return str(event.get_new_status_display()) if event.new_status else ""

    @extend_schema_field(
        {
            "type": "object",
            "additionalProperties": True,
            "description": "What the event carried (e.g. the courier's corrections at pickup).",
        }
    )
    def get_data(self, event: OrderEvent) -> dict:
        # The services never store the pickup code in an event; this keeps it out whatever they do.
        return _without_pickup_code(event.data or {})


def _party(order: Order, prefix: str) -> dict:
    return {
        name: getattr(order, f"{prefix}_{name}")
        for name in ("name", "phone", "province", "city", "district", "address")
    }


class OrderPartsMixin:
    """Field methods the user's and the carrier's views of an order share."""

    @extend_schema_field(PartyOutSerializer)
    def get_sender(self, order: Order) -> dict:
        return _party(order, "sender")

    @extend_schema_field(PartyOutSerializer)
    def get_recipient(self, order: Order) -> dict:
        return _party(order, "recipient")

    @extend_schema_field(PickupWindowSerializer)
    def get_pickup_window(self, order: Order) -> dict:
        field = serializers.DateTimeField()
        return {
            "start": field.to_representation(order.pickup_start),
            "end": field.to_representation(order.pickup_end),
        }

    @extend_schema_field(DimensionsSerializer(allow_null=True))
    def get_dimensions_cm(self, order: Order) -> dict | None:
        if not order.has_dimensions:
            return None
        return {"length": str(order.length_cm), "width": str(order.width_cm), "height": str(order.height_cm)}

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_fee(self, order: Order) -> dict | None:
        if order.fee_amount is None:
            return None
        return {"amount": str(order.fee_amount), "currency": order.fee_currency}

    @extend_schema_field(CourierSerializer(allow_null=True))
    def get_courier(self, order: Order) -> dict | None:
        if not order.courier_name:
            return None
        return {
            "name": order.courier_name,
            "phone": order.courier_phone,
            "employee_id": order.courier_employee_id,
        }


class OrderListSerializer(OrderPartsMixin, serializers.ModelSerializer):
    """An order in a list: everything but the timeline."""

    items = CustomsLineSerializer(many=True, read_only=True)
    status_label = serializers.CharField(read_only=True)
    carrier = serializers.CharField(source="carrier.code", read_only=True)
    carrier_name = serializers.CharField(source="carrier.name", read_only=True)
    sender = serializers.SerializerMethodField()
    recipient = serializers.SerializerMethodField()
    pickup_window = serializers.SerializerMethodField()
    dimensions_cm = serializers.SerializerMethodField()
    estimate = serializers.SerializerMethodField()
    fee = serializers.SerializerMethodField()
    courier = serializers.SerializerMethodField()
    exception = serializers.SerializerMethodField()
    contract = serializers.SerializerMethodField()
    rebooked_from = serializers.SerializerMethodField()
    cancel_reason = CancelReasonOrBlankField(read_only=True)
    reject_reason = RejectReasonOrBlankField(read_only=True)
    return_fee = serializers.SerializerMethodField()
    disposal_proceeds = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "number",
            "status",
            "status_label",
            "carrier",
            "carrier_name",
            "created_at",
            "status_changed_at",
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
            "bag_size",
            "payer",
            "items",
            "estimate",
            "fee",
            "waybill_no",
            "courier",
            "pickup_code",
            "exception",
            "fee_paid",
            "reject_reason",
            "return_state",
            "return_fee",
            "disposal_proceeds",
            "cancel_reason",
            "contract",
            "rebooked_from",
        ]
        read_only_fields = fields

    @extend_schema_field(EstimateSerializer)
    def get_estimate(self, order: Order) -> dict:
        return {
            "amount": str(order.estimate_amount),
            "currency": order.estimate_currency,
            "breakdown": order.estimate_breakdown,
        }

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_return_fee(self, order: Order) -> dict | None:
        """What the return leg costs the sender (003 §8b)."""
        if order.return_fee_amount is None:
            return None
        return {"amount": str(order.return_fee_amount), "currency": order.return_currency}

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_disposal_proceeds(self, order: Order) -> dict | None:
        """A disposed parcel's sale proceeds; the sender gets them less the return fee."""
        if order.disposal_proceeds_amount is None:
            return None
        return {"amount": str(order.disposal_proceeds_amount), "currency": order.return_currency}

    @extend_schema_field(ExceptionSerializer(allow_null=True))
    def get_exception(self, order: Order) -> dict | None:
        if not order.exception_code:
            return None
        return {
            "code": order.exception_code,
            "label": str(order.get_exception_code_display()),
            "note": order.exception_note,
        }

    @extend_schema_field(ContractRefSerializer)
    def get_contract(self, order: Order) -> dict:
        # Built from the order's carrier, not contract.carrier: no query per order in a list.
        url = reverse(
            "carriers:contract_version",
            kwargs={"code": order.carrier.code, "version": order.contract.version},
        )
        request = self.context.get("request")
        return {
            "version": order.contract.version,
            "url": request.build_absolute_uri(url) if request else url,
        }

    @extend_schema_field({"type": "string", "nullable": True})
    def get_rebooked_from(self, order: Order) -> str | None:
        # Only the number of an order the same user still sees; never someone else's.
        source = order.rebooked_from
        if source is None or source.user_id != order.user_id or source.hidden_by_user_at:
            return None
        return source.number


class ClaimDocumentOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClaimDocument
        fields = ["id", "content_type", "size", "created_at"]
        read_only_fields = fields


class ClaimDecisionSerializer(serializers.Serializer):
    amount = MoneySerializer(allow_null=True)
    return_freight = MoneySerializer(allow_null=True)
    paid_out = MoneySerializer(allow_null=True, help_text="The compensation less the return freight.")
    note = serializers.CharField()
    decided_at = serializers.DateTimeField()


class ClaimSerializer(serializers.ModelSerializer):
    """A claim and, once the carrier decided, its outcome."""

    amount = serializers.SerializerMethodField()
    documents = ClaimDocumentOutSerializer(many=True, read_only=True)
    decision = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = [
            "id",
            "kind",
            "amount",
            "description",
            "status",
            "created_at",
            "documents_due_at",
            "documents",
            "decision",
        ]
        read_only_fields = fields

    @extend_schema_field(MoneySerializer)
    def get_amount(self, claim: Claim) -> dict:
        return {"amount": str(claim.amount), "currency": claim.currency}

    @extend_schema_field(ClaimDecisionSerializer(allow_null=True))
    def get_decision(self, claim: Claim) -> dict | None:
        if claim.status == ClaimStatus.SUBMITTED:
            return None

        def money(value):
            return None if value is None else {"amount": str(value), "currency": claim.currency}

        return {
            "amount": money(claim.compensation),
            "return_freight": money(claim.return_freight),
            "paid_out": money(claim.paid_out),
            "note": claim.decision_note,
            "decided_at": serializers.DateTimeField().to_representation(claim.decided_at),
        }


class ClaimCreateSerializer(serializers.Serializer):
    """``multipart/form-data``; ``documents`` repeated (PDF, JPEG or PNG, checked by content)."""

    kind = serializers.ChoiceField(choices=ClaimKind.choices)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    description = serializers.CharField(max_length=2000)
    documents = serializers.ListField(child=serializers.FileField(), required=False)


class ClaimDocumentsAddSerializer(serializers.Serializer):
    documents = serializers.ListField(child=serializers.FileField(), min_length=1)


class ClaimCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    documents_due_at = serializers.DateTimeField()


class OrderSerializer(OrderListSerializer):
    """One order with its timeline (``events``, oldest first) and its claim (``claims``)."""

    events = EventSerializer(many=True, read_only=True)
    claims = serializers.SerializerMethodField()

    class Meta(OrderListSerializer.Meta):
        fields = [*OrderListSerializer.Meta.fields, "claims", "events"]
        read_only_fields = fields

    @extend_schema_field(ClaimSerializer(many=True))
    def get_claims(self, order: Order) -> list:
        # Only a parcel the carrier collected can have a claim (and only then are they prefetched).
        if order.status not in AFTER_PICKUP:
            return []
        return ClaimSerializer(order.claims.all(), many=True).data
