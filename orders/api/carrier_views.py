"""Carrier API (DESIGN §7.2): signed callbacks and the order list for carriers that pull.

Every request is signed by the carrier named in the URL (``CarrierSignatureAuthentication``: 404 for
an unknown carrier, 401 for a bad or stale signature). A carrier only ever sees its own orders.
"""

from __future__ import annotations

import json
import re
from typing import Any

import django_filters
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from carriers.api.authentication import MAX_BODY_BYTES, CarrierSignatureAuthentication, IsCarrier
from carriers.json_body import InvalidBody, printable, strict_json_loads
from carriers.models import CarrierEventResult
from orders.api.carrier_serializers import (
    CarrierErrorSerializer,
    CarrierEventSerializer,
    CarrierOrderSerializer,
    EventResultSerializer,
    SignatureErrorSerializer,
)
from orders.models import Order, Status
from orders.services import carrier_events

SIGNED_HEADERS = (
    "Sign with your webhook secret (Standard Webhooks): headers webhook-id, webhook-timestamp and "
    "webhook-signature over the raw body."
)
# The column that keeps the id in the order's timeline (OrderEvent.source_event_id).
MAX_WEBHOOK_ID_LENGTH = 100

_RESPONSES_COMMON = {
    401: OpenApiResponse(SignatureErrorSerializer, description="Missing, bad or stale signature."),
}


class CarrierEventView(APIView):
    authentication_classes = [CarrierSignatureAuthentication]
    permission_classes = [IsCarrier]
    # Documents the body as JSON; the view itself parses the verified raw bytes (request.body),
    # whatever the Content-Type says.
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="carrier_events_create",
        tags=["carrier"],
        summary="Report an event about one of your orders",
        description=(
            "Judged in this order: an event older than the one that set the current status is "
            "late and only recorded in the timeline; otherwise a legal move is applied; otherwise "
            "it is refused with 409 and kept for audit. The webhook-id identifies the event: the "
            "same id again is a duplicate that changes nothing, but a refused (400/404/409) "
            "delivery may be retried with the same id. " + SIGNED_HEADERS
        ),
        request=CarrierEventSerializer,
        responses={
            200: EventResultSerializer,
            400: OpenApiResponse(
                CarrierErrorSerializer,
                description="Invalid payload (error: invalid_payload): not JSON, not UTF-8, NaN or "
                "Infinity, a \\u0000 in a string, nested too deeply, a webhook-id over "
                f"{MAX_WEBHOOK_ID_LENGTH} characters, or data not matching the type's schema.",
            ),
            413: OpenApiResponse(
                CarrierErrorSerializer,
                description=f"The body is over {MAX_BODY_BYTES // 1024} KiB (error: payload_too_large).",
            ),
            **_RESPONSES_COMMON,
            404: OpenApiResponse(
                CarrierErrorSerializer,
                description="No such carrier, or no such order for this carrier (error: order_not_found).",
            ),
            409: OpenApiResponse(
                CarrierErrorSerializer,
                description="Illegal move (error: illegal_transition), or a missing or wrong pickup "
                "code (error: pickup_code_mismatch). Nothing changed.",
            ),
        },
        examples=[
            OpenApiExample(
                "Courier assigned",
                request_only=True,
                value={
                    "order": "CP2611221000ABCD",
                    "type": "order.accepted",
                    "occurred_at": "2026-11-22T10:00:00+08:00",
                    "data": {"courier": {"name": "王师傅", "phone": "13700137000", "employee_id": "SZ1024"}},
                },
            ),
            OpenApiExample(
                "Picked up",
                request_only=True,
                value={
                    "order": "CP2611221000ABCD",
                    "type": "order.picked_up",
                    "occurred_at": "2026-11-22T10:40:00+08:00",
                    "data": {
                        "waybill_no": "SF1234567890",
                        "weight_kg": "1.6",
                        "fee": {"amount": "23.00", "currency": "CNY"},
                        "pickup_code": "123456",
                        "corrections": {"recipient_phone": "13900139001"},
                    },
                },
            ),
            OpenApiExample("Applied", response_only=True, status_codes=["200"], value={"result": "applied"}),
            OpenApiExample(
                "Wrong pickup code",
                response_only=True,
                status_codes=["409"],
                value={
                    "error": "pickup_code_mismatch",
                    "detail": "The pickup code is missing or wrong.",
                    "status": "accepted",
                },
            ),
        ],
    )
    def post(self, request: Request, code: str) -> Response:
        carrier = request.user.carrier
        webhook_id = request.user.message_id
        received_at = timezone.now()
        log = {"carrier": carrier, "webhook_id": webhook_id, "received_at": received_at}

        if len(webhook_id) > MAX_WEBHOOK_ID_LENGTH:
            message = _("The webhook-id is longer than %(max)d characters.") % {"max": MAX_WEBHOOK_ID_LENGTH}
            carrier_events.carrier_event_log(
                result=CarrierEventResult.INVALID,
                payload={"raw": printable(request.body)},
                error=f"invalid_payload: {message}",
                **log,
            )
            return _invalid({"webhook-id": [message]})

        try:
            payload = strict_json_loads(request.body)
        except InvalidBody as invalid:
            if self._duplicate(log, request.body):
                return Response({"result": CarrierEventResult.DUPLICATE})
            carrier_events.carrier_event_log(
                result=CarrierEventResult.INVALID,
                payload={"raw": printable(request.body)},
                error=f"invalid_payload: {invalid.message}",
                **log,
            )
            return _invalid({"non_field_errors": [str(invalid.message)]})

        serializer = CarrierEventSerializer(data=payload, context={"now": received_at})
        if not serializer.is_valid():
            if self._duplicate(log, request.body):
                return Response({"result": CarrierEventResult.DUPLICATE})
            envelope = payload if isinstance(payload, dict) else {}
            carrier_events.carrier_event_log(
                result=CarrierEventResult.INVALID,
                payload=payload if isinstance(payload, dict) else {"raw": payload},
                error=f"invalid_payload: {json.dumps(serializer.errors, ensure_ascii=False)}",
                order_number=str(envelope.get("order") or ""),
                type=str(envelope.get("type") or ""),
                **log,
            )
            return _invalid(serializer.errors)

        event = serializer.validated_data
        outcome = carrier_events.carrier_event_apply(
            carrier=carrier,
            webhook_id=webhook_id,
            order_number=event["order"],
            type=event["type"],
            occurred_at=event["occurred_at"],
            data=event["data"],
            payload=payload,
            received_at=received_at,
        )
        if outcome.result == CarrierEventResult.NOT_FOUND:
            return Response(
                {"error": outcome.error, "detail": outcome.message}, status=status.HTTP_404_NOT_FOUND
            )
        if outcome.result == CarrierEventResult.ILLEGAL:
            return Response(
                {"error": outcome.error, "detail": outcome.message, "status": outcome.order.status},
                status=status.HTTP_409_CONFLICT,
            )
        return Response({"result": outcome.result})

    @staticmethod
    def _duplicate(log: dict, body: bytes) -> bool:
        """A refused body whose webhook id was taken before: the re-delivery is a duplicate.

        Checked only on this refusal path; a valid delivery meets the unique constraint instead.
        """
        if not carrier_events.carrier_event_seen(carrier=log["carrier"], webhook_id=log["webhook_id"]):
            return False
        carrier_events.carrier_event_log(
            result=CarrierEventResult.DUPLICATE, payload=_loose_json(body), **log
        )
        return True


