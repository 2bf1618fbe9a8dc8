"""The OpenAPI schema: every error an endpoint can answer, documented once for every endpoint.

The errors come from shared mechanisms (``courier_platform.errors``, ``courier_platform.parsers``,
authentication, throttles, pagination), so they are documented by one mechanism too:
:class:`AutoSchema` adds each error response an operation can give from what its view is made of,
with the body the shared handler writes, unless the view documents that code itself. A code a view
documents without a body gets the shared body.

- 400: an operation that reads a body (parse errors, field errors) or query parameters;
- 401: a view that authenticates by token (a bad token is refused even where no login is needed)
  or signature, or that needs a login;
- 403: a view with session authentication (CSRF on a write) or a permission beyond a login;
- 404: a path with parameters, or a paginated list (a page past the end);
- 406: any operation (the API answers ``application/json`` only);
- 413, 415: an operation that reads a body;
- 429: a throttled view;
- 500: any operation, JSON like every other error.
"""

from __future__ import annotations

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated


class ErrorSerializer(serializers.Serializer):
    """Every API error but field errors: a stable English code and a message in the reader's
    language."""

    error = serializers.CharField(help_text="A stable code, e.g. not_found, not_authenticated.")
    detail = serializers.CharField(help_text="A readable message in the reader's language.")


# Field errors: each refused field with its messages (an object for a nested field, a list of
# objects for a list of them), e.g. ``{"weight_kg": ["A valid number is required."]}``. A component
# of its own (added by ``add_shared_components``): a serializer cannot say "any field".
FIELD_ERRORS_COMPONENT = {
    "type": "object",
    "description": "Field errors: each refused field with its messages, an object for a nested "
    'field, e.g. {"weight_kg": ["A valid number is required."]}.',
    "additionalProperties": {"anyOf": [{"type": "array", "items": {}}, {"type": "object"}]},
    "minProperties": 1,
}


# A 400 is either of the two bodies: a body that could not be read is an error, one that was read
# and refused field by field is field errors.
_ERROR = ErrorSerializer
_BAD_REQUEST = {
    "anyOf": [
        {"$ref": "#/components/schemas/Error"},
        {"$ref": "#/components/schemas/FieldErrors"},
    ]
}

GENERIC_DESCRIPTIONS = {
    "400": "The body or a query parameter was refused: field errors, or an error "
    "(parse_error: not JSON or not UTF-8, nested too deeply, too many values or fields, NaN, a NUL).",
    "401": "Not authenticated (error: not_authenticated, authentication_failed).",
    "403": "Not allowed (error: permission_denied; a write from a browser session without its CSRF token).",
    "404": "Not found (error: not_found).",
    "406": "The Accept header does not allow application/json (error: not_acceptable).",
    "413": "The body is too large (error: request_too_large).",
    "415": "The Content-Type is not one this operation reads (error: unsupported_media_type).",
    "429": "Too many requests; try again later (error: throttled).",
    "500": "The server could not complete the request (error: server_error).",
}

BODY_METHODS = {"POST", "PUT", "PATCH"}
JSON = "application/json"


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self.error_codes():
            described = responses.get(code)
            generic = self._error_response(code, GENERIC_DESCRIPTIONS[code])
            if described is None:
                responses[code] = generic
                continue
            own = (described.get("content") or {}).get(JSON, {}).get("schema")
            if own is None:  # described in words only: the shared body
                responses[code] = {**generic, "description": described["description"]}
                continue
            # The view's own body, or the shared mechanism's (a parse error beside field errors,
            # CSRF beside a restriction, an unknown carrier beside an unknown order).
            shared = generic["content"][JSON]["schema"]
            if own != shared:
                variants = [*own.get("anyOf", [own])]
                variants += [v for v in shared.get("anyOf", [shared]) if v not in variants]
                described["content"][JSON]["schema"] = {"anyOf": variants}
        return dict(sorted(responses.items()))

    def map_parsers(self) -> list[str]:
        # The API is documented as JSON. Its views also read forms (the browser's, and a test
        # client's default), but only an upload documents them, with an explicit request body.
        return [JSON]

    def _error_response(self, code: str, description: str) -> dict:
        if code == "400":
            self.resolve_serializer(ErrorSerializer, "response")
            return {"content": {JSON: {"schema": _BAD_REQUEST}}, "description": description}
        return self._get_response_for_code(OpenApiResponse(_ERROR, description=description), code)

    def error_codes(self) -> list[str]:
        view = self.view
        codes = {"406", "500"}
        reads_body = self.method in BODY_METHODS
        if reads_body or self._get_filter_parameters() or self._is_list_view():
            codes.add("400")
        if reads_body:
            codes |= {"413", "415"}
        authenticators = [type(a) for a in view.get_authenticators()]
        permissions = [type(p) for p in view.get_permissions()]
        needs_login = any(p is not AllowAny for p in permissions)
        if needs_login or any(issubclass(a, TokenAuthentication) for a in authenticators):
            codes.add("401")
        if any(p not in (AllowAny, IsAuthenticated) for p in permissions) or (
            self.method not in ("GET", "HEAD", "OPTIONS")
            and any(issubclass(a, SessionAuthentication) for a in authenticators)
        ):
            codes.add("403")
        if "{" in self.path or (self._is_list_view() and self._get_paginator() is not None):
            codes.add("404")
        if view.get_throttles():
            codes.add("429")
        return sorted(codes)


def add_shared_components(result: dict, generator, request, public) -> dict:
    """Postprocessing hook (SPECTACULAR_SETTINGS): the components no serializer can describe."""
    result.setdefault("components", {}).setdefault("schemas", {})["FieldErrors"] = FIELD_ERRORS_COMPONENT
    return result
