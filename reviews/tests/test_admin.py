"""The moderation desk through the admin's own views, as a member of the ``moderators`` group."""

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Violation, ViolationKind
from notifications.models import Notification
from reviews.models import (
    CarrierReply,
    Complaint,
    ComplaintStatus,
    ModerationLog,
    ReplyStatus,
    ReviewPhoto,
    ReviewReport,
    ReviewStatus,
)
from reviews.screening import screen_text
from reviews.tests.factories import ReviewFactory

pytestmark = pytest.mark.django_db

REVIEWS = "/admin/reviews/review/"
QUEUE = "/admin/reviews/queuedreview/"
COMPLAINTS = "/admin/reviews/complaint/"
REPLIES = "/admin/reviews/carrierreply/"


def act(client, url, action, objects, reason=None):
    data = {"action": action, ACTION_CHECKBOX_NAME: [str(o.pk) for o in objects], "index": "0"}
    if reason is not None:
        data.update({"apply": "1", "reason": reason})
    return client.post(url, data)


def pending(user, **fields):
    fields.setdefault("queued_at", timezone.now())
    return ReviewFactory(user=user, status=ReviewStatus.PENDING, published_at=None, **fields)


# --- the queue ----------------------------------------------------------------------------------


def test_the_queue_holds_pending_reported_and_complained_reviews_oldest_first(desk, customer, other_customer):
    now = timezone.now()
    held = pending(
        customer,
        queued_at=now - timedelta(hours=1),
        screening_reasons=[{"code": "phone", "category": "", "term": "x"}],
    )
    reported = ReviewFactory(user=other_customer, queued_at=now - timedelta(hours=3))
    ReviewReport.objects.create(review=reported, user=customer, reason="广告")
    complained = ReviewFactory(user=customer, queued_at=now - timedelta(hours=2))
    Complaint.objects.create(review=complained, carrier=complained.carrier, reason="恶意")
    ReviewFactory(user=customer)  # published, nobody asked: not in the queue

    response = desk.get(QUEUE)

    assert response.status_code == 200
    assert [r.pk for r in response.context["cl"].result_list] == [reported.pk, complained.pk, held.pk]
    page = response.content.decode()
    assert "含有电话号码" in page  # the reason in plain words
    assert "被举报：广告" in page and "恶意" in page
    assert held.order.number in page and str(held.carrier) in page


def test_the_changelists_issue_a_constant_number_of_queries(desk, customer, carrier):
    def count(url) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert desk.get(url).status_code == 200
        return len(ctx.captured_queries)

    def add_review():
        review = pending(customer, carrier=carrier)
        for position in range(2):
            ReviewPhoto.objects.create(
                review=review,
                position=position,
                image="r/a.jpg",
                thumbnail="r/a-t.jpg",
                width=1,
                height=1,
                source_format="jpeg",
            )
        ReviewReport.objects.create(review=review, user=review.user, reason="x")
        Complaint.objects.create(review=review, carrier=carrier, reason="恶意")

    add_review()
    few = {url: count(url) for url in (QUEUE, REVIEWS, COMPLAINTS)}
    for _ in range(12):
        add_review()

    assert {url: count(url) for url in (QUEUE, REVIEWS, COMPLAINTS)} == few


# --- review actions -----------------------------------------------------------------------------


def test_an_action_first_asks_for_the_reason(desk, customer):
    review = pending(customer)

    response = act(desk, QUEUE, "approve_reviews", [review])

    assert response.status_code == 200
    assert b'name="reason"' in response.content
    review.refresh_from_db()
    assert review.status == ReviewStatus.PENDING
    assert ModerationLog.objects.count() == 0


def test_a_blank_reason_changes_nothing(desk, customer):
    review = pending(customer)

    response = act(desk, QUEUE, "approve_reviews", [review], reason="   ")

    assert response.status_code == 200 and b"errorlist" in response.content
    review.refresh_from_db()
    assert review.status == ReviewStatus.PENDING
    assert ModerationLog.objects.count() == 0


def test_approve_in_bulk_publishes_logs_and_tells_each_author(desk, desk_moderator, customer, other_customer):
    first, second = pending(customer), pending(other_customer)

    response = act(desk, QUEUE, "approve_reviews", [first, second], reason="内容正常")

    assert response.status_code == 302
    for review in (first, second):
        review.refresh_from_db()
        assert review.status == ReviewStatus.PUBLISHED and review.queued_at is None
        assert review.published_at is not None and review.moderation_reason == "内容正常"
    log = list(
        ModerationLog.objects.order_by("id").values_list(
            "review_ref", "actor", "action", "old_status", "new_status", "reason"
        )
    )
    assert log == [
        (first.pk, desk_moderator.pk, "approve", "pending", "published", "内容正常"),
        (second.pk, desk_moderator.pk, "approve", "pending", "published", "内容正常"),
    ]
    notice = Notification.objects.get(user=customer)
    assert (notice.kind, notice.order_id) == ("review_moderated", first.order_id)
    assert notice.title == "您的评价已发布"
    assert "内容正常" in notice.body


