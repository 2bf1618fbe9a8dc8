"""Orders in the admin: read-only records; every change goes through the lifecycle services.

There is no status field to edit: admins act with the actions below, which call the same services
as users and carriers (with actor ``admin``) and so obey the same legal-move table.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from carriers.admin_formats import shown_money, shown_phone, shown_weight
from delivery.admin import AttemptInline, LargeTableAdmin, ReadOnlyMessageAdmin, known_values_filter
from orders.event_registry import REGISTRY
from orders.models import (
    Actor,
    CancelReason,
    Claim,
    ClaimDocument,
    ClaimStatus,
    Order,
    OrderEvent,
    OutboxEventType,
    OutboxMessage,
)
from orders.services import cancellation, claims, lifecycle


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    can_delete = False
    ordering = ["occurred_at", "id"]
    fields = [
        "occurred_at",
        "kind",
        "old_status",
        "new_status",
        "actor",
        "actor_user",
        "note",
        "source_event_id",
    ]
    readonly_fields = fields
    verbose_name_plural = _("timeline")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class OutboxMessageInline(admin.TabularInline):
    model = OutboxMessage
    extra = 0
    can_delete = False
    ordering = ["created_at"]
    fields = ["event_type", "status", "attempts", "next_attempt_at", "sent_at", "last_error"]
    readonly_fields = fields
    verbose_name_plural = _("messages to the carrier")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


def _run_per_order(modeladmin, request, queryset: QuerySet[Order], service, done_message) -> None:
    """Call ``service(order)`` for each order; report successes once and each failure by number."""
    succeeded = 0
    for order in queryset.select_related("carrier").order_by("pk"):
        try:
            service(order)
        except lifecycle.OrderError as error:
            modeladmin.message_user(
                request,
                _("%(number)s: %(error)s") % {"number": order.number, "error": error},
                level=messages.ERROR,
            )
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, done_message(succeeded), level=messages.SUCCESS)


@admin.register(Order)
class OrderAdmin(LargeTableAdmin):
    list_display = ["number", "status", "carrier", "user", "created_at", "deadline", "hidden_by_user_at"]
    # What the list shows (the carrier's and the user's names), not the ~60 columns of an order.
    list_columns = [
        "number",
        "status",
        "created_at",
        "deadline",
        "hidden_by_user_at",
        "carrier",
        "carrier__code",
        "carrier__name_zh_hans",
        "user",
        "user__username",
        "user__display_name",
    ]
    list_filter = ["status", "carrier", "created_at", "return_state", "exception_code", "item_type"]
    search_fields = [
        "=number",
        "sender_phone",
        "recipient_phone",
        "=waybill_no",
        "user__phone",
        "user__email",
    ]
    list_select_related = ["carrier", "user"]
    # No date hierarchy on the big lists: its SELECT DISTINCT of days reads every row, while the
    # created_at filter reads none. The default order is the created_at index, read backwards.
    ordering = ["-created_at", "-id"]
    inlines = [OrderEventInline, OutboxMessageInline]
    actions = ["cancel_orders", "expire_orders"]

    fieldsets = [
        (
            None,
            {"fields": ["number", "status", "status_changed_at", "user", "carrier", "contract", "deadline"]},
        ),
        (
            _("Sender"),
            {
                "fields": [
                    "sender_name",
                    "sender_phone_shown",
                    "sender_province",
                    "sender_city",
                    "sender_district",
                    "sender_address",
                ]
            },
        ),
        (
            _("Recipient"),
            {
                "fields": [
                    "recipient_name",
                    "recipient_phone_shown",
                    "recipient_province",
                    "recipient_city",
                    "recipient_district",
                    "recipient_address",
                ]
            },
        ),
        (
            _("Parcel"),
            {
                "fields": [
                    "pickup_start",
                    "pickup_end",
                    "weight_kg_shown",
                    "actual_weight_kg_shown",
                    "length_cm",
                    "width_cm",
                    "height_cm",
                    "item_type",
                    "description",
                    "quantity",
                    "declared_value_shown",
                    "insured",
                    "original_packaging",
                    "keep_upright",
                    "bag_size",
                    "receipt_attested",
                    "surcharge_accepted",
                    "screening",
                ]
            },
        ),
        (
            _("Carriage"),
            {
                "fields": [
                    "estimate_amount_shown",
                    "estimate_breakdown",
                    "fee_amount_shown",
                    "waybill_no",
                    "courier_name",
                    "courier_phone_shown",
                    "courier_employee_id",
                    "pickup_code_masked",
                    "exception_code",
                    "exception_note",
                    "return_state",
                    "cancel_reason",
                ]
            },
        ),
        (_("History"), {"fields": ["rebooked_from", "hidden_by_user_at", "created_at", "updated_at"]}),
    ]

    # The change form is read-only: phones, money and weights in the platform's formats.
    sender_phone_shown = shown_phone(Order, "sender_phone")
    recipient_phone_shown = shown_phone(Order, "recipient_phone")
    courier_phone_shown = shown_phone(Order, "courier_phone")
    weight_kg_shown = shown_weight(Order, "weight_kg")
    actual_weight_kg_shown = shown_weight(Order, "actual_weight_kg")
    declared_value_shown = shown_money(Order, "declared_value", currency="currency")
    estimate_amount_shown = shown_money(Order, "estimate_amount", currency="estimate_currency")
    fee_amount_shown = shown_money(Order, "fee_amount", currency="fee_currency")
    SHOWN = [
        "sender_phone_shown",
        "recipient_phone_shown",
        "courier_phone_shown",
        "weight_kg_shown",
        "actual_weight_kg_shown",
        "declared_value_shown",
        "estimate_amount_shown",
        "fee_amount_shown",
    ]

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        fields = [f.name for f in Order._meta.fields if f.name != "pickup_code"]
        return [*fields, "pickup_code_masked", *self.SHOWN]

    @admin.display(description=_("pickup code"))
    def pickup_code_masked(self, obj: Order) -> str:
        """The code is the owner's proof to the courier (DESIGN §3.2): staff see only that it exists."""
        return "••••••" if obj.pickup_code else "-"

    def has_add_permission(self, request) -> bool:
        return False  # orders are booked by users, through order_place

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the record stays (claims, disputes); users "delete" by hiding

    def has_change_permission(self, request, obj=None) -> bool:
        # The change form is view-only; the changelist keeps change rights so the actions run.
        if obj is not None:
            return False
        return super().has_change_permission(request, obj)

    @admin.action(description=_("Cancel selected orders (before pickup)"), permissions=["change"])
    def cancel_orders(self, request, queryset: QuerySet[Order]) -> None:
        _run_per_order(
            self,
            request,
            queryset,
            lambda order: cancellation.order_cancel(
                order=order, actor_user=request.user, reason=CancelReason.OTHER, actor=Actor.ADMIN
            ),
            lambda n: ngettext("Cancelled %(count)d order.", "Cancelled %(count)d orders.", n) % {"count": n},
        )

    @admin.action(description=_("Expire selected orders (not yet picked up)"), permissions=["change"])
    def expire_orders(self, request, queryset: QuerySet[Order]) -> None:
        _run_per_order(
            self,
            request,
            queryset,
            lambda order: cancellation.order_expire(order=order, actor=Actor.ADMIN, actor_user=request.user),
            lambda n: ngettext("Expired %(count)d order.", "Expired %(count)d orders.", n) % {"count": n},
        )


