"""Review pages: writing a review, my reviews, the public carrier pages, and the photos."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import RestrictionScope
from accounts.restriction_responses import refuse_when_restricted
from carriers.models import Carrier
from orders.models import Order

from . import selectors, services
from .forms import ReviewForm
from .models import ReviewPhoto, ReviewStatus
from .screening import reason_label

PHOTO_MAX_AGE = 3600
CARRIER_PAGE_SIZE = 10


def _own_order(user, number: str) -> Order:
    order = (
        Order.objects.select_related("carrier")
        .filter(number=number, user=user, hidden_by_user_at__isnull=True)
        .first()
    )
    if order is None:
        raise Http404
    return order


@login_required
@refuse_when_restricted(RestrictionScope.REVIEWING)
@require_http_methods(["GET", "POST"])
def review_new(request, number: str):
    """The review form of one of my orders; refused orders say why instead of showing the form."""
    order = _own_order(request.user, number)
    refusal = services.review_eligibility(order=order, user=request.user)
    form = ReviewForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            review = services.review_create(
                order=order,
                user=request.user,
                carrier_rating=form.cleaned_data["carrier_rating"],
                platform_rating=form.cleaned_data["platform_rating"],
                text=form.cleaned_data["text"],
                photos=form.cleaned_data["photos"],
            )
        except services.ReviewRefused as error:
            refusal = error
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            if review.status == ReviewStatus.PUBLISHED:
                messages.success(request, _("Thank you! Your review is published."))
            else:
                messages.info(request, _("Thank you! Your review will show once a moderator has checked it."))
            return redirect("reviews:mine")
    return render(
        request,
        "reviews/new.html",
        {"order": order, "form": form, "refusal": refusal},
        status=409 if refusal and request.method == "POST" else 200,
    )


@login_required
@require_GET
def my_reviews(request):
    reviews = list(selectors.review_list_for_user(user=request.user))
    for review in reviews:
        review.reasons_shown = [reason_label(r) for r in review.screening_reasons]
    return render(request, "reviews/mine.html", {"reviews": reviews})


@require_GET
def carrier_list(request):
    return render(request, "reviews/carrier_list.html", {"rows": selectors.carrier_list_with_ratings()})


@require_GET
def carrier_detail(request, code: str):
    carrier = get_object_or_404(Carrier, code=code, active=True)
    paginator = Paginator(selectors.published_reviews_for_carrier(carrier), CARRIER_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/carrier_detail.html",
        {"carrier": carrier, "rating": selectors.carrier_rating(carrier), "page": page},
    )


def _may_see(request, photo: ReviewPhoto) -> bool:
    review = photo.review
    if review.status == ReviewStatus.PUBLISHED:
        return True
    user = request.user
    return user.is_authenticated and (review.user_id == user.pk or user.has_perm("reviews.view_review"))


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