@pytest.mark.parametrize(
    "action,status,title",
    [
        ("hide_reviews", ReviewStatus.HIDDEN, "您的评价已被隐藏"),
        ("remove_reviews", ReviewStatus.REMOVED, "您的评价已被删除"),
    ],
)
def test_hide_and_remove_tell_the_author_why(desk, customer, action, status, title):
    review = ReviewFactory(user=customer)

    act(desk, REVIEWS, action, [review], reason="含有与订单无关的图片")

    review.refresh_from_db()
    assert review.status == status and review.moderation_reason == "含有与订单无关的图片"
    notice = Notification.objects.get(user=customer)
    assert notice.title == title and "含有与订单无关的图片" in notice.body


def test_restore_brings_back_only_hidden_or_removed_reviews(desk, customer, other_customer):
    hidden = ReviewFactory(user=customer, status=ReviewStatus.HIDDEN)
    published = ReviewFactory(user=other_customer)

    act(desk, REVIEWS, "restore_reviews", [hidden, published], reason="申诉成立")

    hidden.refresh_from_db()
    published.refresh_from_db()
    assert hidden.status == ReviewStatus.PUBLISHED and published.status == ReviewStatus.PUBLISHED
    assert list(ModerationLog.objects.values_list("review_ref", "action")) == [(hidden.pk, "restore")]


def test_approving_a_reported_review_closes_its_reports_without_a_notice(desk, customer, other_customer):
    review = ReviewFactory(user=customer, queued_at=timezone.now())
    ReviewReport.objects.create(review=review, user=other_customer, reason="广告")

    act(desk, QUEUE, "approve_reviews", [review], reason="举报不成立")

    review.refresh_from_db()
    assert review.queued_at is None and review.status == ReviewStatus.PUBLISHED
    assert ReviewReport.objects.get().handled_at is not None
    assert Notification.objects.count() == 0


# --- complaints ---------------------------------------------------------------------------------


def test_upholding_a_complaint_hides_the_review_and_records_a_violation(desk, desk_moderator, customer):
    review = ReviewFactory(user=customer, queued_at=timezone.now())
    complaint = Complaint.objects.create(
        review=review, carrier=review.carrier, reason="恶意差评", evidence="录音"
    )

    act(desk, COMPLAINTS, "uphold_complaints", [complaint], reason="评价与事实不符")

    complaint.refresh_from_db()
    review.refresh_from_db()
    assert complaint.status == ComplaintStatus.UPHELD and complaint.resolved_by == desk_moderator
    assert review.status == ReviewStatus.HIDDEN and review.queued_at is None
    violation = Violation.objects.get()
    assert (
        violation.user,
        violation.kind,
        violation.order,
        violation.review,
        violation.recorded_by,
        violation.carrier,
    ) == (
        customer,
        ViolationKind.MALICIOUS_REVIEW,
        review.order,
        review,
        desk_moderator,
        review.carrier,
    )
    assert list(ModerationLog.objects.order_by("id").values_list("action", flat=True)) == [
        "hide",
        "uphold",
    ]
    assert Notification.objects.get(user=customer).title == "您的评价已被隐藏"


def test_the_violation_admin_shows_the_review_it_is_about(client, moderator, desk, customer):
    review = ReviewFactory(user=customer, queued_at=timezone.now())
    complaint = Complaint.objects.create(review=review, carrier=review.carrier, reason="恶意差评")
    act(desk, COMPLAINTS, "uphold_complaints", [complaint], reason="评价与事实不符")
    violation = Violation.objects.get()
    client.force_login(moderator)

    listing = client.get("/admin/accounts/violation/").content.decode()
    page = client.get(f"/admin/accounts/violation/{violation.pk}/change/").content.decode()

    assert f'<td class="field-review nowrap">{review}</td>' in listing
    assert f'<a href="/admin/reviews/review/{review.pk}/change/">{review}</a>' in page


def test_dismissing_a_complaint_leaves_the_review_public(desk, customer):
    review = ReviewFactory(user=customer, queued_at=timezone.now())
    complaint = Complaint.objects.create(review=review, carrier=review.carrier, reason="差评")

    act(desk, COMPLAINTS, "dismiss_complaints", [complaint], reason="属于正常评价")

    complaint.refresh_from_db()
    review.refresh_from_db()
    assert complaint.status == ComplaintStatus.DISMISSED and complaint.resolution == "属于正常评价"
    assert review.status == ReviewStatus.PUBLISHED and review.queued_at is None
    assert Violation.objects.count() == 0
    assert list(ModerationLog.objects.values_list("action", flat=True)) == ["dismiss"]


# --- replies ------------------------------------------------------------------------------------


