"""GET /api/v1/carriers/{code}/reviews/ (public) and POST /api/v1/reviews/{id}/report/."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reviews.models import CarrierReply, ReplyStatus, ReviewPhoto, ReviewReport, ReviewStatus
from reviews.tests.factories import ReviewFactory

pytestmark = pytest.mark.django_db


def reviews_url(carrier) -> str:
    return f"/api/v1/carriers/{carrier.code}/reviews/"


def photo(review, position=0):
    return ReviewPhoto.objects.create(
        review=review,
        position=position,
        image="reviews/x.jpg",
        thumbnail="reviews/x-t.jpg",
        width=10,
        height=10,
        source_format="jpeg",
    )


def test_published_reviews_newest_first_with_photos_reply_and_ratings(
    api_client, customer, other_customer, carrier
):
    old = ReviewFactory(
        user=customer, carrier=carrier, carrier_rating=3, created_at=timezone.now() - timedelta(days=2)
    )
    new = ReviewFactory(user=other_customer, carrier=carrier, carrier_rating=5, text="很好")
    ReviewFactory(user=customer, carrier=carrier, status=ReviewStatus.HIDDEN, carrier_rating=1)
    first = photo(new)
    CarrierReply.objects.create(review=new, carrier=carrier, text="谢谢", status=ReplyStatus.PUBLISHED)
    CarrierReply.objects.create(review=old, carrier=carrier, text="待审", status=ReplyStatus.PENDING)

    data = api_client.get(reviews_url(carrier)).json()

    assert data["carrier"] == carrier.code
    assert [r["id"] for r in data["results"]] == [new.pk, old.pk]
    assert data["count"] == 2
    top = data["results"][0]
    assert top["author"] == "李**"
    assert top["text"] == "很好"
    assert top["photos"] == [
        {
            "url": f"/reviews/photos/{first.pk}/full/",
            "thumbnail_url": f"/reviews/photos/{first.pk}/thumb/",
            "width": 10,
            "height": 10,
        }
    ]
    assert top["reply"]["text"] == "谢谢"
    assert data["results"][1]["reply"] is None  # a held reply does not show
    # Bayesian: (20 × 4.0 + 3 + 5) / 22, the prior being the platform-wide mean of 4.0
    assert data["ratings"] == {
        "rating": pytest.approx(88 / 22),
        "average": 4.0,
        "platform_average": 5.0,
        "count": 2,
    }


def test_the_prior_is_the_platform_wide_mean(api_client, customer, carrier, other_carrier):
    ReviewFactory(user=customer, carrier=other_carrier, carrier_rating=2)
    ReviewFactory(user=customer, carrier=other_carrier, carrier_rating=2)

    ratings = api_client.get(reviews_url(carrier)).json()["ratings"]

    assert ratings == {"rating": 2.0, "average": None, "platform_average": None, "count": 0}


def test_unknown_carrier_is_404(api_client, db):
    assert api_client.get("/api/v1/carriers/nobody/reviews/").status_code == 404


def test_the_review_api_issues_a_constant_number_of_queries(api_client, customer, carrier):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api_client.get(reviews_url(carrier)).status_code == 200
        return len(ctx.captured_queries)

    review = ReviewFactory(user=customer, carrier=carrier)
    photo(review)
    few = count()
    for _ in range(15):
        more = ReviewFactory(user=customer, carrier=carrier)
        photo(more)
        photo(more, 1)
        CarrierReply.objects.create(review=more, carrier=carrier, text="谢谢", status=ReplyStatus.PUBLISHED)

    # carrier, page count, page (with authors and replies), photos, ratings
    assert few == 5
    assert count() == 5


# --- reporting ----------------------------------------------------------------------------------


def report_url(review) -> str:
    return f"/api/v1/reviews/{review.pk}/report/"


def test_a_signed_in_user_reports_a_published_review(customer, other_customer, api_client):
    review = ReviewFactory(user=customer)
    api_client.force_authenticate(other_customer)

    response = api_client.post(report_url(review), {"reason": "内容与订单无关"}, format="json")

    assert response.status_code == 201
    report = ReviewReport.objects.get()
    assert response.json() == {"id": report.pk}
    assert (report.review, report.user, report.reason) == (review, other_customer, "内容与订单无关")
    review.refresh_from_db()
    assert review.status == ReviewStatus.PUBLISHED and review.queued_at is not None


def test_one_report_per_user_and_review(customer, other_customer, api_client):
    review = ReviewFactory(user=customer)
    api_client.force_authenticate(other_customer)
    api_client.post(report_url(review), {"reason": "广告"}, format="json")

    response = api_client.post(report_url(review), {"reason": "又是广告"}, format="json")

    assert response.status_code == 409
    assert response.json()["error"] == "already_reported"
    assert ReviewReport.objects.count() == 1


def test_a_report_needs_a_reason(customer_client, other_customer):
    review = ReviewFactory(user=other_customer)

    response = customer_client.post(report_url(review), {"reason": ""}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["reason"]
    assert ReviewReport.objects.count() == 0


def test_reporting_needs_sign_in(api_client, customer):
    review = ReviewFactory(user=customer)

    assert api_client.post(report_url(review), {"reason": "广告"}, format="json").status_code == 401
    assert ReviewReport.objects.count() == 0


@pytest.mark.parametrize("status", [ReviewStatus.PENDING, ReviewStatus.HIDDEN, ReviewStatus.REMOVED])
def test_only_published_reviews_can_be_reported(customer_client, other_customer, status):
    review = ReviewFactory(user=other_customer, status=status)

    assert customer_client.post(report_url(review), {"reason": "广告"}, format="json").status_code == 404
