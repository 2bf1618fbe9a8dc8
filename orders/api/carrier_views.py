"""Carrier API (DESIGN §7.2): signed callbacks and the order list for carriers that pull.

Every request is signed by the carrier named in the URL (``CarrierSignatureAuthentication``: 404 for
an unknown carrier, 401 for a bad or stale signature). A carrier only ever sees its own orders.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from datetime import UTC
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView

from carriers.api.authentication import (
    MAX_BODY_BYTES,
    CarrierSignatureAuthentication,
    IsCarrier,
    PayloadTooLarge,
    carrier_request_body,
    content_length,
)
from carriers.headers import MetaHeaders
from carriers.integrations import (
    INTEGRATIONS,
    EventAnswer,
    InboundOutcome,
    InboundRequest,
    Integration,
    InvalidRequest,
    PlatformEvent,
    RequestRefused,
    integration_for,
)
from carriers.models import Carrier, CarrierEventResult
from carriers.services.signing_cache import carrier_signing_get
from orders.api.carrier_serializers import (
    CarrierErrorSerializer,
    CarrierEventRequest,
    CarrierOrderSerializer,
    EventResultSerializer,
    SignatureErrorSerializer,
    carrier_event_validate,
)
from orders.event_registry import ILLEGAL
from orders.models import Order, Status
from orders.services import carrier_events

SIGNED_HEADERS = (
    "Sign with your webhook secret (Standard Webhooks): headers webhook-id, webhook-timestamp and "
    "webhook-signature over the raw body."
)
# The column that keeps the id in the order's timeline (OrderEvent.source_event_id).
MAX_WEBHOOK_ID_LENGTH = 100

logger = logging.getLogger(__name__)

_RESPONSES_COMMON = {
    401: OpenApiResponse(SignatureErrorSerializer, description="Missing, bad or stale signature."),
}


class CarrierEventView(APIView):
    """The carrier's integration reads the request (DESIGN §7.4): it verifies it over the raw bytes,
    turns it into platform events and answers in the carrier's format; this view validates each
    event against the event registry and hands it to the order lifecycle."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    # Documents the platform's own protocol as JSON; the integration reads the raw bytes
    # (request.body), whatever the Content-Type says.
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="carrier_events_create",
        tags=["carrier"],
        auth=[{"carrierSignature": []}],
        summary="Report an event about one of your orders",
        description=(
            "Judged in this order: an event older than the one that set the current status is "
            "late and only recorded in the timeline; otherwise a legal move is applied; otherwise "
            "it is refused with 409 and kept for audit. The webhook-id identifies the event: the "
            "same id again is a duplicate that changes nothing, but a refused (400/404/409) "
            "delivery may be retried with the same id. " + SIGNED_HEADERS
        ),
        request=CarrierEventRequest,
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
            503: OpenApiResponse(
                CarrierErrorSerializer,
                description="The integration this carrier is configured with is not installed here "
                "(error: integration_unavailable); nothing is read or changed, and the carrier may "
                "retry. Carriers on another protocol (kuaidi100, sf: form-encoded bodies) are "
                "answered in their own acknowledgement format (docs/carriers.md).",
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
    def post(self, request: Request, code: str) -> HttpResponse:
        signing = carrier_signing_get(code)
        if signing is None:
            raise NotFound(_("No such carrier."))
        carrier = signing.carrier
        try:
            integration = integration_for(carrier)
        except LookupError:
            logger.error("carrier %s: integration %r is not available", carrier.code, carrier.integration)
            # Answered in the carrier's own format when its protocol is known here at all.
            speaker = INTEGRATIONS.get(carrier.integration) or Integration()
            return speaker.refuse(
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
                error="integration_unavailable",
                detail=_("This carrier's integration is not available."),
            )
        try:
            body = carrier_request_body(request)
        except PayloadTooLarge as refused:
            return integration.refuse(
                status=refused.status_code, error=refused.default_code, detail=str(refused.detail["detail"])
            )
        return _receive(request, carrier=carrier, integration=integration, body=body)

    @classmethod
    def as_view(cls, **initkwargs):
        """DRF's view, except that a plain signed POST is answered by :func:`_plain_post` without
        DRF's request, content negotiation and exception handling (a sixth of a callback's CPU).

        Whatever the plain path does not take — another method, a query string, an ``Accept``
        header DRF must negotiate, no such carrier, an unavailable integration, a body over the
        limit — goes to DRF's view as before, so every answer stays the same. The view keeps DRF's
        attributes (``cls``, ``initkwargs``, CSRF exemption): the schema reads them.
        """
        drf_view = super().as_view(**initkwargs)
        allow = ", ".join(cls(**initkwargs).allowed_methods)

        @functools.wraps(drf_view)
        def view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            response = _plain_post(request, kwargs["code"]) if _takes_plain_path(request) else None
            if response is None:
                return drf_view(request, *args, **kwargs)
            response["Allow"] = allow  # as DRF's view answers
            return response

        return view


# What the plain path answers for: DRF would choose its JSON renderer for any of these in Accept.
_JSON_ACCEPTED = frozenset({"*/*", "application/*", "application/json"})


def _takes_plain_path(request: HttpRequest) -> bool:
    if request.method != "POST" or request.META.get("QUERY_STRING"):
        return False  # a query string may carry DRF's ?format=
    accept = request.META.get("HTTP_ACCEPT")
    return accept is None or any(part.strip() in _JSON_ACCEPTED for part in accept.split(","))


def _plain_post(request: HttpRequest, code: str) -> HttpResponse | None:
    """A callback answered without DRF, or None when DRF's view must answer (see ``as_view``)."""
    signing = carrier_signing_get(code)
    if signing is None or content_length(request) > MAX_BODY_BYTES:
        return None
    try:
        integration = integration_for(signing.carrier)
        body = request.body
    except (LookupError, RawPostDataException, RequestDataTooBig):
        return None
    if len(body) > MAX_BODY_BYTES:
        return None
    return _receive(request, carrier=signing.carrier, integration=integration, body=body)


def _receive(request, *, carrier: Carrier, integration: Integration, body: bytes) -> HttpResponse:
    """The callback itself: the integration reads the request, each event is validated and judged,
    and the integration answers in the carrier's format."""
    meta = request.META
    inbound = InboundRequest(
        method=request.method,
        full_path=request.get_full_path(),
        headers=MetaHeaders(meta),
        body=body,
        # As DRF reads it (parameters included).
        content_type=meta.get("CONTENT_TYPE", meta.get("HTTP_CONTENT_TYPE", "")),
    )
    received_at = timezone.now()
    try:
        events = integration.parse(inbound, carrier=carrier)
    except RequestRefused as refused:
        return integration.acknowledge(InboundOutcome(refused=refused))
    except InvalidRequest as invalid:
        answer = _invalid_request(carrier=carrier, invalid=invalid, received_at=received_at)
        return integration.acknowledge(InboundOutcome(answers=(answer,)))
    keep = integration.keeps_refused_moves
    answers = tuple(
        _event_answer(carrier=carrier, event=event, received_at=received_at, keep_refused=keep)
        for event in events
    )
    return integration.acknowledge(InboundOutcome(answers=answers))


def _invalid_request(*, carrier: Carrier, invalid: InvalidRequest, received_at) -> EventAnswer:
    """A request of the carrier's that cannot be read: logged, or a duplicate of a taken id."""
    log = {"carrier": carrier, "webhook_id": invalid.event_id, "received_at": received_at}
    if invalid.check_duplicate and invalid.event_id and _duplicate(log, invalid.payload):
        return EventAnswer(result=CarrierEventResult.DUPLICATE, event_id=invalid.event_id)
    carrier_events.carrier_event_log(
        result=CarrierEventResult.INVALID,
        payload=invalid.payload,
        error=f"invalid_payload: {invalid.message}",
        **log,
    )
    return EventAnswer(result=CarrierEventResult.INVALID, event_id=invalid.event_id, detail=invalid.detail)


def _event_answer(
    *, carrier: Carrier, event: PlatformEvent, received_at, keep_refused: bool = False
) -> EventAnswer:
    """Validate one platform event against the event registry, then judge and apply it.

    ``keep_refused``: an illegal move is kept on the timeline as a carrier note instead of refused
    (``Integration.keeps_refused_moves``)."""
    log = {"carrier": carrier, "webhook_id": event.id, "received_at": received_at}
    payload = event.payload if event.payload is not None else event.envelope
    if len(event.id) > MAX_WEBHOOK_ID_LENGTH or not event.id:
        message = _("The event id is empty or longer than %(max)d characters.") % {
            "max": MAX_WEBHOOK_ID_LENGTH
        }
        carrier_events.carrier_event_log(
            result=CarrierEventResult.INVALID, payload=payload, error=f"invalid_payload: {message}", **log
        )
        return EventAnswer(result=CarrierEventResult.INVALID, event_id=event.id, detail={"id": [message]})

    valid, errors = carrier_event_validate(event.envelope, now=received_at)
    if errors is not None:
        if _duplicate(log, payload):
            return EventAnswer(result=CarrierEventResult.DUPLICATE, event_id=event.id)
        envelope = event.envelope if isinstance(event.envelope, dict) else {}
        carrier_events.carrier_event_log(
            result=CarrierEventResult.INVALID,
            payload=payload if isinstance(payload, dict) else {"raw": payload},
            error=f"invalid_payload: {json.dumps(errors, ensure_ascii=False)}",
            order_number=str(envelope.get("order") or ""),
            type=str(envelope.get("type") or ""),
            **log,
        )
        return EventAnswer(result=CarrierEventResult.INVALID, event_id=event.id, detail=errors)

    outcome = carrier_events.carrier_event_apply(
        carrier=carrier,
        webhook_id=event.id,
        order_number=valid["order"],
        type=valid["type"],
        occurred_at=valid["occurred_at"],
        data=valid["data"],
        payload=payload,
        received_at=received_at,
    )
    if keep_refused and outcome.result == CarrierEventResult.ILLEGAL and outcome.error == ILLEGAL:
        outcome = carrier_events.carrier_refused_move_keep(
            carrier=carrier, webhook_id=event.id, refused=outcome, data=valid["data"], payload=payload
        )
    if outcome.result in (CarrierEventResult.NOT_FOUND, CarrierEventResult.ILLEGAL):
        return EventAnswer(
            result=outcome.result,
            event_id=event.id,
            error=outcome.error,
            detail=outcome.message,
            status=outcome.order.status if outcome.order is not None else "",
        )
    return EventAnswer(result=outcome.result, event_id=event.id)


def _duplicate(log: dict, payload: Any) -> bool:
    """A refused event whose id was taken before: the re-delivery is a duplicate.

    Checked only on a refusal path; a valid delivery meets the unique constraint instead.
    """
    if not carrier_events.carrier_event_seen(carrier=log["carrier"], webhook_id=log["webhook_id"]):
        return False
    logged = payload if isinstance(payload, dict) else {"raw": payload}
    carrier_events.carrier_event_log(result=CarrierEventResult.DUPLICATE, payload=logged, **log)
    return True


# --- orders for carriers that pull ---------------------------------------------------------------

_OFFSET_AFTER_SPACE = re.compile(r"^(\S+T[\d:.]+) (\d{2}(?::?\d{2})?)$")


class _LenientIsoDateTimeField(IsoDateTimeField):
    """ISO 8601; a ``+08:00`` offset sent unencoded in a query string arrives as `` 08:00``."""

    def to_python(self, value):
        if isinstance(value, str):
            value = _OFFSET_AFTER_SPACE.sub(r"\1+\2", value.strip())
        parsed = super().to_python(value)
        if parsed is None:
            return None
        # In UTC: the database refuses offsets Python allows (-16:45), and a time at the very edge
        # of the calendar cannot be moved to UTC at all.
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class _UpdatedSinceFilter(django_filters.IsoDateTimeFilter):
    field_class = _LenientIsoDateTimeField


class CarrierOrderFilter(django_filters.FilterSet):
    number = django_filters.CharFilter(help_text="Only the order with this number (to re-read one order).")
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
        fields = ["number", "status", "updated_since"]


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
        try:
            pulls = integration_for(request.user.carrier).pulls
        except LookupError:
            pulls = False
        if not pulls:
            # Its integration pushes orders to it in its own protocol (DESIGN §7.4).
            raise NotFound(_("This carrier's integration does not pull orders."))
        return super().get(request, *args, **kwargs)
