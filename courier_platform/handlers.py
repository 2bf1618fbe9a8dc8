"""The WSGI application: pages and the API through ``MIDDLEWARE``, and the signed carrier API
(DESIGN §7.2: callbacks and pulls) through the shorter ``CARRIER_API_MIDDLEWARE``.

A carrier's call is signed and carries no session, cookie or CSRF token: the static files, session,
user, messages, CSRF and common middleware only cost it time (about a tenth of a callback's CPU).
It keeps the rest: metrics, the request id, the security headers every answer carries, the reader's
language for its errors and the request-size ceiling. Only the paths of the signed carrier
endpoints take the short chain; everything else (the public carrier reviews included) is unchanged.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.test.utils import override_settings

CARRIER_API_PATH = re.compile(r"^/api/v1/carriers/[^/]+/(?:events|orders)/\Z")


class CarrierApiHandler(WSGIHandler):
    """Django's WSGI handler with ``CARRIER_API_MIDDLEWARE`` as its middleware chain."""

    def load_middleware(self, is_async: bool = False) -> None:
        # Django builds a chain from settings.MIDDLEWARE only; the chain is built once per process.
        with override_settings(MIDDLEWARE=settings.CARRIER_API_MIDDLEWARE):
            super().load_middleware(is_async)


class Application:
    """Sends each request to the handler of its path."""

    def __init__(self) -> None:
        self.pages = WSGIHandler()
        self.carrier_api = CarrierApiHandler()

    def __call__(self, environ, start_response):
        handler = self.carrier_api if CARRIER_API_PATH.match(environ.get("PATH_INFO", "")) else self.pages
        return handler(environ, start_response)
