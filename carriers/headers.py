"""A request's headers read from the WSGI environ on use (the carrier callback's hot path)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http.request import HttpHeaders


class MetaHeaders(Mapping[str, str]):
    """A request's headers, case-insensitive like ``request.headers``, read from the WSGI environ
    on use: a callback looks up its few headers by name, where Django's map converts every
    header's name first. The environ holds one value per name (the server joins repeated
    headers), so a name has one spelling here. Iterating builds Django's map."""

    __slots__ = ("_meta", "_all")

    def __init__(self, meta: Mapping[str, Any]):
        self._meta = meta
        self._all: HttpHeaders | None = None

    def __getitem__(self, name: str) -> str:
        key = name.upper().replace("-", "_")  # Django's map takes "webhook_id" too
        if key not in HttpHeaders.UNPREFIXED_HEADERS:
            key = HttpHeaders.HTTP_PREFIX + key
        return self._meta[key]

    def _headers(self) -> HttpHeaders:
        if self._all is None:
            self._all = HttpHeaders(self._meta)
        return self._all

    def __iter__(self):
        return iter(self._headers())

    def __len__(self) -> int:
        return len(self._headers())
