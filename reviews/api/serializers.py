"""Shapes of the review API (DESIGN §7.3, §8). No business rule lives here: services decide."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from reviews.models import ReplyStatus, Review


class ReviewCreateSerializer(serializers.Serializer):
    """Documents the multipart body; ``review_create`` validates it."""

    carrier_rating = serializers.IntegerField(min_value=1, max_value=5)
    platform_rating = serializers.IntegerField(min_value=1, max_value=5)
    text = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    photos = serializers.ListField(child=serializers.FileField(), required=False, max_length=5)


class ReviewCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class ReplyCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=1000)


class ComplaintCreateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
    evidence = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class PhotoSerializer(serializers.Serializer):
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()

    def get_url(self, photo) -> str:
        return reverse("reviews:photo", args=[photo.pk, "full"])

    def get_thumbnail_url(self, photo) -> str:
        return reverse("reviews:photo", args=[photo.pk, "thumb"])


class PublicReviewSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    photos = PhotoSerializer(many=True, read_only=True)
    reply = serializers.SerializerMethodField()

    class Meta:
        model = Review
        fields = [
            "id",
            "carrier_rating",
            "platform_rating",
            "text",
            "author",
            "photos",
            "reply",
            "created_at",
        ]

    def get_author(self, review) -> str:
        """The display name masked to its first character (the public never sees a phone)."""
        name = (review.user.display_name or "").strip()
        return f"{name[0]}**" if name else "**"

    def get_reply(self, review) -> dict | None:
        reply = getattr(review, "reply", None)
        if reply is None or reply.status != ReplyStatus.PUBLISHED:
            return None
        return {
            "text": reply.text,
            "created_at": serializers.DateTimeField().to_representation(reply.created_at),
        }


class CarrierRatingSerializer(serializers.Serializer):
    rating = serializers.FloatField(
        help_text="Bayesian average (C·m + Σ) / (C + n), C = 20, m = platform mean."
    )
    average = serializers.FloatField(allow_null=True, help_text="Plain mean of the carrier ratings.")
    platform_average = serializers.FloatField(allow_null=True)
    count = serializers.IntegerField()