def test_a_held_reply_is_published_or_removed(desk, customer):
    review = ReviewFactory(user=customer)
    held = CarrierReply.objects.create(
        review=review, carrier=review.carrier, text="请致电", status=ReplyStatus.PENDING
    )

    act(desk, REPLIES, "approve_replies", [held], reason="无联系方式")
    held.refresh_from_db()
    assert held.status == ReplyStatus.PUBLISHED

    act(desk, REPLIES, "remove_replies", [held], reason="复核后删除")
    held.refresh_from_db()
    assert held.status == ReplyStatus.REMOVED
    assert list(ModerationLog.objects.order_by("id").values_list("action", flat=True)) == [
        "approve_reply",
        "remove_reply",
    ]


# --- the log and the desk's limits --------------------------------------------------------------


@pytest.fixture
def log_row(customer, desk_moderator):
    review = ReviewFactory(user=customer)
    return ModerationLog.objects.create(
        review=review, review_ref=review.pk, actor=desk_moderator, action="hide", reason="x"
    )


@pytest.mark.parametrize("who", ["desk_moderator", "moderator"])  # moderator: a superuser
def test_nobody_edits_or_deletes_the_log_in_the_admin(client, request, log_row, who):
    client.force_login(request.getfixturevalue(who))
    change = f"/admin/reviews/moderationlog/{log_row.pk}/change/"

    assert client.get("/admin/reviews/moderationlog/").status_code == 200
    page = client.get(change)
    assert page.status_code == 200 and b'name="reason"' not in page.content  # read-only
    assert client.post(change, {"reason": "改写"}).status_code == 403
    assert (
        client.post(f"/admin/reviews/moderationlog/{log_row.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert client.get("/admin/reviews/moderationlog/add/").status_code == 403
    log_row.refresh_from_db()
    assert log_row.reason == "x"


def test_reviews_cannot_be_deleted_or_edited_directly(desk, customer):
    review = ReviewFactory(user=customer)

    assert desk.post(f"{REVIEWS}{review.pk}/delete/", {"post": "yes"}).status_code == 403
    assert desk.post(f"{REVIEWS}{review.pk}/change/", {"text": "改"}).status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "/admin/carriers/carrier/",
        "/admin/accounts/user/",
        "/admin/orders/order/",
        "/admin/auth/group/",
        "/admin/prohibited/section/",
    ],
)
def test_a_moderator_may_do_nothing_else(desk, url):
    assert desk.get(url).status_code == 403


def test_the_moderators_group_has_exactly_the_desks_permissions():
    group = Group.objects.get(name="moderators")

    assert sorted(group.permissions.values_list("content_type__app_label", "codename")) == sorted(
        ("reviews", codename)
        for codename in [
            "view_review",
            "moderate_review",
            "view_queuedreview",
            "view_reviewphoto",
            "view_reviewreport",
            "view_carrierreply",
            "change_carrierreply",
            "view_complaint",
            "change_complaint",
            "view_moderationlog",
            "view_bannedterm",
            "add_bannedterm",
            "change_bannedterm",
            "delete_bannedterm",
        ]
    )


def test_a_moderator_edits_the_banned_terms(desk):
    response = desk.post(
        "/admin/reviews/bannedterm/add/", {"category": "insults", "term": "黑心快递", "active": "on"}
    )

    assert response.status_code == 302
    assert [r.term for r in screen_text("真是黑心快递")] == ["黑心快递"]


# --- finding things -----------------------------------------------------------------------------


def test_complaints_replies_and_the_log_are_searchable(desk, customer, other_customer):
    review, other = ReviewFactory(user=customer), ReviewFactory(user=other_customer)
    complaint = Complaint.objects.create(review=review, carrier=review.carrier, reason="竞争对手恶意差评")
    Complaint.objects.create(review=other, carrier=other.carrier, reason="与事实不符")
    reply = CarrierReply.objects.create(
        review=review, carrier=review.carrier, text="已联系客户", status=ReplyStatus.PUBLISHED
    )
    CarrierReply.objects.create(
        review=other, carrier=other.carrier, text="感谢", status=ReplyStatus.PUBLISHED
    )
    act(desk, REVIEWS, "hide_reviews", [review], reason="含联系方式")
    act(desk, REVIEWS, "hide_reviews", [other], reason="广告")

    def found(url, q):
        response = desk.get(url, {"q": q})
        assert response.status_code == 200
        return [o.pk for o in response.context["cl"].result_list]

    assert found(COMPLAINTS, "恶意") == [complaint.pk]
    assert found(COMPLAINTS, review.order.number) == [complaint.pk]
    assert found(REPLIES, "联系") == [reply.pk]
    assert found(REPLIES, str(review.pk)) == [reply.pk]
    logged = ModerationLog.objects.get(review_ref=review.pk).pk
    assert found("/admin/reviews/moderationlog/", str(review.pk)) == [logged]
    assert found("/admin/reviews/moderationlog/", "联系方式") == [logged]
