"""A user's reviews in the data export, and gone with the account (DESIGN §6)."""

import pytest
from django.core.files.storage import default_storage
from rest_framework.test import APIClient

from accounts.services.privacy import account_delete, account_terminate
from reviews.models import ModerationLog, Review, ReviewPhoto, ReviewReport
from reviews.services import review_create, reviews_moderate
from reviews.tests.factories import ReviewFactory, signed_order
from reviews.tests.images import image_bytes, upload
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_export_holds_my_reviews_and_reports(customer, other_customer):
    review = review_create(
        order=signed_order(user=customer), user=customer, carrier_rating=4, platform_rating=5, text="准时"
    )
    ReviewReport.objects.create(review=ReviewFactory(user=other_customer), user=customer, reason="广告")
    api = APIClient()
    api.force_authenticate(customer)

    data = api.get("/api/v1/me/export/").json()["reviews"]

    assert [(r["id"], r["order"], r["carrier_rating"], r["text"], r["status"]) for r in data["reviews"]] == [
        (review.pk, review.order.number, 4, "准时", "published")
    ]
    assert [r["reason"] for r in data["reports"]] == ["广告"]


def test_deleting_the_account_deletes_reviews_photos_and_reports(
    customer, other_customer, moderator, django_capture_on_commit_callbacks
):
    mine = review_create(
        order=signed_order(user=customer),
        user=customer,
        carrier_rating=5,
        platform_rating=5,
        photos=[upload(image_bytes())],
    )
    reviews_moderate(reviews=[mine], action="hide", actor=moderator, reason="测试")
    theirs = ReviewFactory(user=other_customer)
    ReviewReport.objects.create(review=theirs, user=customer, reason="广告")
    files = list(ReviewPhoto.objects.values_list("image", "thumbnail").get())
    assert all(default_storage.exists(name) for name in files)

    with django_capture_on_commit_callbacks(execute=True):
        account_delete(user=customer, password=PASSWORD)

    assert list(Review.objects.all()) == [theirs]
    assert ReviewPhoto.objects.count() == 0 and ReviewReport.objects.count() == 0
    assert not any(default_storage.exists(name) for name in files)
    assert list(ModerationLog.objects.values_list("review_ref", "review")) == [(mine.pk, None)]


def test_terminating_the_account_deletes_its_reviews(customer, moderator):
    ReviewFactory(user=customer)

    account_terminate(user=customer, by=moderator, reason="多次恶意评价")

    assert Review.objects.count() == 0
