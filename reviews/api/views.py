"""Review API (DESIGN §7.3, §8): writing and reporting (users), the public carrier reviews, and the
carrier's reply and complaint endpoints (signed like callbacks). Views translate HTTP to services."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from accounts.restriction_responses import RestrictedSerializer, restricted_api_response
from accounts.services.restrictions import Restricted
from carriers.api.authentication import CarrierSignatureAuthentication, IsCarrier
from carriers.models import Carrier
from orders.models import Order
from reviews import selectors, services
from reviews.api.serializers import (
    CarrierRatingSerializer,
    ComplaintCreateSerializer,
    PublicReviewSerializer,
    ReasonSerializer,
    ReplyCreateSerializer,
    ReviewCreatedSerializer,
    ReviewCreateSerializer,
)
from reviews.models import Review, ReviewStatus

ErrorSerializer = inline_serializer(
    "ReviewConflict", fields={"error": serializers.CharField(), "detail": serializers.CharField()}
)


def _conflict(refusal: services.ReviewRefused) -> Response:
    return Response({"error": refusal.code, "detail": str(refusal.message)}, status=status.HTTP_409_CONFLICT)


def _bad_request(error: ValidationError) -> Response:
    if hasattr(error, "error_dict"):
        return Response(error.message_dict, status=status.HTTP_400_BAD_REQUEST)
    return Response({"detail": error.messages}, status=status.HTTP_400_BAD_REQUEST)


class ReviewCreateView(APIView):
    @extend_schema(
        operation_id="order_review_create",
        tags=["reviews"],
        summary="Review one of my signed orders (once, within 60 days of signing)",
        request={"multipart/form-data": ReviewCreateSerializer},
        responses={
            201: ReviewCreatedSerializer,
            400: OpenApiResponse(
                description="Field errors: ratings, text, photos (a 6th photo, not an image)."
            ),
            403: OpenApiResponse(
                RestrictedSerializer,
                description='Restricted: {"error", "code": "restricted", "scope", "reason", "ends_at"} '
                "(ends_at null: permanent). Nothing stored.",
            ),
            404: OpenApiResponse(description="Not one of my orders."),
            409: OpenApiResponse(
                ErrorSerializer,
                description="error: not_signed, review_window_closed or already_reviewed. Nothing stored.",
            ),
        },
    )
    def post(self, request: Request, number: str) -> Response:
        order = Order.objects.filter(number=number, user=request.user, hidden_by_user_at__isnull=True).first()
        if order is None:
            raise NotFound()
        photos = request.FILES.getlist("photos") if hasattr(request, "FILES") else []
        try:
            review = services.review_create(
                order=order,
                user=request.user,
                carrier_rating=request.data.get("carrier_rating"),
                platform_rating=request.data.get("platform_rating"),
                text=request.data.get("text", ""),
                photos=photos,
            )
        except Restricted as error:
            return restricted_api_response(error)
        except services.ReviewRefused as refusal:
            return _conflict(refusal)
        except ValidationError as error:
            return _bad_request(error)
        return Response({"id": review.pk, "status": review.status}, status=status.HTTP_201_CREATED)


class ReviewReportView(APIView):
    @extend_schema(
        operation_id="review_report",
        tags=["reviews"],
        summary="Report a published review to the moderators (once per review)",
        request=ReasonSerializer,
        responses={
            201: inline_serializer("ReviewReported", fields={"id": serializers.IntegerField()}),
            400: OpenApiResponse(description="No reason given."),
            404: OpenApiResponse(description="No such published review."),
            409: OpenApiResponse(ErrorSerializer, description="error: already_reported."),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        review = get_object_or_404(Review, pk=pk, status=ReviewStatus.PUBLISHED)
        reason = request.data.get("reason", "") if isinstance(request.data, dict) else ""
        try:
            report = services.review_report(review=review, user=request.user, reason=str(reason))
        except services.ReviewRefused as refusal:
            return _conflict(refusal)
        except ValidationError as error:
            return _bad_request(error)
        return Response({"id": report.pk}, status=status.HTTP_201_CREATED)


class CarrierReviewsView(APIView):
    """Public: no sign-in needed."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="carrier_reviews_list",
        tags=["reviews"],
        summary="A carrier's published reviews (newest first, paginated) and its ratings",
        responses={
            200: inline_serializer(
                "CarrierReviews",
                fields={
                    "carrier": serializers.CharField(),
                    "name": serializers.CharField(),
                    "ratings": CarrierRatingSerializer(),
                    "count": serializers.IntegerField(),
                    "next": serializers.CharField(allow_null=True),
                    "previous": serializers.CharField(allow_null=True),
                    "results": PublicReviewSerializer(many=True),
                },
            ),
            404: OpenApiResponse(description="No such active carrier."),
        },
    )
    def get(self, request: Request, code: str) -> Response:
        carrier = get_object_or_404(Carrier, code=code, active=True)
        paginator = api_settings.DEFAULT_PAGINATION_CLASS()
        page = paginator.paginate_queryset(
            selectors.published_reviews_for_carrier(carrier), request, view=self
        )
        rating = selectors.carrier_rating(carrier)
        response = paginator.get_paginated_response(PublicReviewSerializer(page, many=True).data)
        response.data = {
            "carrier": carrier.code,
            "name": carrier.name,
            "ratings": CarrierRatingSerializer(rating).data,
            **response.data,
        }
        return response


