"""Notices are records: the admin reads them (and their deliveries) and can retry failed sends."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from notifications import services
from notifications.models import Delivery, DeliveryStatus, Notification


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


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ("channel", "status", "attempts", "last_attempt_at", "sent_at", "last_error")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "title", "order", "requires_action", "is_read")
    list_filter = ("kind", ReadFilter, "requires_action", "created_at")
    search_fields = ("title", "body", "user__username", "user__phone", "user__email", "order__number")
    list_select_related = ("user", "order")
    date_hierarchy = "created_at"
    inlines = [DeliveryInline]
    fields = (
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

    @admin.display(boolean=True, description=pgettext_lazy("notification", "read"))
    def is_read(self, obj: Notification) -> bool:
        return obj.read_at is not None

    def has_add_permission(self, request) -> bool:
        return False  # notices come from services, never typed in

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("id", "notification", "channel", "status", "attempts", "last_attempt_at", "sent_at")
    list_filter = ("status", "channel")
    search_fields = ("notification__title", "notification__user__username", "last_error")
    list_select_related = ("notification",)
    readonly_fields = (
        "notification",
        "channel",
        "status",
        "attempts",
        "last_error",
        "last_attempt_at",
        "sent_at",
        "created_at",
    )
    actions = ["retry"]

    @admin.action(description=_("Retry the selected failed deliveries"))
    def retry(self, request, queryset):
        count = services.delivery_retry(deliveries=queryset.filter(status=DeliveryStatus.FAILED))
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
