"""Text fields of the API take text only.

DRF's ``CharField`` (and the fields built on it: regex, e-mail, slug, URL) turns a JSON number into
its digits, so ``{"text": 0}`` was read as ``"0"`` although the schema says a string. A client
that sends a number where text belongs has a bug it should hear about, and the schema should be
the whole truth: such a value is refused like any other wrong type (400, "Not a valid string.").
Form and multipart bodies are unaffected: every value they carry is text.

Installed once, for every serializer of every app, by ``operations.apps`` (the platform's edges).
"""

from __future__ import annotations

from rest_framework import serializers

_char_to_internal_value = serializers.CharField.to_internal_value


def _text_only(self: serializers.CharField, data):
    if not isinstance(data, str):
        self.fail("invalid")
    return _char_to_internal_value(self, data)


def text_fields_take_text_only() -> None:
    serializers.CharField.to_internal_value = _text_only
