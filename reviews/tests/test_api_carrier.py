"""The carrier's review endpoints, signed like callbacks: one reply, complaints, only its own reviews."""

import json

import pytest
from django.utils import timezone

from carriers.services import carrier_credentials_rotate
from carriers.webhooks import sign_payload
from reviews.models import CarrierReply, Complaint, ComplaintStatus, ReplyStatus, Review
from reviews.tests.factories import ReviewFactory

pytestmark = pytest.mark.django_db

REPLY = "/api/v1/carriers/{code}/reviews/{id}/reply/"
COMPLAINTS = "/api/v1/carriers/{code}/reviews/{id}/complaints/"


class Signed:
    def __init__(self, client, carrier, secret):
        self.client, self.carrier, self.secret, self.n = client, carrier, secret, 0

    def post(self, template: str, review_id: int, payload: dict, *, secret: str | None = None):
        return self.post_raw(
            template, review_id, json.dumps(payload, ensure_ascii=False).encode(), secret=secret
        )

    def post_raw(self, template: str, review_id: int, body: bytes, *, secret: str | None = None):
        self.n += 1
        headers = sign_payload(
            secret=secret or self.secret, msg_id=f"msg_review_{self.n}", timestamp=timezone.now(), body=body
        )
        return self.client.post(
            template.format(code=self.carrier.code, id=review_id),
            data=body,
            content_type="application/json",
            headers=headers,
        )


@pytest.fixture
def as_carrier(api_client, carrier):
    return Signed(api_client, carrier, carrier_credentials_rotate(carrier=carrier))


@pytest.fixture
def review(customer, carrier):
    return ReviewFactory(user=customer, carrier=carrier)


def test_the_carrier_replies_once(as_carrier, review):
    response = as_carrier.post(REPLY, review.pk, {"text": "感谢您的认可，我们会继续努力！"})

    assert response.status_code == 201
    reply = CarrierReply.objects.get()
    assert response.json() == {"id": reply.pk, "status": "published"}
    assert (reply.review, reply.carrier, reply.status) == (review, review.carrier, ReplyStatus.PUBLISHED)


def test_a_second_reply_is_409_and_changes_nothing(as_carrier, review):
    as_carrier.post(REPLY, review.pk, {"text": "感谢您的认可"})

    response = as_carrier.post(REPLY, review.pk, {"text": "再次感谢"})

    assert response.status_code == 409
    assert response.json()["error"] == "already_replied"
    assert list(CarrierReply.objects.values_list("text", flat=True)) == ["感谢您的认可"]


def test_a_bad_signature_is_401(as_carrier, review, other_carrier):
    wrong = carrier_credentials_rotate(carrier=other_carrier)

    response = as_carrier.post(REPLY, review.pk, {"text": "感谢"}, secret=wrong)

    assert response.status_code == 401
    assert CarrierReply.objects.count() == 0


def test_a_bad_signature_on_a_complaint_is_401(as_carrier, review, other_carrier):
    wrong = carrier_credentials_rotate(carrier=other_carrier)

    response = as_carrier.post(COMPLAINTS, review.pk, {"reason": "恶意差评"}, secret=wrong)

    assert response.status_code == 401
    assert Complaint.objects.count() == 0


def test_another_carriers_review_is_404(as_carrier, customer, other_carrier):
    theirs = ReviewFactory(user=customer, carrier=other_carrier)

    assert as_carrier.post(REPLY, theirs.pk, {"text": "感谢"}).status_code == 404
    assert as_carrier.post(COMPLAINTS, theirs.pk, {"reason": "恶意"}).status_code == 404
    assert CarrierReply.objects.count() == 0 and Complaint.objects.count() == 0


def test_an_unknown_review_is_404(as_carrier):
    assert as_carrier.post(REPLY, 999999, {"text": "感谢"}).status_code == 404


def test_a_reply_with_contact_details_is_held_for_moderation(as_carrier, review):
    response = as_carrier.post(REPLY, review.pk, {"text": "有问题请拨打 138-0013-8000 联系我们"})

    assert response.json()["status"] == "pending"
    reply = CarrierReply.objects.get()
    assert [r["code"] for r in reply.screening_reasons] == ["phone"]


def test_an_empty_reply_is_400(as_carrier, review):
    response = as_carrier.post(REPLY, review.pk, {"text": "  "})

    assert response.status_code == 400
    assert list(response.json()) == ["text"]


def test_a_complaint_with_evidence_puts_the_review_in_the_queue(as_carrier, review):
    response = as_carrier.post(
        COMPLAINTS,
        review.pk,
        {"reason": "评价与事实不符", "evidence": "签收照片：https://carrier.example/p/1"},
    )

    assert response.status_code == 201
    complaint = Complaint.objects.get()
    assert response.json() == {"id": complaint.pk, "status": "open"}
    assert (complaint.reason, complaint.status) == ("评价与事实不符", ComplaintStatus.OPEN)
    assert complaint.evidence == "签收照片：https://carrier.example/p/1"
    assert Review.objects.get().queued_at is not None


def test_a_complaint_needs_a_reason(as_carrier, review):
    response = as_carrier.post(COMPLAINTS, review.pk, {"evidence": "x"})

    assert response.status_code == 400
    assert list(response.json()) == ["reason"]
    assert Complaint.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        b'{"text": NaN}',
        b'{"text": "\\u0000"}',
        b'{"reason": ' + b'{"a": ' * 40 + b"1" + b"}" * 40 + b', "evidence": "x"}',
        '{"text": "好"}'.encode("gbk"),
    ],
    ids=["nan", "nul", "too-deep", "not-utf8"],
)
@pytest.mark.parametrize("template", [REPLY, COMPLAINTS], ids=["reply", "complaint"])
def test_reply_and_complaint_bodies_go_through_the_bounded_json_parser(as_carrier, review, template, body):
    response = as_carrier.post_raw(template, review.pk, body)

    assert response.status_code == 400
    assert CarrierReply.objects.count() == 0
    assert Complaint.objects.count() == 0


def test_an_oversized_reply_body_is_413(as_carrier, review, settings):
    body = json.dumps({"text": "好" * (settings.API_JSON_MAX_BYTES // 3 + 10)}, ensure_ascii=False).encode()

    response = as_carrier.post_raw(REPLY, review.pk, body)

    assert response.status_code == 413
    assert CarrierReply.objects.count() == 0
