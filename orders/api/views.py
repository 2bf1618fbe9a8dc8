"""User API for quotes and orders (DESIGN §7.3). Views translate HTTP to services and back."""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.restriction_responses import RestrictedSerializer, restricted_api_response
from accounts.services.restrictions import Restricted
from carriers.services import estimate_route, quote_shipment
from orders import selectors
from orders.api.serializers import (
    BookingSerializer,
    CancelSerializer,
    ClaimCreatedSerializer,
    ClaimCreateSerializer,
    ClaimDocumentOutSerializer,
    ClaimDocumentsAddSerializer,
    EstimateListSerializer,
    EstimateRequestSerializer,
    OrderListSerializer,
    OrderSerializer,
    QuoteListSerializer,
    ShipmentSerializer,
)
from orders.models import Order, Status
from orders.services import booking, cancellation, claims, lifecycle

QUOTE_FIELDS = (
    "carrier",
    "name",
    "eligible",
    "reasons",
    "recommended",
    "why",
    "price",
    "eta",
    "breakdown",
    "contract",
)

ConflictSerializer = inline_serializer("OrderConflict", fields={"error": serializers.CharField()})
ClaimConflictSerializer = inline_serializer(
    "ClaimConflict",
    fields={
        "error": serializers.CharField(help_text="The rule, in words."),
        "rule": serializers.ChoiceField(
            choices=[
                "not_picked_up",
                "claim_window_closed",
                "claim_exists",
                "freight_unpaid",
                "delivered_intact",
                "documents_window_closed",
            ]
        ),
    },
)


def _claim_refused(refused: claims.ClaimRefused) -> Response:
    return Response({"error": refused.message, "rule": refused.rule}, status=status.HTTP_409_CONFLICT)


def _claim_invalid(error: ValidationError) -> Response:
    body = error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


BookingRefusedSerializer = inline_serializer(
    "BookingRefused",
    fields={
        "detail": serializers.CharField(required=False),
        "screening": serializers.DictField(required=False),
        "carriers": serializers.ListField(child=serializers.DictField(), required=False),
        "contract": serializers.DictField(required=False),
    },
)


class QuoteView(APIView):
    @extend_schema(
        operation_id="quotes_create",
        request=ShipmentSerializer,
        responses={200: QuoteListSerializer, 400: OpenApiResponse(description="Field errors.")},
        summary="Quotes of every carrier for a shipment",
    )
    def post(self, request: Request) -> Response:
        now = timezone.now()
        serializer = ShipmentSerializer(data=request.data, context={"request": request, "now": now})
        serializer.is_valid(raise_exception=True)
        shipment = serializer.to_shipment()
        quotes = quote_shipment(shipment=shipment, now=now)  # screens the goods too
        shown = [q.as_dict(request) for q in quotes]
        return Response({"quotes": [{k: quote[k] for k in QUOTE_FIELDS} for quote in shown]})


ESTIMATE_FIELDS = ("carrier", "name", "eligible", "reasons", "recommended", "why", "price", "eta")


