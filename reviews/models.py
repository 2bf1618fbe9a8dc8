"""Reviews of signed orders, their photos, carrier replies and complaints, reports, and the moderation
desk's log and banned terms (DESIGN §8; 000 五 5.1–5.4, 6.1.2)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carriers.models import Carrier
from orders.models import Order

RATING_MIN, RATING_MAX = 1, 5


class ReviewStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")
    PENDING = "pending", _("Pending moderation")
    HIDDEN = "hidden", _("Hidden")
    REMOVED = "removed", _("Removed")


class Review(models.Model):
    """One review per order, by its owner: a carrier rating, a platform rating, text and photos."""

    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, related_name="review", verbose_name=_("order")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("author")
    )
    carrier = models.ForeignKey(
        Carrier, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("carrier")
    )
    carrier_rating = models.PositiveSmallIntegerField(_("carrier rating"))
    platform_rating = models.PositiveSmallIntegerField(_("platform rating"))
    text = models.TextField(_("text"), max_length=1000, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING, db_index=True
    )
    # Why the automatic screen held the review: [{"code", "category", "term"}] (see reviews.screening).
    screening_reasons = models.JSONField(_("screening reasons"), default=list, blank=True)
    # The moderator's reason for the current status (shown to the author when hidden or removed).
    moderation_reason = models.CharField(_("moderation reason"), max_length=500, blank=True)
    # Since when the review waits in the moderation queue (held by the screen, or reported); null
    # when nobody needs to look at it.
    queued_at = models.DateTimeField(_("in the queue since"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("written at"), default=timezone.now, db_index=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["carrier", "status", "-created_at"], name="review_carrier_page")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(carrier_rating__gte=RATING_MIN, carrier_rating__lte=RATING_MAX),
                name="review_carrier_rating_1_5",
            ),
            models.CheckConstraint(
                condition=models.Q(platform_rating__gte=RATING_MIN, platform_rating__lte=RATING_MAX),
                name="review_platform_rating_1_5",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ReviewStatus.values), name="review_status_known"
            ),
        ]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        permissions = [("moderate_review", _("Can moderate reviews"))]

    def __str__(self) -> str:
        return f"#{self.pk} {self.order_id}"


class QueuedReview(Review):
    """The moderation queue: the reviews a moderator must look at (its own admin page)."""

    class Meta:
        proxy = True
        verbose_name = _("moderation queue item")
        verbose_name_plural = _("moderation queue")


def photo_path(instance, filename: str) -> str:
    return f"reviews/{timezone.now():%Y/%m}/{filename}"


class ReviewPhoto(models.Model):
    """A photo as stored: re-encoded to JPEG without any metadata, with a thumbnail."""

    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="photos", verbose_name=_("review")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    image = models.FileField(_("image"), upload_to=photo_path, max_length=200)
    thumbnail = models.FileField(_("thumbnail"), upload_to=photo_path, max_length=200)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    # What the upload really was (by content): jpeg, png, webp, heif.
    source_format = models.CharField(_("uploaded as"), max_length=10)

    class Meta:
        ordering = ["review_id", "position", "id"]
        verbose_name = _("review photo")
        verbose_name_plural = _("review photos")

    def __str__(self) -> str:
        return f"{self.review_id}/{self.position}"


class ReplyStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")
    PENDING = "pending", _("Pending moderation")
    REMOVED = "removed", _("Removed")


class CarrierReply(models.Model):
    """The carrier's one reply to a review, screened like the review text."""

    review = models.OneToOneField(
        Review, on_delete=models.CASCADE, related_name="reply", verbose_name=_("review")
    )
    carrier = models.ForeignKey(
        Carrier, on_delete=models.CASCADE, related_name="+", verbose_name=_("carrier")
    )
    text = models.TextField(_("text"), max_length=1000)
    status = models.CharField(_("status"), max_length=10, choices=ReplyStatus.choices)
    screening_reasons = models.JSONField(_("screening reasons"), default=list, blank=True)
    created_at = models.DateTimeField(_("replied at"), default=timezone.now)

    class Meta:
        verbose_name = _("carrier reply")
        verbose_name_plural = _("carrier replies")

    def __str__(self) -> str:
        return f"reply to #{self.review_id}"


