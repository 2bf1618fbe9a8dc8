"""Writes of reviews (DESIGN §8): writing one, reporting, carrier replies and complaints, moderation.

Every status change of a review goes through ``_move``: the legal-move table, a compare-and-swap on
the status, a log row, the author's notice. The admin's actions and the complaint resolution call
these services; nothing else writes a review's status.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import RestrictionScope, ViolationKind
from accounts.services.restrictions import restriction_check
from accounts.services.violations import violation_record
from notifications.models import Kind
from notifications.services import notify
from orders.models import Order, OrderEvent, Status

from .models import (
    RATING_MAX,
    RATING_MIN,
    CarrierReply,
    Complaint,
    ComplaintStatus,
    ModerationAction,
    ModerationLog,
    ReplyStatus,
    Review,
    ReviewPhoto,
    ReviewReport,
    ReviewStatus,
)
from .photos import ProcessedPhoto, photos_process
from .screening import screen_text

REVIEW_WINDOW = timedelta(days=60)
TEXT_MAX = 1000
REASON_MAX = 500


class ReviewRefused(Exception):
    """The order cannot be reviewed (409): ``code`` is stable, the message is for people."""

    def __init__(self, code: str, message):
        super().__init__(str(message))
        self.code = code
        self.message = message


def order_signed_at(order: Order) -> datetime | None:
    """When the carrier says the parcel was signed for: ``occurred_at`` of its ``order.signed``."""
    return OrderEvent.objects.filter(order=order, new_status=Status.SIGNED).aggregate(at=Max("occurred_at"))[
        "at"
    ]


def review_eligibility(*, order: Order, user, now: datetime | None = None) -> ReviewRefused | None:
    """The reason ``user`` may not review ``order`` now, or None. The caller has checked ownership."""
    now = now or timezone.now()
    if order.status != Status.SIGNED:
        return ReviewRefused("not_signed", _("Only a signed-for order can be reviewed."))
    signed_at = order_signed_at(order)
    if signed_at is None or now - signed_at > REVIEW_WINDOW:
        return ReviewRefused(
            "review_window_closed", _("Orders can be reviewed within 60 days of being signed for.")
        )
    if Review.objects.filter(order=order).exists():
        return ReviewRefused("already_reviewed", _("You have already reviewed this order."))
    return None


def _check_rating(value, field: str) -> int:
    try:
        rating = int(value)
    except (TypeError, ValueError):
        rating = 0
    if str(value).strip() != str(rating) or not RATING_MIN <= rating <= RATING_MAX:
        raise ValidationError({field: _("Give a rating from 1 to 5.")}, code="invalid_rating")
    return rating


def _save_photos(review: Review, photos: Sequence[ProcessedPhoto]) -> None:
    for position, photo in enumerate(photos):
        row = ReviewPhoto(
            review=review,
            position=position,
            width=photo.width,
            height=photo.height,
            source_format=photo.source_format,
        )
        row.image.save(f"{photo.name}.jpg", ContentFile(photo.image), save=False)
        row.thumbnail.save(f"{photo.name}-thumb.jpg", ContentFile(photo.thumbnail), save=False)
        row.save()


def _delete_files(review_photos: Iterable[ReviewPhoto]) -> None:
    for photo in review_photos:
        for field in (photo.image, photo.thumbnail):
            if field.name:
                field.storage.delete(field.name)


def review_create(
    *,
    order: Order,
    user,
    carrier_rating,
    platform_rating,
    text: str = "",
    photos: Sequence = (),
    now: datetime | None = None,
) -> Review:
    """The owner reviews a signed order once (000 5.3.1). Published at once unless the screen holds
    it for a moderator (000 5.3.2).

    Raises ``Restricted`` (the user may not review at all), ``ReviewRefused`` (this order may not be
    reviewed now) or ``ValidationError`` (bad input); either way nothing is stored.
    """
    now = now or timezone.now()
    if order.user_id != user.pk:
        raise Order.DoesNotExist("not the owner's order")
    # A reviewing restriction (DESIGN §6) refuses with accounts' Restricted: 403 with reason and end.
    restriction_check(user=user, scope=RestrictionScope.REVIEWING, now=now)
    errors: dict[str, list] = {}
    ratings = {}
    for field, value in (("carrier_rating", carrier_rating), ("platform_rating", platform_rating)):
        try:
            ratings[field] = _check_rating(value, field)
        except ValidationError as error:
            errors.update(error.message_dict)
    text = (text or "").strip()
    if len(text) > TEXT_MAX:
        errors["text"] = [_("At most %(n)d characters.") % {"n": TEXT_MAX}]
    if errors:
        raise ValidationError(errors)
    refusal = review_eligibility(order=order, user=user, now=now)
    if refusal:
        raise refusal
    try:
        processed = photos_process(list(photos))
    except ValidationError as error:
        raise ValidationError({"photos": error.messages}) from None

    reasons = [r.as_dict() for r in screen_text(text)]
    published = not reasons
    saved: list[ReviewPhoto] = []
    try:
        with transaction.atomic():
            # The order row lock makes "once per order" hold under concurrent posts.
            Order.objects.select_for_update().filter(pk=order.pk).exists()
            refusal = review_eligibility(order=order, user=user, now=now)
            if refusal:
                raise refusal
            review = Review.objects.create(
                order=order,
                user=user,
                carrier_id=order.carrier_id,
                carrier_rating=ratings["carrier_rating"],
                platform_rating=ratings["platform_rating"],
                text=text,
                status=ReviewStatus.PUBLISHED if published else ReviewStatus.PENDING,
                screening_reasons=reasons,
                queued_at=None if published else now,
                created_at=now,
                published_at=now if published else None,
            )
            _save_photos(review, processed)
            saved = list(review.photos.all())
    except IntegrityError:
        _delete_files(saved)
        raise ReviewRefused("already_reviewed", _("You have already reviewed this order.")) from None
    except ReviewRefused:
        _delete_files(saved)
        raise
    return review


def review_report(*, review: Review, user, reason: str, now: datetime | None = None) -> ReviewReport:
    """A signed-in user reports a published review; it goes back into the moderation queue."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you are reporting this review.")}, code="required")
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _("At most %(n)d characters.") % {"n": REASON_MAX}})
    if review.status != ReviewStatus.PUBLISHED:
        raise Review.DoesNotExist("only published reviews can be reported")
    try:
        with transaction.atomic():
            report = ReviewReport.objects.create(review=review, user=user, reason=reason, created_at=now)
    except IntegrityError:
        raise ReviewRefused("already_reported", _("You have already reported this review.")) from None
    Review.objects.filter(pk=review.pk, queued_at__isnull=True).update(queued_at=now)
    return report


