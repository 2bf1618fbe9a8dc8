"""The review pages: the button on the order page, the form, my reviews, carrier pages, photos."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import RestrictionScope
from accounts.services.restrictions import restriction_apply
from orders.models import Status
from orders.tests.factories import OrderFactory
from reviews.models import CarrierReply, ReplyStatus, Review, ReviewPhoto, ReviewStatus
from reviews.tests.factories import ReviewFactory, signed_order
from reviews.tests.images import image_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_en(client, customer):
    client.force_login(customer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def order_page(client, order):
    return client.get(f"/orders/{order.number}/").content.decode()


# --- the button on the order page ---------------------------------------------------------------


def test_a_recently_signed_order_shows_the_review_button(client_en, customer):
    order = signed_order(user=customer, signed_at=timezone.now() - timedelta(days=59))

    assert f'href="/reviews/new/{order.number}/" data-testid="review"' in order_page(client_en, order)


def test_the_button_says_评价_in_chinese(client, customer):
    client.force_login(customer)
    order = signed_order(user=customer)

    assert ">评价</a>" in order_page(client, order)


@pytest.mark.parametrize("days", [61])
def test_no_button_after_60_days(client_en, customer, days):
    order = signed_order(user=customer, signed_at=timezone.now() - timedelta(days=days))

    assert 'data-testid="review"' not in order_page(client_en, order)


def test_no_button_before_signing_or_after_reviewing(client_en, customer):
    moving = OrderFactory(user=customer, status=Status.IN_TRANSIT)
    reviewed = ReviewFactory(user=customer).order

    assert 'data-testid="review"' not in order_page(client_en, moving)
    assert 'data-testid="review"' not in order_page(client_en, reviewed)


# --- the form -----------------------------------------------------------------------------------


def test_the_form_publishes_a_review_with_photos(client_en, customer):
    order = signed_order(user=customer)

    response = client_en.post(
        f"/reviews/new/{order.number}/",
        {
            "carrier_rating": "4",
            "platform_rating": "5",
            "text": "准时上门",
            "photos": [upload(image_bytes(), "a.jpg"), upload(image_bytes("PNG"), "b.png", "image/png")],
        },
    )

    assert response.status_code == 302 and response["Location"] == "/reviews/"
    review = Review.objects.get()
    assert (review.carrier_rating, review.platform_rating, review.status) == (4, 5, ReviewStatus.PUBLISHED)
    assert review.photos.count() == 2


def test_the_form_shows_photo_errors_and_stores_nothing(client_en, customer):
    order = signed_order(user=customer)

    response = client_en.post(
        f"/reviews/new/{order.number}/",
        {"carrier_rating": "4", "platform_rating": "5", "photos": [upload(b"not an image", "x.jpg")]},
    )

    assert response.status_code == 200
    assert "This file is not a JPEG, PNG, WebP or HEIC photo." in response.content.decode()
    assert Review.objects.count() == 0


def test_the_form_of_an_order_that_cannot_be_reviewed_says_why(client_en, customer):
    order = signed_order(user=customer, signed_at=timezone.now() - timedelta(days=70))

    page = client_en.get(f"/reviews/new/{order.number}/").content.decode()

    assert "Orders can be reviewed within 60 days of being signed for." in page
    assert 'data-testid="review-form"' not in page


def test_someone_elses_order_is_404(client_en, other_customer):
    order = signed_order(user=other_customer)

    assert client_en.get(f"/reviews/new/{order.number}/").status_code == 404


# --- my reviews -----------------------------------------------------------------------------------


def test_my_reviews_show_each_state_with_its_reason(client_en, customer):
    ReviewFactory(user=customer)
    ReviewFactory(
        user=customer,
        status=ReviewStatus.PENDING,
        screening_reasons=[{"code": "phone", "category": "", "term": "13800138000"}],
    )
    ReviewFactory(user=customer, status=ReviewStatus.HIDDEN, moderation_reason="含有与订单无关的图片")
    ReviewFactory(user=customer, status=ReviewStatus.REMOVED, moderation_reason="广告内容")

    page = client_en.get("/reviews/").content.decode()

    assert "Waiting for a moderator: the text contains a phone number." in page
    assert "13800138000" not in page  # the matched text is not repeated back
    assert "Moderator's reason: 含有与订单无关的图片" in page
    assert "Moderator's reason: 广告内容" in page
    for label in ("Published", "Pending moderation", "Hidden", "Removed"):
        assert label in page


# --- carrier pages ------------------------------------------------------------------------------


def test_the_carrier_list_shows_ratings_and_counts(client, customer, demo_carriers):
    swift = demo_carriers["swift-express"]
    for rating in (5, 5, 4):
        ReviewFactory(user=customer, carrier=swift, carrier_rating=rating)

    page = client.get("/carriers/").content.decode()

    # (20 × 4.667 + 14) / 23 = 4.667: the only reviews set the platform mean
    assert 'data-carrier="swift-express"' in page and "3 reviews" not in page  # zh-hans by default
    assert "3 条评价" in page
    assert page.count('data-testid="rating"') == 4


def test_the_carrier_page_shows_published_reviews_newest_first_with_reply(client, customer, carrier):
    old = ReviewFactory(
        user=customer, carrier=carrier, text="旧的评价", created_at=timezone.now() - timedelta(days=1)
    )
    new = ReviewFactory(user=customer, carrier=carrier, text="新的评价")
    ReviewFactory(user=customer, carrier=carrier, text="待审核的", status=ReviewStatus.PENDING)
    CarrierReply.objects.create(review=new, carrier=carrier, text="感谢支持", status=ReplyStatus.PUBLISHED)

    page = client.get(f"/carriers/{carrier.code}/").content.decode()

    assert page.index("新的评价") < page.index("旧的评价")
    assert "待审核的" not in page
    assert "感谢支持" in page
    assert old.user.phone not in page


def test_the_carrier_page_issues_a_constant_number_of_queries(client, customer, carrier):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/carriers/{carrier.code}/").status_code == 200
        return len(ctx.captured_queries)

    def add():
        review = ReviewFactory(user=customer, carrier=carrier)
        ReviewPhoto.objects.create(
            review=review, image="r/a.jpg", thumbnail="r/a-t.jpg", width=1, height=1, source_format="jpeg"
        )
        CarrierReply.objects.create(review=review, carrier=carrier, text="谢谢", status=ReplyStatus.PUBLISHED)

    add()
    few = count()
    for _ in range(25):
        add()

    assert count() == few
    assert few == 5  # carrier, ratings, page count, page (authors and replies), photos


def test_an_unknown_carrier_page_is_404(client, db):
    assert client.get("/carriers/nobody/").status_code == 404


# --- photos -------------------------------------------------------------------------------------


def test_photos_are_served_as_jpeg_with_nosniff(client_en, client, customer):
    order = signed_order(user=customer)
    client_en.post(
        f"/reviews/new/{order.number}/",
        {
            "carrier_rating": "5",
            "platform_rating": "5",
            "photos": [upload(image_bytes("PNG"), "a.png", "image/png")],
        },
    )
    photo = ReviewPhoto.objects.get()

    for size in ("full", "thumb"):
        response = client.get(f"/reviews/photos/{photo.pk}/{size}/")
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


def test_photos_of_unpublished_reviews_are_for_the_author_only(client, customer, other_customer):
    review = ReviewFactory(user=customer, status=ReviewStatus.HIDDEN)
    photo = ReviewPhoto.objects.create(
        review=review, image="r/a.jpg", thumbnail="r/a-t.jpg", width=1, height=1, source_format="jpeg"
    )
    client.force_login(other_customer)

    assert client.get(f"/reviews/photos/{photo.pk}/thumb/").status_code == 404


def test_a_restricted_user_gets_the_restriction_page(client_en, customer):
    order = signed_order(user=customer)
    restriction_apply(user=customer, scope=RestrictionScope.BOTH, reason="账户暂停", ends_at=None)

    response = client_en.get(f"/reviews/new/{order.number}/")

    assert response.status_code == 403
    assert "账户暂停" in response.content.decode()


def test_photos_go_through_the_configured_storage_backend(client_en, client, customer, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    order = signed_order(user=customer)

    client_en.post(
        f"/reviews/new/{order.number}/",
        {"carrier_rating": "5", "platform_rating": "5", "photos": [upload(image_bytes(), "a.jpg")]},
    )

    photo = ReviewPhoto.objects.get()
    assert type(photo.image.storage._wrapped).__name__ == "InMemoryStorage"  # default_storage, resolved
    assert not any((tmp_path / "media").rglob("*.jpg"))  # nothing written to MEDIA_ROOT
    response = client.get(f"/reviews/photos/{photo.pk}/full/")
    assert response.status_code == 200 and b"".join(response.streaming_content)[:2] == b"\xff\xd8"
