"""Input and output shapes of the screening API (the rules live in ``prohibited.services``)."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from prohibited.selectors import screening_carriers
from prohibited.services import ITEM_TYPES, ScreeningInput

MAX_DECIMAL = Decimal("9999999999")


@extend_schema_field(
    {
        "oneOf": [
            {
                "type": "object",
                "properties": {k: {"type": "number"} for k in ("length", "width", "height")},
                "required": ["length", "width", "height"],
            },
            {"type": "array", "items": {"type": "number"}, "minItems": 3, "maxItems": 3},
        ],
        "description": "Length, width and height in cm: {length, width, height} or [L, W, H].",
    }
)
class DimensionsField(serializers.Field):
    default_error_messages = {
        "invalid": _("Give the length, width and height in cm, as an object or as a list [L, W, H]."),
        "positive": _("Each dimension must be a number greater than 0."),
    }

    def to_internal_value(self, data):
        if isinstance(data, dict):
            try:
                values = [data["length"], data["width"], data["height"]]
            except KeyError:
                self.fail("invalid")
        elif isinstance(data, list | tuple) and len(data) == 3:
            values = list(data)
        else:
            self.fail("invalid")
        sides = []
        for value in values:
            if isinstance(value, bool):
                self.fail("positive")
            try:
                side = Decimal(str(value))
            except ArithmeticError:
                self.fail("positive")
            if not side.is_finite() or side <= 0 or side > MAX_DECIMAL:
                self.fail("positive")
            sides.append(side)
        return tuple(sides)

    def to_representation(self, value):
        return {"length": value[0], "width": value[1], "height": value[2]}


class ScreeningRequestSerializer(serializers.Serializer):
    description = serializers.CharField(
        max_length=500, help_text="What is in the parcel, as the user typed it."
    )
    item_type = serializers.ChoiceField(choices=ITEM_TYPES, required=False, allow_null=True)
    quantity = serializers.IntegerField(min_value=1, max_value=100000, required=False, allow_null=True)
    weight_kg = serializers.DecimalField(
        max_digits=10, decimal_places=3, min_value=Decimal("0"), required=False, allow_null=True
    )
    dimensions_cm = DimensionsField(required=False, allow_null=True)
    declared_value = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0"), required=False, allow_null=True
    )
    insured = serializers.BooleanField(required=False, default=False)
    original_packaging = serializers.BooleanField(required=False, allow_null=True, default=None)
    keep_upright = serializers.BooleanField(required=False, allow_null=True, default=None)
    recipient_address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    carrier = serializers.SlugField(
        max_length=40,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="A carrier code (optional).",
    )

    def validate_carrier(self, value: str | None):
        if not value:
            return None
        found = screening_carriers(value)
        if not found:
            raise serializers.ValidationError(_("No carrier has the code %(code)s.") % {"code": value})
        return found[0]

    def screening_input(self) -> ScreeningInput:
        data = self.validated_data
        return ScreeningInput(
            description=data["description"],
            item_type=data.get("item_type"),
            quantity=data.get("quantity"),
            weight_kg=data.get("weight_kg"),
            dimensions_cm=data.get("dimensions_cm"),
            declared_value=data.get("declared_value"),
            insured=data.get("insured", False),
            original_packaging=data.get("original_packaging"),
            keep_upright=data.get("keep_upright"),
            recipient_address=data.get("recipient_address", ""),
        )


class MatchSerializer(serializers.Serializer):
    term = serializers.CharField()
    list = serializers.ChoiceField(choices=["prohibited", "restricted", "refused"])
    category = serializers.IntegerField()
    clause = serializers.CharField()


class ScreeningResultSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=["prohibited", "restricted", "refused", "allowed"])
    categories = serializers.ListField(child=serializers.IntegerField())
    matches = MatchSerializer(many=True)
    conditions = serializers.ListField(child=serializers.CharField())
    refused_by = serializers.ListField(child=serializers.CharField())
    message = serializers.CharField()