def reply_create(*, review: Review, carrier, text: str, now: datetime | None = None) -> CarrierReply:
    """The carrier's one reply to a review of its order, screened like a review."""
    now = now or timezone.now()
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("This field is required.")}, code="required")
    if len(text) > TEXT_MAX:
        raise ValidationError({"text": _("At most %(n)d characters.") % {"n": TEXT_MAX}})
    if review.carrier_id != carrier.pk:
        raise Review.DoesNotExist("another carrier's review")
    reasons = [r.as_dict() for r in screen_text(text)]
    try:
        with transaction.atomic():
            return CarrierReply.objects.create(
                review=review,
                carrier=carrier,
                text=text,
                status=ReplyStatus.PENDING if reasons else ReplyStatus.PUBLISHED,
                screening_reasons=reasons,
                created_at=now,
            )
    except IntegrityError:
        raise ReviewRefused("already_replied", _("This review already has a reply.")) from None


def complaint_file(
    *, review: Review, carrier, reason: str, evidence: str = "", now: datetime | None = None
) -> Complaint:
    """A carrier complains that a review of its order is malicious (000 5.4.1)."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("This field is required.")}, code="required")
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _("At most %(n)d characters.") % {"n": REASON_MAX}})
    if len(evidence or "") > 4000:
        raise ValidationError({"evidence": _("At most %(n)d characters.") % {"n": 4000}})
    if review.carrier_id != carrier.pk:
        raise Review.DoesNotExist("another carrier's review")
    complaint = Complaint.objects.create(
        review=review, carrier=carrier, reason=reason, evidence=(evidence or "").strip(), created_at=now
    )
    Review.objects.filter(pk=review.pk, queued_at__isnull=True).update(queued_at=now)
    return complaint


# Moderation -----------------------------------------------------------------------------------

# action → (statuses it applies to, status it sets, the author's notice outcome)
MOVES = {
    ModerationAction.APPROVE: (
        {ReviewStatus.PENDING, ReviewStatus.PUBLISHED},
        ReviewStatus.PUBLISHED,
        "published",
    ),
    ModerationAction.HIDE: ({ReviewStatus.PENDING, ReviewStatus.PUBLISHED}, ReviewStatus.HIDDEN, "hidden"),
    ModerationAction.REMOVE: (
        {ReviewStatus.PENDING, ReviewStatus.PUBLISHED, ReviewStatus.HIDDEN},
        ReviewStatus.REMOVED,
        "removed",
    ),
    ModerationAction.RESTORE: (
        {ReviewStatus.HIDDEN, ReviewStatus.REMOVED},
        ReviewStatus.PUBLISHED,
        "restored",
    ),
}


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason for this moderation action."), code="reason_required")
    if len(reason) > REASON_MAX:
        raise ValidationError(_("At most %(n)d characters.") % {"n": REASON_MAX})
    return reason


def _move(
    review: Review, *, action: str, actor, reason: str, now: datetime, complaint: Complaint | None = None
) -> bool:
    allowed, target, outcome = MOVES[action]
    old = review.status
    if old not in allowed:
        return False
    fields = {"status": target, "moderation_reason": reason, "queued_at": None, "updated_at": now}
    if target == ReviewStatus.PUBLISHED and review.published_at is None:
        fields["published_at"] = now
    changed = Review.objects.filter(pk=review.pk, status=old).update(**fields)
    if not changed:
        return False
    for name, value in fields.items():
        setattr(review, name, value)
    ReviewReport.objects.filter(review=review, handled_at__isnull=True).update(handled_at=now)
    log = ModerationLog.objects.create(
        review=review,
        review_ref=review.pk,
        complaint=complaint,
        actor=actor,
        action=action,
        old_status=old,
        new_status=target,
        reason=reason,
        created_at=now,
    )
    # Approving a review that was public already (a report found nothing) tells nobody anything.
    if old != target:
        notify(
            user=review.user,
            kind=Kind.REVIEW_MODERATED,
            order=review.order,
            context={"outcome": outcome, "reason": reason, "number": review.order.number},
            dedupe_key=f"review-moderation:{log.pk}",
        )
    return True


def reviews_moderate(
    *, reviews: Iterable[Review], action: str, actor, reason: str, now: datetime | None = None
) -> int:
    """Approve, hide, remove or restore reviews, each with the moderator's reason; returns how many
    changed. Reviews the action does not apply to (restoring a published one) are left alone."""
    if action not in MOVES:
        raise ValueError(f"unknown moderation action {action!r}")
    reason = _clean_reason(reason)
    now = now or timezone.now()
    changed = 0
    with transaction.atomic():
        ids = [r.pk for r in reviews]
        locked = (
            Review.objects.select_for_update()
            .filter(pk__in=ids)
            .select_related("order", "user")
            .order_by("pk")
        )
        for review in locked:
            changed += _move(review, action=action, actor=actor, reason=reason, now=now)
    return changed


def _unqueue_if_settled(review: Review) -> None:
    """A published review leaves the queue once no report or complaint about it is open."""
    open_complaint = Complaint.objects.filter(review=OuterRef("pk"), status=ComplaintStatus.OPEN)
    open_report = ReviewReport.objects.filter(review=OuterRef("pk"), handled_at__isnull=True)
    Review.objects.filter(pk=review.pk, status=ReviewStatus.PUBLISHED).exclude(
        Exists(open_complaint)
    ).exclude(Exists(open_report)).update(queued_at=None)


def complaints_resolve(
    *, complaints: Iterable[Complaint], upheld: bool, actor, reason: str, now: datetime | None = None
) -> int:
    """Uphold (the review is hidden and a 6.1.2 violation is recorded on its author) or dismiss open
    complaints; returns how many were resolved."""
    reason = _clean_reason(reason)
    now = now or timezone.now()
    resolved = 0
    with transaction.atomic():
        ids = [c.pk for c in complaints]
        rows = (
            Complaint.objects.select_for_update()
            .filter(pk__in=ids, status=ComplaintStatus.OPEN)
            .select_related("review__order", "review__user", "carrier")
            .order_by("pk")
        )
        for complaint in rows:
            review = complaint.review
            before = review.status
            complaint.status = ComplaintStatus.UPHELD if upheld else ComplaintStatus.DISMISSED
            complaint.resolution = reason
            complaint.resolved_by = actor
            complaint.resolved_at = now
            complaint.save(update_fields=["status", "resolution", "resolved_by", "resolved_at"])
            if upheld:
                _move(
                    review,
                    action=ModerationAction.HIDE,
                    actor=actor,
                    reason=reason,
                    now=now,
                    complaint=complaint,
                )
                violation_record(
                    user=review.user,
                    kind=ViolationKind.MALICIOUS_REVIEW,
                    note=f"review #{review.pk}: {reason}",
                    order=review.order,
                    review=review,
                    recorded_by=actor,
                    carrier=complaint.carrier,
                )
            else:
                _unqueue_if_settled(review)
            ModerationLog.objects.create(
                review=review,
                review_ref=review.pk,
                complaint=complaint,
                actor=actor,
                action=ModerationAction.UPHOLD if upheld else ModerationAction.DISMISS,
                old_status=before,
                new_status=review.status,
                reason=reason,
                created_at=now,
            )
            resolved += 1
    return resolved


def replies_moderate(
    *, replies: Iterable[CarrierReply], approve: bool, actor, reason: str, now: datetime | None = None
) -> int:
    """Publish a held carrier reply, or remove one; logged like review moderation."""
    reason = _clean_reason(reason)
    now = now or timezone.now()
    target = ReplyStatus.PUBLISHED if approve else ReplyStatus.REMOVED
    changed = 0
    with transaction.atomic():
        for reply in (
            CarrierReply.objects.select_for_update().filter(pk__in=[r.pk for r in replies]).order_by("pk")
        ):
            if reply.status == target:
                continue
            old = reply.status
            reply.status = target
            reply.save(update_fields=["status"])
            ModerationLog.objects.create(
                review_id=reply.review_id,
                review_ref=reply.review_id,
                actor=actor,
                action=ModerationAction.APPROVE_REPLY if approve else ModerationAction.REMOVE_REPLY,
                old_status=old,
                new_status=target,
                reason=reason,
                created_at=now,
            )
            changed += 1
    return changed
