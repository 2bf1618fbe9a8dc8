import json
from urllib.parse import urlencode

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from delivery.models import Message

from . import regions
from .integrations import INTEGRATIONS, integration_choices
from .integrations.configuration import (
    SECRET_MASK,
    integration_settings_masked,
    pickup_code_requirement,
)
from .integrations.form_wire import masked_text as mask
from .models import (
    BagSize,
    Carrier,
    CarrierCredential,
    CarrierEvent,
    ContractTerms,
    TransitTime,
    TransportMode,
    ZoneRate,
)
from .services.credentials import carrier_credentials_rotate

REFUSAL_GROUPS = range(1, 12)
# One declaration of how secrets are shown (carriers.services.integrations).
masked_settings = integration_settings_masked


def _province_choices() -> list[tuple[str, str]]:
    return [(item["code"][:2], item["name"]) for item in regions.province_items()]


def _refusal_group_choices() -> list[tuple[int, str]]:
    """Groups 1–11 of section 四 of the goods notice, with their titles from the catalogue."""
    section = apps.get_model("prohibited", "Section")
    titles = dict(section.objects.filter(kind="refused", carrier_code="").values_list("number", "title"))
    return [(n, f"{n} {titles.get(n, '')}".strip()) for n in REFUSAL_GROUPS]


