"""A NUL character anywhere in the address (path or query) is refused cleanly, never a 500.

PostgreSQL cannot store or compare text containing NUL (psycopg2 raises ``ValueError``), so a value
taken from the URL and handed to the ORM would fail the request. One guard at the front of both
middleware chains answers before any view reads it: 404 for a path (there is no such address),
400 for a query string, JSON under ``/api/`` and the site's own pages elsewhere.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import UserFactory

NUL = "%00"


def _patterns(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def _with_nul(pattern: str) -> str | None:
    """The pattern as an address whose every argument carries a NUL (None: no argument to fill)."""
    path = pattern.lstrip("^").rstrip("$").replace("\\Z", "")
    filled, count = re.subn(r"<(?:\w+:)?\w+>|\(\?P<\w+>[^)]*\)", "a" + NUL + "b", path)
    if count == 0 or "(" in filled or "\\" in filled:
        return None
    return "/" + filled


ADDRESSES = sorted({a for a in map(_with_nul, _patterns(get_resolver())) if a})


def test_every_url_with_an_argument_is_covered():
    assert len(ADDRESSES) > 20
    assert "/orders/a%00b/" in ADDRESSES
    assert "/api/v1/orders/a%00b/review/" in ADDRESSES


@pytest.mark.parametrize("address", ADDRESSES)
def test_a_nul_in_any_path_argument_is_a_404(client, db, address):
    client.force_login(UserFactory())

    for method in ("get", "post"):
        response = getattr(client, method)(address)

        assert response.status_code == 404, (method, address, response.status_code)
        if address.startswith("/api/") and not address.startswith("/api/docs/"):
            assert response["Content-Type"] == "application/json"
            assert response.json()["error"] == "not_found"


QUERIES = [
    "/orders/book/?from=a%00b",
    "/orders/?status=a%00b",
    "/api/v1/orders/?status=a%00b",
    "/api/v1/orders/?a%00b=1",
    "/?next=%00",
]


@pytest.mark.parametrize("address", QUERIES)
def test_a_nul_in_the_query_string_is_a_400(client, db, address):
    client.force_login(UserFactory())

    response = client.get(address, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    if address.startswith("/api/"):
        assert response.json() == {
            "error": "bad_request",
            "detail": "The address contains a character that is not allowed.",
        }
    else:
        assert "text/html" in response["Content-Type"]


def test_a_nul_in_a_carrier_api_query_is_a_400_json(client, db):
    response = client.get("/api/v1/carriers/swift-express/orders/?number=a%00b", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"


def test_the_query_refusal_is_in_the_readers_language(client, db):
    response = client.get("/api/v1/orders/?status=%00", HTTP_ACCEPT_LANGUAGE="zh-hant")

    assert response.status_code == 400
    assert response.json() == {"error": "bad_request", "detail": "網址中含有不允許的字元。"}