class EstimateView(APIView):
    """Prices before sign-up: no login, throttled per client."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "estimates"

    @extend_schema(
        operation_id="estimates_create",
        request=EstimateRequestSerializer,
        responses={200: EstimateListSerializer, 400: OpenApiResponse(description="Field errors.")},
        summary="Every carrier's estimate, ETA and eligibility for from, to and weight (no login)",
    )
    def post(self, request: Request) -> Response:
        serializer = EstimateRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        quotes = estimate_route(
            origin=data["from"]["place"], destination=data["to"]["place"], weight_kg=data["weight_kg"]
        )
        shown = [q.as_dict(request) for q in quotes]
        return Response({"estimates": [{k: quote[k] for k in ESTIMATE_FIELDS} for quote in shown]})


class OrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)

    class Meta:
        model = Order
        fields = ["status"]


def _booking_refused(request: Request, error: booking.BookingError) -> Response:
    body: dict = {**error.errors, **error.payload}
    if "contract" in body:  # absolute, like the quotes' contract URLs
        body["contract"] = {**body["contract"], "url": request.build_absolute_uri(body["contract"]["url"])}
    if not error.errors:
        body["detail"] = str(error.message)
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """My orders. Another user's (or a deleted) order is a 404 everywhere."""

    lookup_field = "number"
    lookup_value_regex = "[0-9A-Za-z]+"
    filterset_class = OrderFilter
    serializer_class = OrderSerializer

    def get_queryset(self):
        return selectors.order_list_for_user(user=self.request.user)

    def get_serializer_class(self):
        if self.action == "list":
            return OrderListSerializer
        if self.action == "create":
            return BookingSerializer
        if self.action == "cancel":
            return CancelSerializer
        return OrderSerializer

    def get_object(self) -> Order:
        return selectors.order_get_for_user(user=self.request.user, number=self.kwargs["number"])

    def _order_response(self, order: Order, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.order_get_for_user(user=self.request.user, number=order.number)
        return Response(OrderSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        summary="My orders (paginated, newest first)",
        parameters=[
            OpenApiParameter(
                "status",
                enum=["", *Status.values],
                description="Only orders in this status (empty: every status).",
            )
        ],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One of my orders with its timeline")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Book a pickup",
        request=BookingSerializer,
        responses={
            201: OrderSerializer,
            400: OpenApiResponse(
                BookingRefusedSerializer,
                description="Field errors; or the screening result when the goods are prohibited or "
                "no carrier is eligible; or the current contract terms when the version is stale.",
            ),
            403: OpenApiResponse(
                RestrictedSerializer,
                description='Restricted: {"error", "code": "restricted", "scope", "reason", "ends_at"} '
                "(ends_at null when permanent).",
            ),
        },
    )
    def create(self, request: Request) -> Response:
        now = timezone.now()
        serializer = BookingSerializer(data=request.data, context={"request": request, "now": now})
        serializer.is_valid(raise_exception=True)
        try:
            order = booking.order_place(
                user=request.user,
                shipment=serializer.to_shipment(),
                carrier_code=serializer.validated_data.get("carrier"),
                contract_version=serializer.validated_data["contract_version"],
                now=now,
            )
        except booking.BookingError as error:
            return _booking_refused(request, error)
        except Restricted as error:
            return restricted_api_response(error)
        return self._order_response(order, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Cancel before pickup",
        request=CancelSerializer,
        responses={200: OrderSerializer, 409: ConflictSerializer},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, number: str) -> Response:
        order = self.get_object()
        serializer = CancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            cancellation.order_cancel(
                order=order, actor_user=request.user, reason=serializer.validated_data["reason"]
            )
        except lifecycle.OrderError as error:
            return Response({"error": str(error)}, status=status.HTTP_409_CONFLICT)
        return self._order_response(order)

    @extend_schema(
        summary="Delete from my list (the order is not cancelled)",
        responses={204: None},
    )
    def destroy(self, request: Request, number: str) -> Response:
        # Hiding, never Model.delete(): the order goes on for the carrier (000 4.6).
        cancellation.order_delete(order=self.get_object(), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="order_claim_create",
        summary="Claim for a lost, damaged or short parcel (one per parcel)",
        request={"multipart/form-data": ClaimCreateSerializer},
        responses={
            201: ClaimCreatedSerializer,
            400: OpenApiResponse(description="Field errors: kind, amount, description, documents."),
            409: OpenApiResponse(
                ClaimConflictSerializer,
                description="Not picked up, past the carrier's claim window, a claim exists, the "
                "freight is unpaid, or damage / shortage on a parcel signed without a damage remark.",
            ),
        },
    )
    @action(detail=True, methods=["post"], url_path="claims", parser_classes=[MultiPartParser, FormParser])
    def claim_create(self, request: Request, number: str) -> Response:
        order = self.get_object()
        serializer = ClaimCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            claim = claims.claim_file(
                order=order,
                user=request.user,
                kind=data["kind"],
                amount=data["amount"],
                description=data["description"],
                uploads=data.get("documents", []),
            )
        except claims.ClaimRefused as refused:
            return _claim_refused(refused)
        except ValidationError as error:
            return _claim_invalid(error)
        return Response(
            ClaimCreatedSerializer(
                {"id": claim.pk, "status": claim.status, "documents_due_at": claim.documents_due_at}
            ).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        operation_id="order_claim_documents_add",
        summary="Add documents to my claim (until documents_due_at)",
        request={"multipart/form-data": ClaimDocumentsAddSerializer},
        responses={
            201: ClaimDocumentOutSerializer(many=True),
            400: OpenApiResponse(description="No document, or a file that is not a PDF, JPEG or PNG."),
            409: OpenApiResponse(ClaimConflictSerializer, description="Past documents_due_at."),
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"claims/(?P<claim_id>[0-9]+)/documents",
        parser_classes=[MultiPartParser, FormParser],
    )
    def claim_documents(self, request: Request, number: str, claim_id: str) -> Response:
        order = self.get_object()
        claim = order.claims.filter(pk=int(claim_id)).first()
        if claim is None:
            raise NotFound()
        serializer = ClaimDocumentsAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            rows = claims.claim_documents_add(
                claim=claim, user=request.user, uploads=serializer.validated_data["documents"]
            )
        except claims.ClaimRefused as refused:
            return _claim_refused(refused)
        except ValidationError as error:
            return _claim_invalid(error)
        return Response(ClaimDocumentOutSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)
