"""Strict JSON for what carriers send (DESIGN §7.2): only what PostgreSQL's jsonb can store.

``json.loads`` accepts ``NaN`` and ``Infinity`` (not JSON, and refused by jsonb), strings with
``\\u0000`` (refused by jsonb), and nesting as deep as the recursion limit. A body is decoded as
UTF-8 and checked here once, so nothing that reaches the database can make it fail.
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.utils.translation import gettext_lazy as _

# Deep enough for every event's data (three levels at most), shallow enough to walk cheaply.
MAX_DEPTH = 8


class InvalidBody(ValueError):
    """The body cannot be taken as JSON; ``message`` says why in the user's language."""

    def __init__(self, message: Any):
        self.message = message
        super().__init__(str(message))


def _no_constants(name: str) -> Any:
    raise InvalidBody(_("NaN and Infinity are not JSON numbers."))


def strict_json_loads(body: bytes) -> Any:
    """The JSON value of ``body`` or ``InvalidBody``: UTF-8, no NaN/Infinity, no NUL, bounded depth."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidBody(_("The body is not UTF-8 text.")) from None
    try:
        value = json.loads(text, parse_constant=_no_constants)
    except InvalidBody:
        raise
    except RecursionError:
        raise InvalidBody(_("The JSON is nested too deeply.")) from None
    except ValueError:
        raise InvalidBody(_("The body is not JSON.")) from None
    _check(value, 0)
    return value


def _check(value: Any, depth: int) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise InvalidBody(_("Text may not contain the NUL character (\\u0000)."))
        return
    if isinstance(value, float) and not math.isfinite(value):  # 1e400 parses as infinity
        raise InvalidBody(_("NaN and Infinity are not JSON numbers."))
    if isinstance(value, dict | list):
        if depth >= MAX_DEPTH:
            raise InvalidBody(_("The JSON is nested too deeply."))
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if isinstance(key, str) and "\x00" in key:
                raise InvalidBody(_("Text may not contain the NUL character (\\u0000)."))
            _check(item, depth + 1)


def printable(body: bytes, limit: int = 2000) -> str:
    """Part of a refused body as text that any database stores (for the audit log)."""
    return body[:limit].decode("utf-8", "replace").replace("\x00", "\ufffd")
