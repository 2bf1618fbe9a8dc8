"""Project middleware: the request-size ceiling."""

from __future__ import annotations

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
