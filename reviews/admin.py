"""The moderation desk in the Django admin (DESIGN §8).

- **Moderation queue**: reviews held by the screen, reported, or complained about, oldest first,
  with the reasons, thumbnails, order, carrier and author in view.
- **Reviews**: every review, filtered by state; approve, hide, remove, restore in bulk, each asking
  for a reason on an intermediate page. Records are read-only: the actions call ``reviews.services``.
- **Complaints**: uphold (review hidden, 6.1.2 violation on the author) or dismiss, with a reason.
- **Carrier replies**: publish a held reply or remove one.
- **Moderation log**: read-only for everybody, superusers included.
- **Banned terms**: the screen's list, edited here.

The changelists issue a constant number of queries whatever the number of reviews (photos are
prefetched, report and complaint counts are subqueries).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import (
    BannedTerm,
    CarrierReply,
    Complaint,
    ComplaintStatus,
    ModerationAction,
    ModerationLog,
    QueuedReview,
    Review,
    ReviewPhoto,
    ReviewReport,
)
from .screening import reason_label
from .selectors import moderation_queue


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}), strip=True
    )


def _with_reason(modeladmin, request, queryset, *, title, apply, done):
    """An intermediate page asking for the reason, then ``apply(objects, reason) -> count``."""
    form = ReasonForm(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        try:
            count = apply(list(queryset), form.cleaned_data["reason"])
        except ValidationError as error:
            modeladmin.message_user(request, " ".join(error.messages), level=messages.ERROR)
            return None
        modeladmin.message_user(request, done(count), level=messages.SUCCESS)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "objects": queryset,
        "form": form,
        "action": request.POST.get("action"),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "opts": modeladmin.model._meta,
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "select_across": request.POST.get("select_across", "0"),
    }
    return TemplateResponse(request, "admin/reviews/action_reason.html", context)


def _moderate(action: str, title, done):
    def run(modeladmin, request, queryset):
        return _with_reason(
            modeladmin,
            request,
            queryset,
            title=title,
            apply=lambda objects, reason: services.reviews_moderate(
                reviews=objects, action=action, actor=request.user, reason=reason
            ),
            done=done,
        )

    run.__name__ = f"{action}_reviews"
    return admin.action(description=title, permissions=["moderate"])(run)


approve_reviews = _moderate(
    ModerationAction.APPROVE,
    _("Approve (publish)"),
    lambda n: ngettext("%(n)d review published.", "%(n)d reviews published.", n) % {"n": n},
)
hide_reviews = _moderate(
    ModerationAction.HIDE,
    _("Hide"),
    lambda n: ngettext("%(n)d review hidden.", "%(n)d reviews hidden.", n) % {"n": n},
)
remove_reviews = _moderate(
    ModerationAction.REMOVE,
    _("Remove"),
    lambda n: ngettext("%(n)d review removed.", "%(n)d reviews removed.", n) % {"n": n},
)
restore_reviews = _moderate(
    ModerationAction.RESTORE,
    _("Restore"),
    lambda n: ngettext("%(n)d review restored.", "%(n)d reviews restored.", n) % {"n": n},
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class PhotoInline(ReadOnlyInline):
    model = ReviewPhoto
    fields = ["preview", "width", "height", "source_format"]
    readonly_fields = fields

    @admin.display(description=_("photo"))
    def preview(self, photo):
        return format_html(
            '<a href="{}"><img src="{}" alt="" width="160"></a>',
            reverse("reviews:photo", args=[photo.pk, "full"]),
            reverse("reviews:photo", args=[photo.pk, "thumb"]),
        )


class ReportInline(ReadOnlyInline):
    model = ReviewReport
    fields = ["created_at", "reason", "handled_at"]
    readonly_fields = fields


class ComplaintInline(ReadOnlyInline):
    model = Complaint
    fields = ["created_at", "carrier", "reason", "evidence", "status", "resolution"]
    readonly_fields = fields


class LogInline(ReadOnlyInline):
    model = ModerationLog
    fk_name = "review"
    fields = ["created_at", "actor", "action", "old_status", "new_status", "reason"]
    readonly_fields = fields
    ordering = ["created_at", "id"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "status",
        "created_at",
        "order_number",
        "carrier",
        "author",
        "carrier_rating",
        "platform_rating",
        "excerpt",
        "reasons",
        "thumbnails",
    ]
    list_display_links = ["id"]
    list_filter = ["status", "carrier"]
    search_fields = ["order__number", "text"]
    ordering = ["created_at", "id"]
    actions = [approve_reviews, hide_reviews, remove_reviews, restore_reviews]
    list_per_page = 50
    show_full_result_count = False
    fields = [
        "order_number",
        "carrier",
        "author",
        "status",
        "carrier_rating",
        "platform_rating",
        "text",
        "reasons",
        "moderation_reason",
        "queued_at",
        "created_at",
        "published_at",
        "reply_text",
    ]
    readonly_fields = fields
    inlines = [PhotoInline, ReportInline, ComplaintInline, LogInline]

    def get_queryset(self, request) -> QuerySet[Review]:
        return (
            super()
            .get_queryset(request)
            .select_related("order", "carrier", "user", "reply")
            .prefetch_related(
                Prefetch("photos", queryset=ReviewPhoto.objects.order_by("position", "id")),
                Prefetch(
                    "reports",
                    queryset=ReviewReport.objects.filter(handled_at__isnull=True).order_by(
                        "created_at", "id"
                    ),
                    to_attr="open_reports",
                ),
                Prefetch(
                    "complaints",
                    queryset=Complaint.objects.filter(status=ComplaintStatus.OPEN)
                    .select_related("carrier")
                    .order_by("created_at", "id"),
                    to_attr="open_complaints",
                ),
            )
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # removal is a moderation action with a reason, logged

    def has_moderate_permission(self, request) -> bool:
        return request.user.has_perm("reviews.moderate_review")

    @admin.display(description=_("order"), ordering="order__number")
    def order_number(self, review) -> str:
        return review.order.number

    @admin.display(description=_("author"))
    def author(self, review) -> str:
        return str(review.user)

    @admin.display(description=_("text"))
    def excerpt(self, review) -> str:
        return Truncator(review.text).chars(60)

    @admin.display(description=_("why in the queue"))
    def reasons(self, review):
        """The screen's reasons, then each open report and complaint with its reason."""
        lines = [reason_label(r) for r in review.screening_reasons]
        lines += [_("reported: %(reason)s") % {"reason": r.reason} for r in review.open_reports]
        lines += [
            _("complaint by %(carrier)s: %(reason)s") % {"carrier": c.carrier, "reason": c.reason}
            for c in review.open_complaints
        ]
        return format_html_join("", "{}<br>", ((line,) for line in lines)) if lines else "—"

    @admin.display(description=_("photos"))
    def thumbnails(self, review):
        return format_html_join(
            "",
            '<img src="{}" alt="" width="48" height="48" class="review-thumb">',
            ((reverse("reviews:photo", args=[p.pk, "thumb"]),) for p in review.photos.all()),
        )

    @admin.display(description=_("carrier reply"))
    def reply_text(self, review) -> str:
        reply = getattr(review, "reply", None)
        return f"{reply.text} ({reply.get_status_display()})" if reply else "—"


