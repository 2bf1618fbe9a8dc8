"""Public endpoints of the carriers app: smart fill of a pasted address (DESIGN §7.3)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from carriers.address_parse import MAX_TEXT, parse_address


class AddressTextSerializer(serializers.Serializer):
    text = serializers.CharField(
        max_length=MAX_TEXT,
        trim_whitespace=True,
        error_messages={
            "blank": _("Paste an address first."),
            "required": _("Paste an address first."),
            "max_length": _("This is too long to be an address (at most {max_length} characters)."),
        },
    )


ParsedAddressSerializer = inline_serializer(
    "ParsedAddress",
    fields={
        name: serializers.CharField(help_text=help_text)
        for name, help_text in (
            ("name", "Contact name, or empty."),
            ("phone", "Digits only, or empty."),
            ("province", "As in the platform's region data, or empty."),
            ("city", "As in the platform's region data, or empty."),
            ("district", "As in the platform's region data, or empty."),
            ("address", "Street, building and door, or empty."),
        )
    },
)


class AddressParseView(APIView):
    """Smart fill: one pasted text → the six address fields. No login; throttled per client."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "address_parse"

    @extend_schema(
        operation_id="addresses_parse",
        request=AddressTextSerializer,
        responses={200: ParsedAddressSerializer, 400: OpenApiResponse(description="Empty or too long.")},
        summary="Name, phone, region and street address from one pasted text (no login)",
    )
    def post(self, request: Request) -> Response:
        serializer = AddressTextSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(parse_address(serializer.validated_data["text"]).as_dict())