@admin.register(OrderEvent)
class OrderEventAdmin(LargeTableAdmin):
    list_display = ["order", "occurred_at", "kind", "old_status", "new_status", "actor", "source_event_id"]
    list_columns = [*list_display, "order__number"]
    # Kinds as the code writes them (status changes, carrier events, claims), not a SELECT DISTINCT
    # over every event; no date hierarchy (see OrderAdmin), the occurred_at index orders the list.
    list_filter = [
        "actor",
        ("kind", known_values_filter(["status", *REGISTRY, claims.CLAIM_FILED, claims.DOCUMENTS_ADDED])),
        "new_status",
        "occurred_at",
    ]
    search_fields = ["=order__number", "=source_event_id"]
    list_select_related = ["order"]
    ordering = ["-occurred_at", "-id"]

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        return [f.name for f in OrderEvent._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyMessageAdmin):
    """The platform → carrier outbox (DESIGN §7.1): what was sent, what is retrying, what gave up.

    The same rows as the delivery engine's list, with their orders and carriers; the record of each
    attempt is on the message's page there."""

    list_display = [
        "id",
        "event_type",
        "order",
        "carrier",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
        "sent_at",
    ]
    list_filter = [
        "status",
        ("event_type", known_values_filter(OutboxEventType.values)),
        "carrier",
        "created_at",
    ]
    search_fields = ["=message__id", "=order__number"]
    list_select_related = ["order", "carrier"]
    list_columns = [
        *[name for name in list_display if name != "id"],
        "order__number",
        "carrier__code",
        "carrier__name_zh_hans",
    ]
    inlines = [AttemptInline]


