"""Errors: the API answers JSON only, ``{"error": code, "detail": message}``; pages get the site's pages.

Two doors lead here. Inside a DRF view, ``api_exception_handler`` turns every exception DRF knows,
plus Django's request-limit exceptions, into the JSON body. Outside a view (no URL matched, a
failure in middleware, an unhandled exception) Django calls the ``handler400/403/404/500`` below,
which answer JSON under ``/api/`` and the site's own error page everywhere else.

A validation error keeps DRF's field-error object (``{"field": ["message"]}``), as DESIGN §7.3
documents for booking; anything else carries ``error`` (a stable English code) and ``detail`` (a
message in the reader's language).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

API_PREFIX = "/api/"


def is_api_request(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX) and not request.path_info.startswith("/api/docs/")


def error_body(code: str, detail) -> dict:
    return {"error": code, "detail": detail}


def _limit_exception(exc: Exception) -> exceptions.APIException | None:
    """Django's request-limit exceptions as API exceptions (size → 413, too many parts → 400)."""
    if isinstance(exc, RequestDataTooBig):
        error = exceptions.APIException(_("The request body is too large."), code="request_too_large")
        error.status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
        return error
    if isinstance(exc, TooManyFieldsSent):
        return exceptions.ParseError(
            _("The form has too many fields (at most %(max)d).")
            % {"max": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS},
            code="too_many_fields",
        )
    if isinstance(exc, TooManyFilesSent):
        return exceptions.ParseError(
            _("The form has too many files (at most %(max)d).")
            % {"max": settings.DATA_UPLOAD_MAX_NUMBER_FILES},
            code="too_many_files",
        )
    return None


def api_exception_handler(exc: Exception, context: dict):
    exc = _limit_exception(exc) or exc
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # unhandled: Django's handler500 answers (JSON under /api/)
    if isinstance(exc, exceptions.ValidationError) and isinstance(response.data, dict):
        return response
    data = response.data
    if isinstance(data, dict) and "error" in data:
        return response
    if isinstance(data, dict) and set(data) == {"detail"}:
        detail = data["detail"]
        code = getattr(detail, "code", None) or _code_of(exc)
        response.data = error_body(str(code), str(detail))
    elif isinstance(data, dict):
        response.data = {"error": _code_of(exc), **data}
    else:  # a list of messages (ValidationError("…") raised with a plain message)
        response.data = error_body(_code_of(exc), " ".join(str(item) for item in data))
    return response


def _code_of(exc: Exception) -> str:
    if isinstance(exc, exceptions.ValidationError):
        return "invalid"
    return getattr(exc, "default_code", None) or "error"


def _api_error(request: HttpRequest, status_code: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse(
        error_body(code, detail), status=status_code, json_dumps_params={"ensure_ascii": False}
    )


def _page(request: HttpRequest, template_name: str, status_code: int) -> HttpResponse:
    template = loader.get_template(template_name)
    return HttpResponse(template.render(request=request), status=status_code)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        if is_api_request(request):
            return _api_error(request, 413, "request_too_large", _("The request body is too large."))
        return _page(request, "413.html", 413)
    if is_api_request(request):
        limit = _limit_exception(exception) if exception else None
        if limit is not None:
            return _api_error(request, 400, str(limit.detail.code), str(limit.detail))
        return _api_error(request, 400, "bad_request", _("The request could not be understood."))
    return _page(request, "400.html", 400)


def bad_address(request: HttpRequest) -> HttpResponse:
    """A query string the platform refuses to read (a NUL character)."""
    if is_api_request(request):
        return _api_error(
            request, 400, "bad_request", _("The address contains a character that is not allowed.")
        )
    return _page(request, "400.html", 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_request(request):
        return _api_error(
            request, 403, "permission_denied", _("You do not have permission to perform this action.")
        )
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_request(request):
        return _api_error(request, 404, "not_found", _("Not found."))
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api_request(request):
        return _api_error(request, 500, "server_error", _("The server could not complete the request."))
    return defaults.server_error(request)
