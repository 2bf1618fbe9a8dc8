"""Request body parsers for every API endpoint, with limits set at the parser (not per view).

A JSON body is read only up to its size limit (``API_JSON_MAX_BYTES``, 413 beyond it), must be UTF-8,
may not nest deeper than ``API_JSON_MAX_DEPTH`` nor hold more than ``API_JSON_MAX_VALUES`` values,
and may not contain ``NaN`` / ``Infinity`` or a NUL character: each is a 400 with a JSON error instead
of a parser recursing out into a 500. Form and multipart bodies are bounded by Django's
``DATA_UPLOAD_MAX_*`` settings and ``REQUEST_MAX_BYTES`` (see ``courier_platform.middleware``).
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "request_too_large"


def _refuse_constant(name: str) -> Any:
    raise ParseError(_("NaN and Infinity are not valid JSON numbers."))


def json_shape_check(data: Any, *, max_depth: int, max_values: int) -> None:
    """Refuse a parsed document that nests too deep, holds too many values or a NUL character.

    Iterative, so a hostile document cannot exhaust the stack here either.
    """
    stack: list[tuple[Any, int]] = [(data, 1)]
    values = 0
    while stack:
        node, depth = stack.pop()
        values += 1
        if values > max_values:
            raise ParseError(_("The JSON body has too many values (at most %(max)d).") % {"max": max_values})
        if isinstance(node, dict):
            if depth > max_depth:
                raise ParseError(
                    _("The JSON body is nested too deeply (at most %(max)d levels).") % {"max": max_depth}
                )
            for key, value in node.items():
                if "\x00" in key:
                    raise ParseError(_("The JSON body contains a NUL character."))
                stack.append((value, depth + 1))
        elif isinstance(node, list):
            if depth > max_depth:
                raise ParseError(
                    _("The JSON body is nested too deeply (at most %(max)d levels).") % {"max": max_depth}
                )
            stack.extend((item, depth + 1) for item in node)
        elif isinstance(node, str) and "\x00" in node:
            raise ParseError(_("The JSON body contains a NUL character."))


def json_loads_limited(raw: bytes) -> Any:
    """Decode a JSON body under the API's limits; ParseError (400) for anything unacceptable."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ParseError(_("The JSON body is not valid UTF-8.")) from None
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise ParseError(
            _("The JSON body is nested too deeply (at most %(max)d levels).")
            % {"max": settings.API_JSON_MAX_DEPTH}
        ) from None
    except ValueError as error:
        raise ParseError(_("The body is not valid JSON: %(error)s") % {"error": error}) from None
    json_shape_check(data, max_depth=settings.API_JSON_MAX_DEPTH, max_values=settings.API_JSON_MAX_VALUES)
    return data


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_JSON_MAX_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestTooLarge(
                _("The JSON body is larger than %(max)d KiB.") % {"max": limit // 1024},
            )
        return json_loads_limited(raw)