# --- claims (DESIGN §10) ---------------------------------------------------------------------------


class ClaimDocumentInline(admin.TabularInline):
    model = ClaimDocument
    extra = 0
    can_delete = False
    fields = ["link", "content_type", "size", "created_at"]
    readonly_fields = fields

    @admin.display(description=_("document"))
    def link(self, document: ClaimDocument) -> str:
        url = reverse("orders:claim_document", args=[document.claim.order.number, document.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download"))

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ClaimDecisionForm(forms.ModelForm):
    """The carrier's decision, recorded by an admin (e.g. one the carrier sent by letter)."""

    decision = forms.ChoiceField(
        label=_("record decision"),
        required=False,
        choices=[("", "—"), (ClaimStatus.APPROVED, _("Approved")), (ClaimStatus.REJECTED, _("Rejected"))],
    )
    decided_amount = forms.DecimalField(
        label=_("compensation"), required=False, min_value=0, decimal_places=2
    )
    decided_return_freight = forms.DecimalField(
        label=_("return freight deducted"), required=False, min_value=0, decimal_places=2
    )
    note = forms.CharField(label=_("carrier's note"), required=False, max_length=500)

    class Meta:
        model = Claim
        fields: list[str] = []

    def decision_given(self) -> claims.Decision | None:
        data = self.cleaned_data
        if not data.get("decision"):
            return None
        return claims.Decision(
            decision=data["decision"],
            amount=data.get("decided_amount"),
            return_freight=data.get("decided_return_freight") or Decimal("0"),
            note=data.get("note") or "",
        )

    def clean(self):
        cleaned = super().clean()
        decision = self.decision_given()
        if decision is not None:
            refusal = claims.decision_refusal(
                claim=self.instance, order=self.instance.order, decision=decision
            )
            if refusal is not None:
                raise forms.ValidationError(refusal.message)
        return cleaned


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    """Claims are filed by users and decided by carriers; an admin may record a carrier's decision."""

    form = ClaimDecisionForm
    list_display = ["id", "order", "kind", "amount", "currency", "status", "created_at", "documents_due_at"]
    list_filter = ["status", "kind", "order__carrier"]
    search_fields = ["order__number", "order__waybill_no"]
    list_select_related = ["order"]
    inlines = [ClaimDocumentInline]
    readonly_fields = [
        "order",
        "kind",
        "amount",
        "currency",
        "description",
        "status",
        "created_at",
        "documents_due_at",
        "decided_at",
        "decided_by",
        "compensation",
        "return_freight",
        "decision_note",
    ]

    def get_fieldsets(self, request, obj=None):
        fieldsets = [(None, {"fields": self.readonly_fields})]
        if obj is not None and obj.status == ClaimStatus.SUBMITTED:
            fieldsets.append(
                (
                    _("Record the carrier's decision"),
                    {"fields": ["decision", "decided_amount", "decided_return_freight", "note"]},
                )
            )
        return fieldsets

    def has_add_permission(self, request) -> bool:
        return False  # users file claims; the rules are the service's

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        decision = form.decision_given()
        if decision is None:
            return
        try:
            claims.claim_decide(
                order=obj.order,
                claim_id=obj.pk,
                decision=decision,
                actor=Actor.ADMIN,
                actor_user=request.user,
            )
        except claims.ClaimRefused as refused:
            self.message_user(request, refused.message, messages.ERROR)