def _carrier_review(request: Request, pk: int) -> Review:
    """One review of the calling carrier's orders; another carrier's review is a 404."""
    review = Review.objects.filter(Q(pk=pk) & Q(carrier=request.user.carrier)).first()
    if review is None:
        raise NotFound()
    return review


class CarrierReplyView(APIView):
    authentication_classes = [CarrierSignatureAuthentication]
    permission_classes = [IsCarrier]

    @extend_schema(
        operation_id="carrier_review_reply",
        tags=["carrier"],
        summary="Reply once to a review of one of your orders (screened before it shows)",
        request=ReplyCreateSerializer,
        responses={
            201: inline_serializer(
                "ReplyCreated", fields={"id": serializers.IntegerField(), "status": serializers.CharField()}
            ),
            400: OpenApiResponse(description="No text, or too long."),
            401: OpenApiResponse(description="Missing, bad or stale signature."),
            404: OpenApiResponse(description="No such review of your orders."),
            409: OpenApiResponse(ErrorSerializer, description="error: already_replied."),
        },
    )
    def post(self, request: Request, code: str, pk: int) -> Response:
        review = _carrier_review(request, pk)
        data = request.data if isinstance(request.data, dict) else {}
        try:
            reply = services.reply_create(
                review=review, carrier=request.user.carrier, text=str(data.get("text", ""))
            )
        except services.ReviewRefused as refusal:
            return _conflict(refusal)
        except ValidationError as error:
            return _bad_request(error)
        return Response({"id": reply.pk, "status": reply.status}, status=status.HTTP_201_CREATED)


class CarrierComplaintView(APIView):
    authentication_classes = [CarrierSignatureAuthentication]
    permission_classes = [IsCarrier]

    @extend_schema(
        operation_id="carrier_review_complaint",
        tags=["carrier"],
        summary="Complain that a review of one of your orders is malicious, with evidence",
        request=ComplaintCreateSerializer,
        responses={
            201: inline_serializer(
                "ComplaintFiled", fields={"id": serializers.IntegerField(), "status": serializers.CharField()}
            ),
            400: OpenApiResponse(description="No reason, or too long."),
            401: OpenApiResponse(description="Missing, bad or stale signature."),
            404: OpenApiResponse(description="No such review of your orders."),
        },
    )
    def post(self, request: Request, code: str, pk: int) -> Response:
        review = _carrier_review(request, pk)
        data = request.data if isinstance(request.data, dict) else {}
        try:
            complaint = services.complaint_file(
                review=review,
                carrier=request.user.carrier,
                reason=str(data.get("reason", "")),
                evidence=str(data.get("evidence", "")),
            )
        except ValidationError as error:
            return _bad_request(error)
        return Response({"id": complaint.pk, "status": complaint.status}, status=status.HTTP_201_CREATED)
