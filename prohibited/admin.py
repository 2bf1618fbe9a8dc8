"""Admin for the goods catalogue. Every save or delete bumps the catalogue version, so each web
process and Celery worker rebuilds its matcher on its next screen (see ``selectors``)."""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from .models import CatalogueVersion, Section, Term, catalogue_signals_muted, catalogue_touch


class TouchesCatalogue:
    """Admin mixin: bump the catalogue version once after every change made through it (the
    row signals, which bump on each save, are muted meanwhile)."""

    def changeform_view(self, *args, **kwargs):
        with catalogue_signals_muted():
            return super().changeform_view(*args, **kwargs)

    def changelist_view(self, *args, **kwargs):
        with catalogue_signals_muted():
            return super().changelist_view(*args, **kwargs)

    def delete_view(self, *args, **kwargs):
        with catalogue_signals_muted():
            return super().delete_view(*args, **kwargs)

    def save_related(self, request, form, formsets, change):
        # Runs after save_model and the inlines: one bump covers the whole form.
        super().save_related(request, form, formsets, change)
        catalogue_touch()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        catalogue_touch()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        catalogue_touch()


class TermInline(admin.TabularInline):
    model = Term
    extra = 1
    fields = ["term", "script", "clause", "exclusions", "note", "active"]
    show_change_link = True


@admin.action(description=_("Activate selected"))
def make_active(modeladmin, request, queryset):
    queryset.update(active=True)
    catalogue_touch()


@admin.action(description=_("Deactivate selected"))
def make_inactive(modeladmin, request, queryset):
    queryset.update(active=False)
    catalogue_touch()


@admin.register(Section)
class SectionAdmin(TouchesCatalogue, admin.ModelAdmin):
    list_display = [
        "kind",
        "number",
        "carrier_code",
        "title",
        "clause",
        "rule",
        "limit",
        "term_count",
        "active",
    ]
    list_display_links = ["number", "title"]
    list_filter = ["kind", "carrier_code", "rule", "active"]
    search_fields = ["title", "title_en", "clause", "condition", "terms__term"]
    ordering = ["carrier_code", "kind", "number"]
    inlines = [TermInline]
    actions = [make_active, make_inactive]
    fieldsets = [
        (None, {"fields": ["kind", "number", "carrier_code", "title", "title_en", "clause", "active"]}),
        (_("Rule"), {"fields": ["rule", "limit", "item_types", "condition"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_term_count=Count("terms")).distinct()

    @admin.display(description=_("terms"), ordering="_term_count")
    def term_count(self, obj) -> int:
        return obj._term_count


@admin.register(Term)
class TermAdmin(TouchesCatalogue, admin.ModelAdmin):
    list_display = ["term", "script", "section", "source_clause", "exclusion_count", "active"]
    list_filter = ["script", "section__kind", "section__carrier_code", "active", "section"]
    search_fields = ["term", "clause", "note", "section__title", "section__clause"]
    list_select_related = ["section"]
    autocomplete_fields = ["section"]
    actions = [make_active, make_inactive]

    @admin.display(description=_("source clause"))
    def source_clause(self, obj) -> str:
        return obj.source_clause

    @admin.display(description=_("exclusions"))
    def exclusion_count(self, obj) -> int:
        return len(obj.exclusions or [])


@admin.register(CatalogueVersion)
class CatalogueVersionAdmin(admin.ModelAdmin):
    list_display = ["version", "changed_at"]
    readonly_fields = ["version", "changed_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
