from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from carriers.admin_formats import shown_money, shown_phone

from . import services
from .identifiers import normalize_email, normalize_login, normalize_mobile
from .models import (
    Address,
    Agreement,
    AgreementAcceptance,
    Feedback,
    Restriction,
    RestrictionCause,
    RestrictionScope,
    ServiceFeeAnnouncement,
    User,
    Violation,
)
from .selectors import agreement_current, agreement_upcoming
from .services.agreements import agreement_publish
from .services.common import identifier_taken
from .services.feedback import feedback_answer
from .services.restrictions import restriction_apply, restriction_lift
from .services.service_fee import service_fee_announcement_publish
from .services.violations import violation_record


class UserAddForm(AdminUserCreationForm):
    """Create an account from its login (a mobile number or an e-mail), normalised like sign-up."""

    class Meta:
        model = User
        fields = ("username",)
        labels = {"username": _("Mobile number or e-mail")}

    def clean_username(self) -> str:
        login = normalize_login(self.cleaned_data["username"])
        if identifier_taken(login):
            raise ValidationError(_("An account with this login already exists."), code="taken")
        return login

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        if "@" in user.username:
            user.email = user.username
        else:
            user.phone = user.username
        if commit:
            user.save()
            self.save_m2m()
        return user


class UserEditForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"

    def clean_phone(self) -> str | None:
        raw = self.cleaned_data.get("phone")
        if not raw:
            return None
        phone = normalize_mobile(raw)
        if phone is None:
            raise ValidationError(
                _("Enter a valid mainland China or Hong Kong mobile number."), code="invalid"
            )
        return phone

    def clean_email(self) -> str | None:
        raw = self.cleaned_data.get("email")
        if not raw:
            return None
        email = normalize_email(raw)
        if email is None:
            raise ValidationError(_("Enter a valid e-mail address."), code="invalid")
        return email


class AddressInline(admin.TabularInline):
    model = Address
    extra = 0
    fields = ("label", "name", "phone", "province", "city", "district", "address", "is_default")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class AcceptanceInline(admin.TabularInline):
    model = AgreementAcceptance
    extra = 0
    fields = ("agreement", "method", "accepted_at", "ip", "user_agent")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ViolationInline(admin.TabularInline):
    model = Violation
    fk_name = "user"
    extra = 0
    fields = ("kind", "order", "review", "note", "recorded_by", "carrier", "created_at")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class RestrictionInline(admin.TabularInline):
    model = Restriction
    fk_name = "user"
    extra = 0
    fields = ("scope", "cause", "reason", "starts_at", "ends_at", "lifted_at", "created_by")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class UserActionForm(ActionForm):
    reason = forms.CharField(
        label=_("Reason (shown to the user)"),
        required=False,
        max_length=500,
    )


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserAddForm
    list_display = (
        "username",
        "display_name",
        "phone_shown",
        "email",
        "is_active",
        "is_staff",
        "date_joined",
        "last_login",
    )
    list_filter = ("is_active", "is_staff", "is_superuser", "language", "groups")
    search_fields = ("username", "phone", "email", "display_name")
    ordering = ("-date_joined",)
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Profile and contact details"), {"fields": ("display_name", "phone", "email", "language")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "usable_password", "password1", "password2")}),
    )
    inlines = [AcceptanceInline, AddressInline, ViolationInline, RestrictionInline]
    actions = ["unlock", "suspend", "terminate"]
    phone_shown = shown_phone(User, "phone")
    action_form = UserActionForm

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []  # the add page asks only for the login

    @admin.action(description=_("Suspend the selected accounts (no ordering, no reviewing)"))
    def suspend(self, request, queryset):
        reason = (request.POST.get("reason") or "").strip()
        if not reason:
            self.message_user(request, _("Give the reason the user will see."), messages.ERROR)
            return
        count = 0
        for user in queryset:
            restriction_apply(
                user=user,
                scope=RestrictionScope.BOTH,
                reason=reason,
                ends_at=None,
                created_by=request.user,
                cause=RestrictionCause.SUSPENSION,
            )
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d account suspended.", "%(count)d accounts suspended.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Terminate the selected accounts (cancel open orders, erase personal data)"))
    def terminate(self, request, queryset):
        reason = (request.POST.get("reason") or "").strip()
        if not reason:
            self.message_user(request, _("Give the reason the user will see."), messages.ERROR)
            return
        count = 0
        for user in queryset.exclude(pk=request.user.pk):
            services.account_terminate(user=user, by=request.user, reason=reason)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d account terminated.", "%(count)d accounts terminated.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Lift login locks on the selected accounts"))
    def unlock(self, request, queryset):
        count = 0
        for user in queryset:
            services.user_unlock(user=user)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d account unlocked.", "%(count)d accounts unlocked.", count) % {"count": count},
            messages.SUCCESS,
        )


