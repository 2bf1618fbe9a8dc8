"""Everything sent, in one list: what went, what is retrying, what is a dead letter; with the
record of every attempt and a bulk retry. The apps' own views (outbound carrier messages,
notification deliveries) show the same rows in their terms."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from delivery.models import Attempt, Message
from delivery.registry import channels_known, event_types_known
from delivery.tasks import messages_retry


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = ["number", "started_at", "finished_at", "outcome", "error"]
    readonly_fields = fields
    verbose_name_plural = _("attempts")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


def retry_action(modeladmin: admin.ModelAdmin, request, queryset: QuerySet) -> None:
    """Queue the selected messages again: dead letters get one more attempt, pending ones go now."""
    retried = messages_retry(messages=queryset.select_related(None).only("pk", "status"))
    skipped = queryset.count() - retried
    if retried:
        modeladmin.message_user(
            request,
            ngettext("Queued %(count)d message again.", "Queued %(count)d messages again.", retried)
            % {"count": retried},
            level=messages.SUCCESS,
        )
    if skipped:
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d message was already sent and was left alone.",
                "%(count)d messages were already sent and were left alone.",
                skipped,
            )
            % {"count": skipped},
            level=messages.WARNING,
        )


class EstimatedCountPaginator(Paginator):
    """The changelists of the big tables (orders, their events, everything sent): on PostgreSQL a
    list the planner expects to hold more than ``EXACT_BELOW`` rows shows the planner's estimate
    (``EXPLAIN``, from the statistics autovacuum keeps) instead of a ``COUNT(*)`` over a million
    rows; a smaller list, and every list on other databases, is counted exactly."""

    EXACT_BELOW = 10_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if isinstance(queryset, QuerySet) and connections[queryset.db].vendor == "postgresql":
            # The rows' keys only: the estimate is the WHERE's, and a plan without the list's joins
            # and sort is quicker to make.
            sql, params = queryset.order_by().values("pk").query.sql_with_params()
            with connections[queryset.db].cursor() as cursor:
                cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
                plan = cursor.fetchone()[0]
            if isinstance(plan, str):
                plan = json.loads(plan)
            estimate = int(plan[0]["Plan"]["Plan Rows"])
            if estimate >= self.EXACT_BELOW:
                return estimate
        return super().count


def known_values_filter(
    values: Iterable[str] | Callable[[], Iterable[str]],
) -> type[admin.AllValuesFieldListFilter]:
    """A filter on a column by the values the code knows it takes: the same links and parameter as
    Django's all-values filter, without its ``SELECT DISTINCT`` over every row of a big table.
    ``values`` may be a callable, read per request (values registered by the apps' ``ready()``)."""
    known = None if callable(values) else sorted(values)

    class KnownValuesFieldListFilter(admin.AllValuesFieldListFilter):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            # replaces the (lazy, never run) distinct query
            self.lookup_choices = known if known is not None else sorted(values())

    return KnownValuesFieldListFilter


class LargeTableChangeList(ChangeList):
    """Reads the rows of the page with only the columns the list shows (``list_columns``): an
    order row has ~60."""

    def get_results(self, request) -> None:
        # Only the page's rows are narrowed: the actions take the full queryset (get_queryset).
        columns = self.model_admin.list_columns
        full = self.queryset
        if columns:
            self.queryset = full.only(*columns)
        try:
            super().get_results(request)
        finally:
            self.queryset = full


class LargeTableAdmin(admin.ModelAdmin):
    """The changelist of a table of millions of rows (orders, their events, everything sent):
    no full count, the planner's estimate for a long list, only the columns shown read, and the
    rows rendered without a template or a URL resolution per cell or row. Subclasses keep the
    default order on an index and filter on indexed or known-valued columns
    (``known_values_filter``)."""

    show_full_result_count = False
    paginator = EstimatedCountPaginator
    change_list_template = "admin/large_table_change_list.html"  # rows by delivery's large_table_admin
    # The columns the list reads (with ``list_select_related``'s, as ``relation__column``); empty:
    # every column.
    list_columns: Sequence[str] = ()

    def get_changelist(self, request, **kwargs):
        return LargeTableChangeList

    def action_checkbox(self, obj) -> str:
        # What Django's CheckboxInput renders, without a template per row.
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            format_html(gettext("Select this object for an action - {}"), str(obj)),
        )


class ReadOnlyMessageAdmin(LargeTableAdmin):
    """Records, not forms: nothing is typed in or deleted; the changelist keeps change rights so
    the retry action runs."""

    actions = ["retry_messages"]
    # No date hierarchy: its SELECT DISTINCT of days reads every row; a date filter reads none.
    ordering = ["-created_at"]

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the record of what was sent stays

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None:
            return False
        return super().has_change_permission(request, obj)

    @admin.action(description=_("Retry selected messages now"), permissions=["change"])
    def retry_messages(self, request, queryset: QuerySet) -> None:
        retry_action(self, request, queryset)


@admin.register(Message)
class MessageAdmin(ReadOnlyMessageAdmin):
    list_display = [
        "id",
        "channel",
        "event_type",
        "subject",
        "recipient",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
        "sent_at",
    ]
    # Channels with a sender and the event types the apps declare, not a SELECT DISTINCT over
    # everything ever sent.
    list_filter = [
        "status",
        ("channel", known_values_filter(channels_known)),
        ("event_type", known_values_filter(event_types_known)),
        "created_at",
    ]
    search_fields = ["=id", "=subject", "=recipient"]
    list_columns = list_display  # not the payload
    inlines = [AttemptInline]