class ReviewReport(models.Model):
    """A signed-in user's report of a published review; puts it back in the queue."""

    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="reports", verbose_name=_("review")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("reported by")
    )
    reason = models.CharField(_("reason"), max_length=500)
    created_at = models.DateTimeField(_("reported at"), default=timezone.now)
    # Set when a moderator acts on the review after the report.
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "user"], name="one_report_per_user_and_review")
        ]
        verbose_name = _("review report")
        verbose_name_plural = _("review reports")

    def __str__(self) -> str:
        return f"report on #{self.review_id}"


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")


class Complaint(models.Model):
    """A carrier's complaint that a review is malicious (000 5.4.1), with its evidence."""

    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="complaints", verbose_name=_("review")
    )
    carrier = models.ForeignKey(
        Carrier, on_delete=models.CASCADE, related_name="+", verbose_name=_("carrier")
    )
    reason = models.CharField(_("reason"), max_length=500)
    evidence = models.TextField(_("evidence"), max_length=4000, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ComplaintStatus.choices,
        default=ComplaintStatus.OPEN,
        db_index=True,
    )
    resolution = models.CharField(_("resolution"), max_length=500, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    created_at = models.DateTimeField(_("filed at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")

    def __str__(self) -> str:
        return f"complaint on #{self.review_id}"


class ModerationAction(models.TextChoices):
    APPROVE = "approve", _("Approve")
    HIDE = "hide", _("Hide")
    REMOVE = "remove", _("Remove")
    RESTORE = "restore", _("Restore")
    UPHOLD = "uphold", _("Uphold complaint")
    DISMISS = "dismiss", _("Dismiss complaint")
    APPROVE_REPLY = "approve_reply", _("Approve reply")
    REMOVE_REPLY = "remove_reply", _("Remove reply")


class ModerationLog(models.Model):
    """Who did what to which review, when and why. Written by the services only; the admin shows it
    read-only to everybody, superusers included."""

    review = models.ForeignKey(
        Review, on_delete=models.SET_NULL, null=True, related_name="log", verbose_name=_("review")
    )
    review_ref = models.PositiveBigIntegerField(_("review number"))  # kept when the review is deleted
    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("complaint"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("who"),
    )
    action = models.CharField(_("action"), max_length=20, choices=ModerationAction.choices)
    old_status = models.CharField(_("from"), max_length=10, blank=True)
    new_status = models.CharField(_("to"), max_length=10, blank=True)
    reason = models.CharField(_("reason"), max_length=500)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("moderation log entry")
        verbose_name_plural = _("moderation log")

    def __str__(self) -> str:
        return f"{self.action} #{self.review_ref}"


class BannedCategory(models.TextChoices):
    """The kinds of content 000 5.3.2 forbids in reviews and replies."""

    NATIONAL_SECURITY = "national_security", _("National security")
    RUMOURS = "rumours", _("Rumours")
    ETHNIC_HATRED = "ethnic_hatred", _("Ethnic hatred")
    CULTS = "cults", _("Cults and superstition")
    PORN = "porn", _("Pornography")
    GAMBLING = "gambling", _("Gambling")
    VIOLENCE = "violence", _("Violence")
    TERRORISM = "terrorism", _("Terrorism")
    INSULTS = "insults", _("Insults")
    OTHER_SHOPS = "other_shops", _("Other shops' goods and contacts")
    PAID_PRAISE = "paid_praise", _("Paid praise")


class BannedTerm(models.Model):
    """A word or phrase that holds a review for moderation; admins edit the list."""

    category = models.CharField(_("category"), max_length=20, choices=BannedCategory.choices)
    term = models.CharField(_("term"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["category", "term"]
        constraints = [models.UniqueConstraint(fields=["category", "term"], name="banned_term_once")]
        verbose_name = _("banned term")
        verbose_name_plural = _("banned terms")

    def __str__(self) -> str:
        return self.term