class AgreementAdminForm(forms.ModelForm):
    class Meta:
        model = Agreement
        fields = ("kind", "version", "title", "body", "effective_at")
        widgets = {"body": forms.Textarea(attrs={"rows": 30, "cols": 100})}


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    form = AgreementAdminForm
    list_display = ("kind", "version", "title", "state", "published_at", "effective_at", "acceptance_count")
    list_filter = ("kind",)
    search_fields = ("version", "title")
    ordering = ("-effective_at",)

    @admin.display(description=_("state"))
    def state(self, agreement: Agreement) -> str:
        if not agreement.is_published:
            return _("Draft")
        if agreement == agreement_current(kind=agreement.kind):
            return _("In force")
        if agreement == agreement_upcoming(kind=agreement.kind):
            return _("Upcoming")
        if agreement.effective_at > timezone.now():
            return _("Published, not yet effective")
        return _("Superseded")

    actions = ["publish"]

    @admin.action(description=_("Publish the selected draft and tell every user"))
    def publish(self, request, queryset):
        for agreement in queryset:
            try:
                told = agreement_publish(agreement=agreement)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("Version %(version)s published; %(count)d users notified.")
                    % {"version": agreement.version, "count": told},
                    messages.SUCCESS,
                )

    @admin.display(description=_("acceptances"), ordering="acceptance_total")
    def acceptance_count(self, agreement: Agreement) -> int:
        return agreement.acceptance_total

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(acceptance_total=Count("acceptances"))

    def get_readonly_fields(self, request, obj=None):
        # Published text is evidence of what users accepted: a change is a new version.
        if obj is not None and obj.published_at is not None:
            return ("kind", "version", "title", "body", "published_at", "effective_at")
        return ()

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.published_at is not None:
            return False
        return super().has_delete_permission(request, obj)


class ServiceFeeAnnouncementForm(forms.ModelForm):
    class Meta:
        model = ServiceFeeAnnouncement
        fields = ("fee", "effective_at")

    def clean_effective_at(self):
        effective_at = self.cleaned_data["effective_at"]
        if effective_at <= timezone.now():
            raise forms.ValidationError(_("The effective date must be later than the publication."))
        return effective_at


@admin.register(ServiceFeeAnnouncement)
class ServiceFeeAnnouncementAdmin(admin.ModelAdmin):
    """The platform service fee changes only by an announcement published ahead of its date (000 3.2)."""

    form = ServiceFeeAnnouncementForm
    list_display = ("fee_shown", "effective_at", "published_at", "state")
    fee_shown = shown_money(ServiceFeeAnnouncement, "fee")
    ordering = ("-effective_at",)
    actions = ["publish"]

    @admin.display(description=_("state"))
    def state(self, announcement: ServiceFeeAnnouncement) -> str:
        if announcement.published_at is None:
            return _("Draft")
        if announcement.effective_at > timezone.now():
            return _("Published, not yet effective")
        return _("In force or superseded")

    @admin.action(description=_("Publish the selected announcement and tell every user"))
    def publish(self, request, queryset):
        for announcement in queryset:
            try:
                told = service_fee_announcement_publish(announcement=announcement)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("Service fee announcement published; %(count)d users notified.") % {"count": told},
                    messages.SUCCESS,
                )

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.published_at is not None:
            return False  # what users were told stays as it was
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.published_at is not None:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(AgreementAcceptance)
class AgreementAcceptanceAdmin(admin.ModelAdmin):
    list_display = ("user", "agreement", "method", "accepted_at", "ip")
    list_filter = ("agreement", "method")
    search_fields = ("user__username", "user__phone", "user__email", "ip")
    list_select_related = ("user", "agreement")
    date_hierarchy = "accepted_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ("user", "label", "name", "phone_shown", "province", "city", "district", "is_default")
    list_filter = ("is_default", "province")
    search_fields = ("user__username", "user__phone", "user__email", "name", "phone", "address")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    phone_shown = shown_phone(Address, "phone")