class CarrierAdminForm(forms.ModelForm):
    """The carrier's lists edited as checkboxes and multi-selects instead of raw JSON."""

    origin_provinces = forms.MultipleChoiceField(
        label=_("origin provinces"),
        required=False,
        widget=admin.widgets.FilteredSelectMultiple(_("provinces"), is_stacked=False),
        help_text=_("None chosen: every mainland province."),
    )
    destination_provinces = forms.MultipleChoiceField(
        label=_("destination provinces"),
        required=False,
        widget=admin.widgets.FilteredSelectMultiple(_("provinces"), is_stacked=False),
        help_text=_("None chosen: every mainland province."),
    )
    bag_weight_priced_provinces = forms.MultipleChoiceField(
        label=_("provinces priced by weight"),
        required=False,
        widget=admin.widgets.FilteredSelectMultiple(_("provinces"), is_stacked=False),
    )
    transport_modes = forms.MultipleChoiceField(
        label=_("transport modes"), choices=TransportMode.choices, widget=forms.CheckboxSelectMultiple
    )
    refusal_groups = forms.TypedMultipleChoiceField(
        label=_("refusal groups enforced"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Groups of section 四 of the goods notice."),
    )

    endpoint_url = forms.URLField(label=_("endpoint URL"), required=False, assume_scheme="https")
    integration = forms.ChoiceField(
        label=_("integration"),
        help_text=_("The protocol the carrier speaks: how orders reach it and how its reports are read."),
    )
    integration_settings = forms.JSONField(
        label=_("integration settings"),
        required=False,
        help_text=_(
            "The integration's settings and credentials as JSON. Secrets are shown as %(mask)s: "
            "leave them so to keep them."
        )
        % {"mask": SECRET_MASK},
    )

    class Meta:
        model = Carrier
        fields = (
            "code",
            "name_zh_hans",
            "name_zh_hant",
            "name_en",
            "active",
            "origin_provinces",
            "destination_provinces",
            "transport_modes",
            "max_weight_kg",
            "max_length_cm",
            "max_volume_cm3",
            "pickup_start",
            "pickup_end",
            "currency",
            "pricing",
            "volumetric_divisor",
            "weight_step_kg",
            "surcharge_service_fee",
            "import_tax_rate",
            "bag_weight_priced_provinces",
            "insurance_rate",
            "insurance_min_fee",
            "insurance_max_value",
            "claim_window_days",
            "claim_documents_days",
            "offers_recipient_pays",
            "requires_customs_lines",
            "refusal_groups",
            "requires_pickup_code",
            "integration",
            "integration_settings",
            "endpoint_url",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        provinces = _province_choices()
        for name in ("origin_provinces", "destination_provinces", "bag_weight_priced_provinces"):
            self.fields[name].choices = provinces
        self.fields["refusal_groups"].choices = _refusal_group_choices()
        self.fields["integration"].choices = integration_choices()
        if self.instance.pk:
            # Write-only secrets: the form never shows a stored one.
            self.initial["integration_settings"] = masked_settings(
                self.instance.integration, self.instance.integration_settings or {}
            )

    def clean_integration_settings(self) -> dict:
        value = self.cleaned_data.get("integration_settings") or {}
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Give a JSON object."))
        name = self.cleaned_data.get("integration") or self.instance.integration
        integration = INTEGRATIONS.get(name)
        known = set(integration.settings_fields) if integration else set()
        unknown = sorted(set(value) - known)
        if unknown:
            raise forms.ValidationError(
                _("Not a setting of this integration: %(keys)s.") % {"keys": ", ".join(unknown)}
            )
        stored = self.instance.integration_settings or {}
        return {key: stored.get(key, "") if item == SECRET_MASK else item for key, item in value.items()}

    def clean(self) -> dict:
        cleaned = super().clean()
        name = cleaned.get("integration") or self.instance.integration
        # A protocol that cannot carry the pickup code (DESIGN §7.5) never requires it, whatever
        # the box says: the courier is confirmed by name and phone.
        cleaned["requires_pickup_code"] = pickup_code_requirement(
            integration=name, requested=bool(cleaned.get("requires_pickup_code"))
        )
        return cleaned


class ZoneRateInline(admin.TabularInline):
    model = ZoneRate
    extra = 0


class TransitTimeInline(admin.TabularInline):
    model = TransitTime
    extra = 0


class BagSizeInline(admin.TabularInline):
    model = BagSize
    extra = 0


class PublishedContractInline(admin.StackedInline):
    """Published versions are read-only: orders record the text their users accepted."""

    model = ContractTerms
    extra = 0
    can_delete = False
    fields = ("version", "title", "published_at", "body")
    readonly_fields = fields
    verbose_name_plural = _("contract terms (published versions)")
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class NewContractInline(admin.StackedInline):
    """Publishing new terms is adding a version (set a future date to schedule it)."""

    model = ContractTerms
    extra = 0
    can_delete = False
    fields = ("version", "title", "published_at", "body")
    verbose_name = _("new contract terms version")
    verbose_name_plural = _("publish new contract terms")

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    form = CarrierAdminForm
    list_display = (
        "code",
        "name_zh_hans",
        "active",
        "pricing",
        "currency",
        "integration",
        "requires_pickup_code",
        "pickup_start",
        "pickup_end",
        "updated_at",
    )
    list_filter = ("active", "pricing", "currency", "integration", "requires_pickup_code")
    search_fields = ("code", "name_zh_hans", "name_zh_hant", "name_en")
    readonly_fields = ("created_at", "updated_at", "delivery_log")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [ZoneRateInline, TransitTimeInline, BagSizeInline, PublishedContractInline, NewContractInline]
    fieldsets = (
        (None, {"fields": ("code", "name_zh_hans", "name_zh_hant", "name_en", "active")}),
        (
            _("Service area and limits"),
            {
                "fields": (
                    "origin_provinces",
                    "destination_provinces",
                    "transport_modes",
                    "max_weight_kg",
                    "max_length_cm",
                    "max_volume_cm3",
                    "pickup_start",
                    "pickup_end",
                ),
            },
        ),
        (
            _("Tariff"),
            {
                "fields": (
                    "currency",
                    "pricing",
                    "volumetric_divisor",
                    "weight_step_kg",
                    "surcharge_service_fee",
                    "import_tax_rate",
                    "bag_weight_priced_provinces",
                    "requires_customs_lines",
                    "offers_recipient_pays",
                ),
            },
        ),
        (
            _("Insurance and claims"),
            {
                "fields": (
                    "insurance_rate",
                    "insurance_min_fee",
                    "insurance_max_value",
                    "claim_window_days",
                    "claim_documents_days",
                ),
            },
        ),
        (
            _("Screening and integration"),
            {
                "fields": (
                    "refusal_groups",
                    "requires_pickup_code",
                    "integration",
                    "integration_settings",
                    "endpoint_url",
                ),
            },
        ),
        (_("Delivery log"), {"fields": ("delivery_log",)}),
        (_("History"), {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description=_("recent messages"))
    def delivery_log(self, obj: Carrier) -> str:
        """The carrier's recent outbound messages, calls to its API and inbound messages (secrets
        and signatures were never stored; phone numbers masked, pickup codes redacted), with a link
        to its dead letters, where the retry action is."""
        if obj.pk is None:
            return "—"
        messages_url = reverse("admin:delivery_message_changelist")
        query = urlencode({"channel": "carrier", "recipient": str(obj.pk)})
        dead = urlencode({"channel": "carrier", "recipient": str(obj.pk), "status": "failed"})
        outbound = Message.objects.filter(channel="carrier", recipient=str(obj.pk)).order_by("-created_at")[
            :10
        ]
        calls = obj.exchanges.order_by("-created_at", "-id")[:10]
        inbound = obj.events.order_by("-received_at", "-id")[:10]
        return format_html(
            "<p><a href='{}?{}'>{}</a> · <a href='{}?{}'>{}</a></p>"
            "<h4>{}</h4><ul>{}</ul><h4>{}</h4><ul>{}</ul><h4>{}</h4><ul>{}</ul>",
            messages_url,
            query,
            _("All outbound messages"),
            messages_url,
            dead,
            _("Dead letters (retry there)"),
            _("Outbound messages"),
            format_html_join(
                "",
                "<li>{} {} {} — {} ({})</li>",
                ((m.created_at, m.event_type, m.subject, m.status, m.attempts) for m in outbound),
            ),
            _("Calls to the carrier's API"),
            format_html_join(
                "",
                "<li>{} {} {} — {} HTTP {} {}<br><code>{}</code><br><code>{}</code></li>",
                (
                    (
                        c.created_at,
                        c.operation,
                        c.order_number,
                        c.outcome,
                        c.http_status or "—",
                        c.error,
                        json.dumps(c.request, ensure_ascii=False)[:1000],
                        mask(c.response)[:500],
                    )
                    for c in calls
                ),
            ),
            _("Inbound messages"),
            format_html_join(
                "",
                "<li>{} {} {} — {} {}<br><code>{}</code></li>",
                (
                    (
                        e.received_at,
                        e.type,
                        e.order_number,
                        e.result,
                        e.error,
                        mask(json.dumps(e.payload, ensure_ascii=False))[:1000],
                    )
                    for e in inbound
                ),
            ),
        )


@admin.register(ContractTerms)
class ContractTermsAdmin(admin.ModelAdmin):
    list_display = ("carrier", "version", "title", "published_at")
    list_filter = ("carrier",)
    search_fields = ("carrier__code", "version", "title")
    list_select_related = ("carrier",)

    def get_readonly_fields(self, request, obj=None):
        # A published version is what users accepted: it can be read, not rewritten.
        if obj is not None and obj.published_at <= timezone.now():
            return ("carrier", "version", "title", "body", "published_at")
        return ()


@admin.register(CarrierCredential)
class CarrierCredentialAdmin(admin.ModelAdmin):
    """Webhook secrets: shown masked; new ones are issued through the rotation service and shown once.

    Adding a secret here is a rotation of the chosen carrier (how a carrier gets its first one).
    """

    list_display = ("carrier", "masked_secret", "created_at", "revoked_at", "is_valid")
    list_filter = ("carrier", ("revoked_at", admin.EmptyFieldListFilter))
    list_select_related = ("carrier",)
    search_fields = ("carrier__code",)  # never the secret: searching it would be an oracle
    actions = ["rotate_secret"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("carrier",)
        return ("carrier", "masked_secret", "created_at", "revoked_at", "is_valid")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("carrier", "masked_secret", "created_at", "revoked_at", "is_valid")

    @admin.display(description=_("webhook secret"))
    def masked_secret(self, obj: CarrierCredential) -> str:
        return obj.masked_secret

    @admin.display(description=_("valid"), boolean=True)
    def is_valid(self, obj: CarrierCredential) -> bool:
        # Rotation revokes all but the two newest, so unrevoked is valid (without a query per row).
        return obj.revoked_at is None

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_rotate_permission(self, request) -> bool:
        return request.user.has_perm("carriers.add_carriercredential")

    def _show_once(self, request, carrier: Carrier, secret: str) -> None:
        self.message_user(
            request,
            _("New webhook secret for %(carrier)s: %(secret)s — copy it now, it will not be shown again.")
            % {"carrier": carrier.code, "secret": secret},
            messages.WARNING,
        )

    def save_model(self, request, obj, form, change):
        secret = carrier_credentials_rotate(carrier=obj.carrier)
        issued = CarrierCredential.objects.get(carrier=obj.carrier, secret=secret)
        # The admin goes on to log and redirect to ``obj``: make it the row the service created.
        obj.pk, obj.secret, obj.created_at = issued.pk, issued.secret, issued.created_at
        obj._state.adding, obj._state.db = False, issued._state.db
        self._show_once(request, obj.carrier, secret)

    @admin.action(description=_("Rotate the webhook secret of the selected carriers"), permissions=["rotate"])
    def rotate_secret(self, request, queryset):
        carriers = Carrier.objects.filter(pk__in=queryset.values("carrier")).order_by("code")
        for carrier in carriers:
            self._show_once(request, carrier, carrier_credentials_rotate(carrier=carrier))


@admin.register(CarrierEvent)
class CarrierEventAdmin(admin.ModelAdmin):
    """Every callback a carrier sent, refused ones included: read-only audit (DESIGN §7.2)."""

    list_display = ("received_at", "carrier", "webhook_id", "order_number", "type", "occurred_at", "result")
    list_filter = ("result", "carrier", "type")
    search_fields = ("webhook_id", "order_number", "order__number")
    list_select_related = ("carrier",)
    date_hierarchy = "received_at"
    readonly_fields = (
        "carrier",
        "webhook_id",
        "order",
        "order_number",
        "type",
        "occurred_at",
        "payload",
        "result",
        "error",
        "received_at",
    )
    fields = readonly_fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ZoneRate)
class ZoneRateAdmin(admin.ModelAdmin):
    """The tariffs of every carrier in one list, beside the inlines on each carrier."""

    list_display = ("carrier", "zone", "first_weight_kg", "first_price", "step_price")
    list_editable = ("first_weight_kg", "first_price", "step_price")
    list_filter = ("carrier", "zone")
    search_fields = ("carrier__code", "carrier__name_zh_hans")
    list_select_related = ("carrier",)


@admin.register(TransitTime)
class TransitTimeAdmin(admin.ModelAdmin):
    list_display = ("carrier", "zone", "min_days", "max_days")
    list_editable = ("min_days", "max_days")
    list_filter = ("carrier", "zone")
    search_fields = ("carrier__code", "carrier__name_zh_hans")
    list_select_related = ("carrier",)


@admin.register(BagSize)
class BagSizeAdmin(admin.ModelAdmin):
    list_display = ("carrier", "code", "name", "price", "max_weight_kg", "max_items")
    list_filter = ("carrier",)
    search_fields = ("carrier__code", "code", "name")
    list_select_related = ("carrier",)
