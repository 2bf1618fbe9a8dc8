"""Project middleware: the request-size ceiling and the guard against NUL in the address."""

from __future__ import annotations

from urllib.parse import unquote

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse

from courier_platform import errors


class RequestSizeLimitMiddleware:
    """Refuse a body declared larger than ``REQUEST_MAX_BYTES`` before anything reads it.

    Django bounds the non-file part of a form (``DATA_UPLOAD_MAX_MEMORY_SIZE``) and the number of
    fields and files, but not the files' total; this is the ceiling for everything, uploads included.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_MAX_BYTES:
            return errors.bad_request(request, RequestDataTooBig())
        return self.get_response(request)


class AddressGuardMiddleware:
    """Refuse an address with a NUL character in its path (404) or query string (400).

    PostgreSQL cannot store or compare text containing NUL, so any value taken from the address and
    handed to the ORM (an order number, an agreement version, ``?from=``) would end the request in
    a 500. Forms and API fields already refuse NUL; this covers what comes from the URL, once, for
    every view. The answers are the site's own: JSON under ``/api/``, pages elsewhere.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path_info:
            return errors.page_not_found(request)
        if "\x00" in unquote(request.META.get("QUERY_STRING", "")):
            return errors.bad_address(request)
        return self.get_response(request)
