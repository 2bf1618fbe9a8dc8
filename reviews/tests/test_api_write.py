"""POST /api/v1/orders/{number}/review/: who may review what, when, and with which photos."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from accounts.models import RestrictionScope
from accounts.services.restrictions import restriction_apply
from orders.models import Status
from orders.tests.factories import OrderFactory
from reviews.models import Review, ReviewPhoto, ReviewStatus
from reviews.photos import MAX_BYTES, MAX_PHOTOS
from reviews.tests.factories import ReviewFactory, signed_order
from reviews.tests.images import GPS_IFD, image_bytes, png_bomb, upload

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
WINDOW = timedelta(days=60)


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


def url(order) -> str:
    return f"/api/v1/orders/{order.number}/review/"


def post(client, order, *, photos=(), **fields):
    data = {"carrier_rating": 5, "platform_rating": 4, "text": "师傅很准时，包装仔细", **fields}
    if photos:
        data["photos"] = list(photos)
    return client.post(url(order), data, format="multipart")


def assert_nothing_stored():
    assert Review.objects.count() == 0
    assert ReviewPhoto.objects.count() == 0


# --- eligibility ------------------------------------------------------------------------------


def test_owner_reviews_a_signed_order(customer_client, customer, carrier):
    order = signed_order(user=customer, carrier=carrier, signed_at=NOW - timedelta(days=3))

    response = post(customer_client, order)

    assert response.status_code == 201
    review = Review.objects.get()
    assert response.json() == {"id": review.pk, "status": "published"}
    assert (review.order, review.user, review.carrier) == (order, customer, carrier)
    assert (review.carrier_rating, review.platform_rating) == (5, 4)
    assert review.status == ReviewStatus.PUBLISHED and review.published_at == NOW
    assert review.queued_at is None


@pytest.mark.parametrize(
    "status", [Status.OUT_FOR_DELIVERY, Status.IN_TRANSIT, Status.REJECTED, Status.CANCELLED]
)
def test_an_order_not_signed_cannot_be_reviewed(customer_client, customer, status):
    order = OrderFactory(user=customer, status=status)

    response = post(customer_client, order)

    assert response.status_code == 409
    assert response.json()["error"] == "not_signed"
    assert_nothing_stored()


def test_signed_exactly_60_days_ago_may_still_be_reviewed(customer_client, customer):
    order = signed_order(user=customer, signed_at=NOW - WINDOW)

    assert post(customer_client, order).status_code == 201


def test_signed_60_days_less_a_second_ago_may_be_reviewed(customer_client, customer):
    order = signed_order(user=customer, signed_at=NOW - WINDOW + timedelta(seconds=1))

    assert post(customer_client, order).status_code == 201


def test_signed_60_days_and_a_second_ago_is_too_late(customer_client, customer):
    order = signed_order(user=customer, signed_at=NOW - WINDOW - timedelta(seconds=1))

    response = post(customer_client, order)

    assert response.status_code == 409
    assert response.json()["error"] == "review_window_closed"
    assert_nothing_stored()


def test_the_window_counts_from_the_carriers_signed_time_not_the_status_row(customer_client, customer):
    # The carrier's order.signed says 61 days ago, although the platform recorded it only now.
    order = signed_order(user=customer, signed_at=NOW - timedelta(days=61))
    order.status_changed_at = NOW
    order.save(update_fields=["status_changed_at"])

    assert post(customer_client, order).json()["error"] == "review_window_closed"


def test_someone_elses_order_is_not_found(customer_client, other_customer):
    order = signed_order(user=other_customer)

    response = post(customer_client, order)

    assert response.status_code == 404
    assert_nothing_stored()


def test_a_second_review_is_refused(customer_client, customer):
    order = signed_order(user=customer)
    assert post(customer_client, order).status_code == 201

    response = post(customer_client, order, text="再评一次")

    assert response.status_code == 409
    assert response.json()["error"] == "already_reviewed"
    assert Review.objects.count() == 1


def test_signed_out_is_refused(api_client, customer):
    order = signed_order(user=customer)

    assert post(api_client, order).status_code == 401
    assert_nothing_stored()


@pytest.mark.parametrize(
    "field,value",
    [("carrier_rating", 0), ("carrier_rating", 6), ("platform_rating", "x"), ("platform_rating", "")],
)
def test_ratings_must_be_1_to_5(customer_client, customer, field, value):
    order = signed_order(user=customer)

    response = post(customer_client, order, **{field: value})

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert_nothing_stored()


def test_errors_are_in_the_users_language(customer_client, customer):
    order = signed_order(user=customer)

    response = customer_client.post(
        url(order),
        {"carrier_rating": 9, "platform_rating": 5},
        format="multipart",
        headers={"accept-language": "en"},
    )

    assert response.json() == {"carrier_rating": ["Give a rating from 1 to 5."]}


def test_text_over_1000_characters_is_refused(customer_client, customer):
    order = signed_order(user=customer)

    response = post(customer_client, order, text="好" * 1001)

    assert response.status_code == 400
    assert list(response.json()) == ["text"]


# --- photos -----------------------------------------------------------------------------------


def test_five_photos_are_stored_reencoded_with_thumbnails(customer_client, customer):
    order = signed_order(user=customer)
    photos = [
        upload(image_bytes("JPEG"), "a.jpg"),
        upload(image_bytes("PNG"), "b.png", "image/png"),
        upload(image_bytes("WEBP"), "c.webp", "image/webp"),
        upload(image_bytes("JPEG", size=(1200, 800)), "d.jpg"),
        upload(image_bytes("PNG", size=(10, 10)), "e.png", "image/png"),
    ]

    response = post(customer_client, order, photos=photos)

    assert response.status_code == 201
    stored = list(ReviewPhoto.objects.order_by("position"))
    assert [p.source_format for p in stored] == ["jpeg", "png", "webp", "jpeg", "png"]
    for photo in stored:
        with default_storage.open(photo.image.name) as f:
            assert Image.open(f).format == "JPEG"
    big = stored[3]
    assert (big.width, big.height) == (1200, 800)
    with default_storage.open(big.thumbnail.name) as f:
        assert Image.open(f).size == (320, 213)


def test_five_photos_of_the_maximum_size_fit_in_one_request(customer_client, customer, settings):
    """REQUEST_MAX_BYTES leaves room for a review with every photo at its limit (5 × 10 MiB)."""
    order = signed_order(user=customer)
    photo = image_bytes("JPEG")
    full = photo + b"\x00" * (MAX_BYTES - len(photo))  # decoders stop at the image's end marker
    assert MAX_PHOTOS * MAX_BYTES < settings.REQUEST_MAX_BYTES

    response = post(customer_client, order, photos=[upload(full, f"{i}.jpg") for i in range(MAX_PHOTOS)])

    assert response.status_code == 201
    assert ReviewPhoto.objects.count() == MAX_PHOTOS


def test_a_report_body_goes_through_the_bounded_json_parser(customer_client, other_customer):
    review = ReviewFactory(user=other_customer)

    response = customer_client.post(
        f"/api/v1/reviews/{review.pk}/report/", data=b'{"reason": NaN}', content_type="application/json"
    )

    assert response.status_code == 400
    assert review.reports.count() == 0


def test_a_sixth_photo_is_refused(customer_client, customer):
    order = signed_order(user=customer)

    response = post(customer_client, order, photos=[upload(image_bytes(), f"{i}.jpg") for i in range(6)])

    assert response.status_code == 400
    assert response.json() == {"photos": ["每条评价最多 5 张照片。"]}
    assert_nothing_stored()


def test_a_text_file_renamed_to_jpg_is_refused(customer_client, customer):
    order = signed_order(user=customer)
    fake = upload(b"just some notes, not a picture\n" * 10, "holiday.jpg", "image/jpeg")

    response = post(customer_client, order, photos=[upload(image_bytes(), "ok.jpg"), fake])

    assert response.status_code == 400
    assert list(response.json()) == ["photos"]
    assert_nothing_stored()


def test_a_gif_is_refused_even_though_it_is_an_image(customer_client, customer):
    order = signed_order(user=customer)

    response = post(customer_client, order, photos=[upload(image_bytes("GIF"), "x.jpg")])

    assert response.status_code == 400


def test_an_oversized_file_is_refused(customer_client, customer, settings):
    order = signed_order(user=customer)
    big = image_bytes("PNG") + b"\x00" * (10 * 1024 * 1024)

    response = post(customer_client, order, photos=[upload(big, "big.png", "image/png")])

    assert response.status_code == 400
    assert "10 MB" in response.json()["photos"][0]
    assert_nothing_stored()


def test_a_decompression_bomb_is_refused_without_decoding_it(customer_client, customer):
    order = signed_order(user=customer)

    response = post(customer_client, order, photos=[upload(png_bomb(), "bomb.png", "image/png")])

    assert response.status_code == 400
    assert "40" in response.json()["photos"][0]
    assert_nothing_stored()


def test_a_heic_photo_from_a_phone_is_accepted(customer_client, customer):
    order = signed_order(user=customer)

    response = post(
        customer_client, order, photos=[upload(image_bytes("HEIF"), "IMG_0001.HEIC", "image/heic")]
    )

    assert response.status_code == 201
    photo = ReviewPhoto.objects.get()
    assert photo.source_format == "heif"
    with default_storage.open(photo.image.name) as f:
        assert Image.open(f).format == "JPEG"


def test_gps_and_every_other_metadata_block_are_gone_from_the_stored_file(customer_client, customer):
    order = signed_order(user=customer)
    original = image_bytes("JPEG", gps=True)
    assert Image.open(__import__("io").BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the upload has GPS

    assert post(customer_client, order, photos=[upload(original)]).status_code == 201

    photo = ReviewPhoto.objects.get()
    for name in (photo.image.name, photo.thumbnail.name):
        with default_storage.open(name) as f:
            data = f.read()
        stored = Image.open(__import__("io").BytesIO(data))
        assert dict(stored.getexif()) == {}
        assert stored.info.get("icc_profile") is None and "exif" not in stored.info
        assert b"Exif" not in data and b"GPS" not in data and b"http://ns.adobe.com/xap" not in data


def test_orientation_is_applied_before_the_metadata_goes(customer_client, customer):
    order = signed_order(user=customer)
    # 64 × 48 stored sideways: orientation 6 means "rotate 90° clockwise to view".
    assert (
        post(customer_client, order, photos=[upload(image_bytes("JPEG", orientation=6))]).status_code == 201
    )

    photo = ReviewPhoto.objects.get()
    assert (photo.width, photo.height) == (48, 64)


def test_uploaded_names_are_never_used_for_storage(customer_client, customer):
    order = signed_order(user=customer)

    post(customer_client, order, photos=[upload(image_bytes(), "../../etc/passwd.jpg")])

    photo = ReviewPhoto.objects.get()
    assert "passwd" not in photo.image.name and photo.image.name.startswith("reviews/")


# --- screening ----------------------------------------------------------------------------------


def test_a_review_that_the_screen_holds_is_pending_with_its_reasons(customer_client, customer):
    order = signed_order(user=customer)

    response = post(customer_client, order, text="好评返现，加我 vx: shop_abc123")

    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    review = Review.objects.get()
    assert review.queued_at == NOW and review.published_at is None
    assert review.screening_reasons == [
        {"code": "banned_term", "category": "paid_praise", "term": "好评返现"},  # 返现 inside it adds nothing
        {"code": "wechat", "category": "", "term": "vx: shop_abc123"},
    ]


def test_a_pending_review_is_not_public(api_client, customer):
    review = ReviewFactory(user=customer, status=ReviewStatus.PENDING)

    response = api_client.get(f"/api/v1/carriers/{review.carrier.code}/reviews/")

    assert response.json()["results"] == []


# --- restrictions (DESIGN §6) ---------------------------------------------------------------------


def test_a_user_restricted_from_reviewing_gets_403_with_reason_and_end(customer_client, customer):
    order = signed_order(user=customer)
    restriction_apply(
        user=customer,
        scope=RestrictionScope.REVIEWING,
        reason="多次恶意评价",
        ends_at=NOW + timedelta(days=7),
    )

    response = post(customer_client, order)

    assert response.status_code == 403
    body = response.json()
    assert (body["code"], body["scope"], body["reason"]) == ("restricted", "reviewing", "多次恶意评价")
    assert datetime.fromisoformat(body["ends_at"]) == NOW + timedelta(days=7)
    assert_nothing_stored()


def test_an_ordering_restriction_does_not_stop_reviews(customer_client, customer):
    order = signed_order(user=customer)
    restriction_apply(
        user=customer, scope=RestrictionScope.ORDERING, reason="频繁取消", ends_at=NOW + timedelta(days=1)
    )

    assert post(customer_client, order).status_code == 201
