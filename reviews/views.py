"""Review pages: writing a review, my reviews, the public carrier pages, and the photos."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from .models import ReviewPhoto, ReviewStatus

PHOTO_MAX_AGE = 3600


def _may_see(request, photo: ReviewPhoto) -> bool:
    review = photo.review
    if review.status == ReviewStatus.PUBLISHED:
        return True
    user = request.user
    return user.is_authenticated and (review.user_id == user.pk or user.has_perm("reviews.moderate_review"))


@require_GET
def photo(request, pk: int, size: str):
    """A stored photo (re-encoded JPEG) or its thumbnail: public once the review is published."""
    if size not in ("full", "thumb"):
        raise Http404
    found = ReviewPhoto.objects.select_related("review").filter(pk=pk).first()
    if found is None or not _may_see(request, found):
        raise Http404
    field = found.image if size == "full" else found.thumbnail
    try:
        handle = field.storage.open(field.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    public = found.review.status == ReviewStatus.PUBLISHED
    response["Cache-Control"] = f"public, max-age={PHOTO_MAX_AGE}" if public else "private, no-store"
    return response
