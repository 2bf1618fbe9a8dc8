"""The rows of a big table's changelist (``LargeTableAdmin``): the HTML of Django's
``result_list``, with how to show each column and the rows' link worked out once per page instead
of once per cell (Django looks each cell's column up again, resolves each row's URL and renders
every cell through the template engine), and each row handed to the template as one string."""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from urllib.parse import quote as url_quote

from django import template
from django.contrib.admin.templatetags.admin_list import (
    ResultList,
    result_headers,
    result_hidden_fields,
)
from django.contrib.admin.templatetags.admin_list import result_list as django_result_list
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import display_for_field, display_for_value, lookup_field
from django.contrib.admin.utils import quote as admin_quote
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import mark_safe

register = template.Library()

_MARKER = "pk0marker"  # stands for a row's key in its link; survives URL quoting unchanged


@register.inclusion_tag("admin/change_list_results.html")
def large_table_result_list(cl) -> dict:
    if cl.formset or cl.is_popup or cl.to_field:
        return django_result_list(cl)  # editable and popup lists keep Django's own rows
    headers = list(result_headers(cl))
    columns = _columns(cl)
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": [
            # Each cell is escaped by _Column.cell: the row is safe as a whole.
            ResultList(None, [mark_safe("".join([column.cell(result) for column in columns]))])  # noqa: S308
            for result in cl.result_list
        ],
    }


def _columns(cl) -> list[_Column]:
    """The columns, with the cells that link to the change page as Django picks them (the first
    linked one a ``th``)."""
    link = _row_link(cl)
    columns = []
    first = True
    for index, name in enumerate(cl.list_display):
        linked = cl.list_display_links is not None and (
            (first and not cl.list_display_links) or name in cl.list_display_links
        )
        tag = None
        if linked:
            tag = "th" if first else "td"
            first = False
        columns.append(_Column(cl, index, name, tag=tag, link=link if linked else None))
    return columns


def _row_link(cl) -> tuple[str, str, str] | None:
    """(head, tail, pk attribute) of a row's change link, filters kept; ``None`` when there is no
    change page."""
    try:
        url = cl.url_for_result(SimpleNamespace(**{cl.pk_attname: _MARKER}))
    except NoReverseMatch:
        return None
    url = add_preserved_filters({"preserved_filters": cl.preserved_filters, "opts": cl.opts}, url)
    head, _marker, tail = url.partition(_MARKER)
    return head, tail, cl.pk_attname


class _Column:
    """One column of ``list_display``, shown as ``items_for_result`` shows it."""

    def __init__(self, cl, index: int, name, *, tag: str | None, link: tuple[str, str, str] | None) -> None:
        model_admin = cl.model_admin
        self.name = name
        self.model_admin = model_admin
        self.tag = tag
        self.link = link
        self.empty = model_admin.get_empty_value_display()
        if callable(name):
            coerced = f"lambda{index}" if name.__name__ == "<lambda>" else name.__name__
        else:
            coerced = name
        self.base_class = f"field-{coerced}"
        self.attr = None  # the callable giving the value (the admin's method or a callable)
        self.field: models.Field | None = None  # a concrete column named by its name
        self.choices: dict | None = None
        if callable(name):
            self.attr = name
        elif hasattr(model_admin, name) and name != "__str__":
            self.attr = getattr(model_admin, name)
        else:
            try:
                field = cl.lookup_opts.get_field(name)
            except FieldDoesNotExist:
                field = None
            # Anything else (a model's method or property, a column by its attname) is looked up
            # per row as Django does.
            if field is not None and field.concrete and field.name == name and not field.many_to_many:
                self.field = field
                try:
                    self.choices = dict(field.flatchoices) if getattr(field, "flatchoices", None) else None
                except TypeError:  # list-like choices: Django's own path
                    self.choices = None

    def _lookup(self, result) -> tuple[models.Field | None, object, object]:
        """(field, attr, value) as ``lookup_field`` gives them."""
        if self.attr is not None:
            return None, self.attr, self.attr(result)
        if self.field is not None:
            return self.field, None, getattr(result, self.name)
        return lookup_field(self.name, result, self.model_admin)

    def cell(self, result) -> str:
        classes = self.base_class
        try:
            field, attr, value = self._lookup(result)
        except ObjectDoesNotExist:
            shown = self.empty
        else:
            empty = getattr(attr, "empty_value_display", self.empty)
            if isinstance(value, str) and value.strip() == "":
                value = ""
            if field is None or field.auto_created:
                if self.name == "action_checkbox":
                    classes = "action-checkbox"
                boolean = getattr(attr, "boolean", False)
                if isinstance(attr, property) and hasattr(attr, "fget"):
                    boolean = getattr(attr.fget, "boolean", False)
                shown = display_for_value(value, empty, boolean)
                if isinstance(value, (datetime.date, datetime.time)):
                    classes += " nowrap"
            else:
                if isinstance(field.remote_field, models.ManyToOneRel):
                    related = getattr(result, field.name)
                    shown = empty if related is None else related
                elif self.choices is not None and field is self.field:
                    shown = self.choices.get(value, empty)
                else:
                    shown = display_for_field(value, field, empty, avoid_link=self.tag is not None)
                if isinstance(field, (models.DateField, models.TimeField, models.ForeignKey)):
                    classes += " nowrap"
        if self.tag is None:
            return f'<td class="{classes}">{conditional_escape(shown)}</td>'
        if self.link is None:
            return f'<{self.tag} class="{classes}">{conditional_escape(shown)}</{self.tag}>'
        head, tail, pk_attname = self.link
        key = url_quote(str(admin_quote(getattr(result, pk_attname))), safe=RFC3986_SUBDELIMS + "/~:@")
        url = conditional_escape(f"{head}{key}{tail}")
        return f'<{self.tag} class="{classes}"><a href="{url}">{conditional_escape(shown)}</a></{self.tag}>'