def _invalid(detail: Any) -> Response:
    return Response({"error": "invalid_payload", "detail": detail}, status=status.HTTP_400_BAD_REQUEST)


def _loose_json(body: bytes):
    """The body for the log when it is not judged: JSON if it is, else the text."""
    try:
        value = strict_json_loads(body)
    except InvalidBody:
        return {"raw": printable(body)}
    return value if isinstance(value, dict) else {"raw": value}


# --- orders for carriers that pull ---------------------------------------------------------------

_OFFSET_AFTER_SPACE = re.compile(r"^(\S+T[\d:.]+) (\d{2}(?::?\d{2})?)$")


class _LenientIsoDateTimeField(IsoDateTimeField):
    """ISO 8601; a ``+08:00`` offset sent unencoded in a query string arrives as `` 08:00``."""

    def to_python(self, value):
        if isinstance(value, str):
            value = _OFFSET_AFTER_SPACE.sub(r"\1+\2", value.strip())
        return super().to_python(value)


class _UpdatedSinceFilter(django_filters.IsoDateTimeFilter):
    field_class = _LenientIsoDateTimeField


class CarrierOrderFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, help_text="Only orders in these statuses (repeat the parameter for several)."
    )
    updated_since = _UpdatedSinceFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Only orders changed at or after this ISO 8601 time: new, cancelled and expired ones.",
    )

    class Meta:
        model = Order
        fields = ["status", "updated_since"]


class CarrierOrderListView(generics.ListAPIView):
    """The carrier's own orders, least recently changed first, so a poller can page forward."""

    authentication_classes = [CarrierSignatureAuthentication]
    permission_classes = [IsCarrier]
    serializer_class = CarrierOrderSerializer
    filterset_class = CarrierOrderFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Order.objects.none()
        return Order.objects.filter(carrier=self.request.user.carrier).order_by("updated_at", "id")

    @extend_schema(
        operation_id="carrier_orders_list",
        tags=["carrier"],
        summary="Your orders, for carriers that pull",
        description=(
            "Never contains the pickup code. A GET has no body: sign its request line instead, "
            '"{webhook-id}.{webhook-timestamp}.GET {path}?{query}" with the path and query exactly '
            "as sent (no ?query when there is none), so the signature covers the filters."
        ),
        responses={200: CarrierOrderSerializer(many=True), **_RESPONSES_COMMON},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
