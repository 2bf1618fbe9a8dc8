"""Every label of the admin reads in Chinese, simplified and traditional: app and model names, field
names, columns, filters, sections, inlines, actions, choices and help texts of every registered
model. A label added without a translation fails here, naming the label and where it is."""

import re
from collections.abc import Iterator

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory
from django.utils import translation

CJK = re.compile(r"[\u3400-\u9fff]")
# Django's own name of the primary key: the same letters in Chinese admin pages.
SAME_IN_EVERY_LANGUAGE = {"ID"}


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def _model_labels(model) -> Iterator[tuple[str, object]]:
    name = model._meta.label
    yield f"{name} (model)", model._meta.verbose_name
    yield f"{name} (plural)", model._meta.verbose_name_plural
    for field in model._meta.get_fields():
        if field.auto_created or not hasattr(field, "verbose_name"):
            continue
        yield f"{name}.{field.name}", field.verbose_name
        if field.help_text:
            yield f"{name}.{field.name} (help)", field.help_text
        for value, label in getattr(field, "flatchoices", None) or []:
            if value not in ("", None):
                yield f"{name}.{field.name}={value}", label


def admin_labels(user) -> Iterator[tuple[str, object]]:
    """(where, label) for everything the admin shows as a label, for a superuser."""
    request = _request(user)
    seen_apps = set()
    for model, model_admin in admin.site._registry.items():
        app = apps.get_app_config(model._meta.app_label)
        if app.label not in seen_apps:
            seen_apps.add(app.label)
            yield f"app {app.label}", app.verbose_name
        name = model._meta.label
        yield from _model_labels(model)
        for column in model_admin.get_list_display(request):
            if column != "action_checkbox":
                yield f"{name} column {column}", label_for_field(column, model, model_admin)
        changelist = model_admin.get_changelist_instance(request)
        for spec in changelist.filter_specs:
            yield f"{name} filter", spec.title
        for title, _options in model_admin.get_fieldsets(request):
            if title:
                yield f"{name} section", title
        for field in model_admin.get_readonly_fields(request):
            yield f"{name} read-only {field}", label_for_field(field, model, model_admin)
        for _func, action, description in model_admin.get_actions(request).values():
            yield f"{name} action {action}", description
        for inline in model_admin.get_inline_instances(request):
            yield f"{name} inline", inline.verbose_name_plural
            yield from _model_labels(inline.model)
        if model_admin.search_help_text:
            yield f"{name} search help", model_admin.search_help_text
        for field_name, field in model_admin.get_form(request).base_fields.items():
            if field.label:
                yield f"{name} form {field_name}", field.label
            if field.help_text:
                yield f"{name} form {field_name} (help)", field.help_text


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant"])
def test_every_admin_label_is_translated(language, moderator):
    with translation.override(language):
        labels = [(where, str(label)) for where, label in admin_labels(moderator)]
        untranslated = [
            f"{where}: {label!r}"
            for where, label in labels
            if label and label not in SAME_IN_EVERY_LANGUAGE and not CJK.search(label)
        ]
    assert len(labels) > 1000  # the walk reached the whole admin
    assert untranslated == []


def test_the_check_fails_on_a_label_without_a_translation(moderator):
    """The walk reads field names as they are: a name with no entry in any catalogue is caught."""
    from carriers.models import Carrier

    field = Carrier._meta.get_field("code")
    original = field.verbose_name
    field.verbose_name = "code without a translation"
    try:
        with translation.override("zh-hans"):
            missing = [where for where, label in admin_labels(moderator) if str(label) == field.verbose_name]
    finally:
        field.verbose_name = original
    assert "carriers.Carrier.code" in missing
