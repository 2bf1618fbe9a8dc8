"""Notices are records: the admin reads them (and their deliveries) and can retry failed sends."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from delivery.admin import AttemptInline, LargeTableAdmin, known_values_filter
from delivery.tasks import messages_retry
from notifications.models import (
    Broadcast,
    ChannelCode,
    Delivery,
    DeliveryStatus,
    Kind,
    Notification,
    notification_id_of,
)


class ReadFilter(admin.SimpleListFilter):
    title = pgettext_lazy("notification", "read")
    parameter_name = "read"

    def lookups(self, request, model_admin):
        return [("yes", _("Read")), ("no", _("Unread"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(read_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(read_at__isnull=True)
        return queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "title", "order", "requires_action", "is_read")
    list_filter = ("kind", ReadFilter, "requires_action", "created_at")
    search_fields = ("title", "body", "user__username", "user__phone", "user__email", "order__number")
    list_select_related = ("user", "order")
    date_hierarchy = "created_at"
    fields = (
        "deliveries",
        "user",
        "kind",
        "title",
        "body",
        "order",
        "requires_action",
        "read_at",
        "created_at",
        "dedupe_key",
        "data",
    )
    readonly_fields = fields

    @admin.display(description=_("deliveries"))
    def deliveries(self, obj: Notification) -> str:
        """Each channel's delivery: status, attempts, when it went, its last error."""
        rows = Delivery.objects.of(obj).order_by("channel")
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            _("channel"),
            _("status"),
            _("attempts"),
            _("sent at"),
            _("last error"),
            format_html_join(
                "",
                '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
                (
                    (
                        reverse("admin:notifications_delivery_change", args=[d.pk]),
                        _channel_label(d.channel),
                        d.get_status_display(),
                        d.attempts,
                        d.sent_at or "",
                        d.last_error,
                    )
                    for d in rows
                ),
            ),
        )

    @admin.display(boolean=True, description=pgettext_lazy("notification", "read"))
    def is_read(self, obj: Notification) -> bool:
        return obj.read_at is not None

    def has_add_permission(self, request) -> bool:
        return False  # notices come from services, never typed in

    def has_change_permission(self, request, obj=None) -> bool:
        return False


def _channel_label(code: str) -> str:
    try:
        return str(ChannelCode(code).label)
    except ValueError:
        return code


@admin.register(Delivery)
class DeliveryAdmin(LargeTableAdmin):
    """Notification deliveries: the delivery engine's rows on notification channels."""

    list_display = (
        "id",
        "notice",
        "user",
        "channel",
        "event_type",
        "status",
        "attempts",
        "last_attempt_at",
        "sent_at",
    )
    # Channels and kinds as the code knows them, not a SELECT DISTINCT over every delivery; the
    # count of an unfiltered list is the planner's estimate (a million rows are not counted).
    list_filter = (
        "status",
        ("channel", known_values_filter(ChannelCode.values)),
        ("event_type", known_values_filter(Kind.values)),
        "created_at",
    )
    list_columns = (
        "subject",
        "recipient",
        "channel",
        "event_type",
        "status",
        "attempts",
        "last_attempt_at",
        "sent_at",
    )
    search_fields = ("=subject", "=recipient", "last_error")
    search_help_text = _("A user's phone, e-mail or login; a notification (notification:7); an error.")
    readonly_fields = (
        "subject",
        "recipient",
        "channel",
        "event_type",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "last_attempt_at",
        "sent_at",
        "created_at",
    )
    exclude = ("payload", "rank")
    inlines = [AttemptInline]
    actions = ["retry"]

    def get_search_results(self, request, queryset, search_term):
        """Also find a user's deliveries by their phone, e-mail or login (``recipient`` is the user
        id); ``?recipient=<user id>`` filters by user."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            users = (
                get_user_model()
                .objects.filter(
                    Q(phone=term) | Q(email__iexact=term) | Q(username=term) | Q(phone=f"+86{term}")
                )
                .values_list("pk", flat=True)[:20]
            )
            results = results | queryset.filter(recipient__in=[str(pk) for pk in users])
        return results, may_have_duplicates

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        return lookup == "recipient" or super().lookup_allowed(lookup, value, request)

    @admin.display(description=_("user"))
    def user(self, obj: Delivery) -> str:
        return format_html('<a href="?recipient={}">#{}</a>', obj.recipient, obj.recipient)

    @admin.display(description=_("notification"))
    def notice(self, obj: Delivery) -> str:
        """A link to the notice, from the delivery's subject (no query per row)."""
        pk = notification_id_of(obj.subject)
        if pk is None:
            return obj.subject
        return format_html(
            '<a href="{}">#{}</a>', reverse("admin:notifications_notification_change", args=[pk]), pk
        )

    @admin.action(description=_("Retry the selected failed deliveries"))
    def retry(self, request, queryset):
        count = messages_retry(messages=queryset.filter(status=DeliveryStatus.FAILED))
        self.message_user(
            request,
            ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Broadcast)
class BroadcastAdmin(admin.ModelAdmin):
    """Announcements to every user, sent in batches: how far each got (publishing a service-fee
    announcement or an agreement starts one)."""

    list_display = ("created_at", "kind", "dedupe_key", "status", "told", "cursor", "finished_at")
    list_filter = ("status", "kind")
    readonly_fields = [f.name for f in Broadcast._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