class ViolationAdminForm(forms.ModelForm):
    class Meta:
        model = Violation
        fields = ("user", "kind", "order", "note")

    def clean(self):
        data = super().clean()
        user, order = data.get("user"), data.get("order")
        if user is not None and order is not None and order.user_id != user.pk:
            self.add_error("order", _("This order is not the user's."))
        return data


@admin.register(Violation)
class ViolationAdmin(admin.ModelAdmin):
    """Violations are evidence: recorded through the service, never edited afterwards."""

    form = ViolationAdminForm
    list_display = ("user", "kind", "order", "review", "recorded_by", "carrier", "created_at")
    list_filter = ("kind", "carrier")
    search_fields = ("user__username", "user__phone", "user__email", "order__number", "note")
    list_select_related = ("user", "order", "review", "recorded_by", "carrier")
    raw_id_fields = ("user", "order")
    date_hierarchy = "created_at"

    def get_fields(self, request, obj=None):
        if obj is not None:
            return ("user", "kind", "order", "review", "note", "recorded_by", "carrier", "created_at")
        return ViolationAdminForm.Meta.fields

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # recorded is recorded: the change page only shows it

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        recorded = violation_record(
            user=data["user"],
            kind=data["kind"],
            note=data.get("note", ""),
            order=data.get("order"),
            recorded_by=request.user,
        )
        # The admin goes on to log and redirect to ``obj``: make it the row the service created.
        obj.pk, obj.recorded_by, obj.created_at = recorded.pk, recorded.recorded_by, recorded.created_at
        obj._state.adding, obj._state.db = False, recorded._state.db


class RestrictionAdminForm(forms.ModelForm):
    class Meta:
        model = Restriction
        fields = ("user", "scope", "reason", "ends_at", "violation")


@admin.register(Restriction)
class RestrictionAdmin(admin.ModelAdmin):
    """Applied through the service (the user is told, with the reason); lifted by an action."""

    form = RestrictionAdminForm
    list_display = ("user", "scope", "cause", "starts_at", "ends_at", "lifted_at", "created_by")
    list_filter = ("scope", "cause")
    search_fields = ("user__username", "user__phone", "user__email", "reason")
    list_select_related = ("user", "created_by")
    raw_id_fields = ("user", "violation")
    date_hierarchy = "starts_at"
    actions = ["lift"]

    def get_fields(self, request, obj=None):
        if obj is not None:
            return (
                "user",
                "scope",
                "cause",
                "reason",
                "starts_at",
                "ends_at",
                "lifted_at",
                "violation",
                "created_by",
            )
        return RestrictionAdminForm.Meta.fields

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            applied = restriction_apply(
                user=data["user"],
                scope=data["scope"],
                reason=data.get("reason", ""),
                ends_at=data.get("ends_at"),
                created_by=request.user,
                violation=data.get("violation"),
            )
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None
        obj.pk, obj.starts_at, obj.created_by = applied.pk, applied.starts_at, applied.created_by
        obj._state.adding, obj._state.db = False, applied._state.db

    @admin.action(description=_("Lift the selected restrictions now"))
    def lift(self, request, queryset):
        count = 0
        for restriction in queryset.filter(lifted_at__isnull=True):
            restriction_lift(restriction=restriction)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d restriction lifted.", "%(count)d restrictions lifted.", count)
            % {"count": count},
            messages.SUCCESS,
        )


class FeedbackAdminForm(forms.ModelForm):
    class Meta:
        model = Feedback
        fields = ("status", "assignee", "reply")


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    """Worked by staff: status and assignee as they go; saving a new reply sends it to the user."""

    form = FeedbackAdminForm
    list_display = ("created_at", "category", "user", "order", "status", "assignee", "replied_at")
    list_filter = ("status", "category", "assignee")
    search_fields = ("user__username", "user__phone", "user__email", "text", "order__number")
    list_select_related = ("user", "order", "assignee")
    readonly_fields = ("user", "category", "order", "text", "created_at", "replied_at")
    fields = ("user", "category", "order", "text", "created_at", "status", "assignee", "reply", "replied_at")
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        reply_changed = "reply" in form.changed_data and (obj.reply or "").strip()
        obj.save(update_fields=["status", "assignee"])
        if reply_changed:
            try:
                answered = feedback_answer(feedback=obj, reply=obj.reply, by=request.user)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
                return
            obj.status, obj.replied_at = answered.status, answered.replied_at
