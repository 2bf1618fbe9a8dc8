"""A user's reviews in their data export, and their removal with the account (DESIGN §6).

Registered with accounts through ``ACCOUNT_DATA_EXPORTERS`` / ``ACCOUNT_DATA_ERASERS`` (settings).
"""

from __future__ import annotations

from django.db import transaction

from .models import ReplyStatus, Review, ReviewPhoto, ReviewReport


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def reviews_export(*, user) -> dict:
    """The user's reviews (with their state, the moderator's reason, photos and the carrier's reply)
    and the reports they filed."""
    reviews = (
        Review.objects.filter(user=user)
        .select_related("order", "carrier", "reply")
        .prefetch_related("photos")
        .order_by("created_at", "id")
    )
    return {
        "reviews": [
            {
                "id": review.pk,
                "order": review.order.number,
                "carrier": review.carrier.code,
                "carrier_rating": review.carrier_rating,
                "platform_rating": review.platform_rating,
                "text": review.text,
                "status": review.status,
                "moderation_reason": review.moderation_reason,
                "created_at": _iso(review.created_at),
                "photos": [photo.image.name for photo in review.photos.all()],
                "reply": review.reply.text
                if getattr(review, "reply", None) and review.reply.status == ReplyStatus.PUBLISHED
                else None,
            }
            for review in reviews
        ],
        "reports": [
            {"review": review_id, "reason": reason, "created_at": _iso(created_at)}
            for review_id, reason, created_at in ReviewReport.objects.filter(user=user)
            .order_by("created_at", "id")
            .values_list("review_id", "reason", "created_at")
        ],
    }


def reviews_erase(*, user, needles: set[str], by=None) -> None:
    """Delete the user's reviews, their photo files (once the deletion commits) and their reports.

    The moderation log keeps its rows (who moderated what, and why) with the review number only.
    """
    names = [
        name
        for pair in ReviewPhoto.objects.filter(review__user=user).values_list("image", "thumbnail")
        for name in pair
        if name
    ]
    ReviewReport.objects.filter(user=user).delete()
    Review.objects.filter(user=user).delete()

    def delete_files() -> None:
        storage = ReviewPhoto._meta.get_field("image").storage
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete_files)
