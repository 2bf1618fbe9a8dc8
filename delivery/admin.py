"""Everything sent, in one list: what went, what is retrying, what is a dead letter; with the
record of every attempt and a bulk retry. The apps' own views (outbound carrier messages,
notification deliveries) show the same rows in their terms."""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from delivery.models import Attempt, Message
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
        query = getattr(queryset, "query", None)
        if query is not None and connections[queryset.db].vendor == "postgresql":
            sql, params = query.sql_with_params()
            with connections[queryset.db].cursor() as cursor:
                cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
                plan = cursor.fetchone()[0]
            if isinstance(plan, str):
                plan = json.loads(plan)
            estimate = int(plan[0]["Plan"]["Plan Rows"])
            if estimate >= self.EXACT_BELOW:
                return estimate
        return super().count


def known_values_filter(values: Iterable[str]) -> type[admin.AllValuesFieldListFilter]:
    """A filter on a column by the values the code knows it takes: the same links and parameter as
    Django's all-values filter, without its ``SELECT DISTINCT`` over every row of a big table."""
    known = sorted(values)

    class KnownValuesFieldListFilter(admin.AllValuesFieldListFilter):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.lookup_choices = known  # replaces the (lazy, never run) distinct query

    return KnownValuesFieldListFilter


class ReadOnlyMessageAdmin(admin.ModelAdmin):
    """Records, not forms: nothing is typed in or deleted; the changelist keeps change rights so
    the retry action runs."""

    actions = ["retry_messages"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
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
    list_filter = ["status", "channel", "event_type"]
    search_fields = ["=id", "=subject", "=recipient"]
    inlines = [AttemptInline]