@admin.register(QueuedReview)
class ModerationQueueAdmin(ReviewAdmin):
    """What waits for a moderator, oldest first."""

    ordering = ["queued_at", "created_at", "id"]
    list_display = ["id", "queued_at", *ReviewAdmin.list_display[1:]]

    def get_queryset(self, request) -> QuerySet[Review]:
        return super().get_queryset(request).filter(pk__in=moderation_queue().values("pk"))


def _resolve(upheld: bool, title, done):
    def run(modeladmin, request, queryset):
        return _with_reason(
            modeladmin,
            request,
            queryset,
            title=title,
            apply=lambda objects, reason: services.complaints_resolve(
                complaints=objects, upheld=upheld, actor=request.user, reason=reason
            ),
            done=done,
        )

    run.__name__ = "uphold_complaints" if upheld else "dismiss_complaints"
    return admin.action(description=title, permissions=["change"])(run)


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "created_at",
        "status",
        "carrier",
        "review_link",
        "review_text",
        "reason",
        "evidence",
    ]
    list_filter = ["status", "carrier"]
    search_fields = ["=review__id", "=review__order__number", "reason", "evidence"]
    ordering = ["created_at", "id"]
    actions = [
        _resolve(
            True,
            _("Uphold (hide the review, record a violation)"),
            lambda n: ngettext("%(n)d complaint upheld.", "%(n)d complaints upheld.", n) % {"n": n},
        ),
        _resolve(
            False,
            _("Dismiss"),
            lambda n: ngettext("%(n)d complaint dismissed.", "%(n)d complaints dismissed.", n) % {"n": n},
        ),
    ]
    fields = [
        "review_link",
        "review_text",
        "carrier",
        "reason",
        "evidence",
        "status",
        "resolution",
        "resolved_by",
        "resolved_at",
        "created_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("carrier", "review")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("review"))
    def review_link(self, complaint):
        return format_html(
            '<a href="{}">#{}</a>',
            reverse("admin:reviews_review_change", args=[complaint.review_id]),
            complaint.review_id,
        )

    @admin.display(description=_("text"))
    def review_text(self, complaint) -> str:
        return Truncator(complaint.review.text).chars(80)


def _replies(approve: bool, title, done):
    def run(modeladmin, request, queryset):
        return _with_reason(
            modeladmin,
            request,
            queryset,
            title=title,
            apply=lambda objects, reason: services.replies_moderate(
                replies=objects, approve=approve, actor=request.user, reason=reason
            ),
            done=done,
        )

    run.__name__ = "approve_replies" if approve else "remove_replies"
    return admin.action(description=title, permissions=["change"])(run)


@admin.register(CarrierReply)
class CarrierReplyAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "status", "carrier", "review_number", "text", "reasons"]
    list_filter = ["status", "carrier"]
    search_fields = ["=review__id", "=review__order__number", "text"]
    ordering = ["created_at", "id"]
    actions = [
        _replies(
            True,
            _("Approve reply"),
            lambda n: ngettext("%(n)d reply published.", "%(n)d replies published.", n) % {"n": n},
        ),
        _replies(
            False,
            _("Remove reply"),
            lambda n: ngettext("%(n)d reply removed.", "%(n)d replies removed.", n) % {"n": n},
        ),
    ]
    fields = ["review", "carrier", "text", "status", "reasons", "created_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("carrier")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("review number"), ordering="review_id")
    def review_number(self, reply) -> int:
        return reply.review_id

    @admin.display(description=_("screening reasons"))
    def reasons(self, reply) -> str:
        return "；".join(reason_label(r) for r in reply.screening_reasons) or "—"


@admin.register(ModerationLog)
class ModerationLogAdmin(admin.ModelAdmin):
    """Nobody edits or deletes the log here, superusers included."""

    list_display = ["created_at", "actor", "action", "review_ref", "old_status", "new_status", "reason"]
    list_filter = ["action"]
    search_fields = ["=review_ref", "reason"]
    ordering = ["-created_at", "-id"]
    fields = [
        "created_at",
        "actor",
        "action",
        "review_ref",
        "complaint",
        "old_status",
        "new_status",
        "reason",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        return {}


@admin.register(BannedTerm)
class BannedTermAdmin(admin.ModelAdmin):
    list_display = ["term", "category", "active", "updated_at"]
    list_filter = ["category", "active"]
    list_editable = ["active"]
    search_fields = ["term"]
