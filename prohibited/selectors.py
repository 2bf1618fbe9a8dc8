"""Reads: the matcher for the current catalogue version, and the carriers screening judges for.

Each process keeps one matcher and compares the catalogue version (one primary-key read) on every
screen; an admin edit bumps the version, so web processes and Celery workers rebuild on their next
screen without a restart. The key includes ``changed_at`` so two different edits that end on the
same version number (a rolled-back test transaction, say) never share a matcher.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cache
from typing import Any

from django.db.models import QuerySet

from .catalogue import catalogue_from_db, catalogue_from_files
from .matching import Matcher
from .models import CatalogueVersion

_lock = threading.Lock()
_current: tuple[object, Matcher] | None = None


@cache
def file_matcher() -> Matcher:
    """The matcher of the shipped data files (no database needed)."""
    return Matcher(catalogue_from_files())


def catalogue_version_rows() -> QuerySet[CatalogueVersion]:
    """The version row, for a caller that reads it with its own in one statement (quotes)."""
    return CatalogueVersion.objects.filter(pk=1)


def catalogue_version_key() -> tuple | None:
    return catalogue_version_rows().values_list("version", "changed_at").first()


_UNREAD = object()


def catalogue_matcher(key: tuple | None | object = _UNREAD) -> Matcher:
    """The matcher of the catalogue rows; the data files when the table holds no catalogue
    (a database flushed by a transactional test, before migration 0002 reloads it).

    ``key`` is the version key the caller has just read (``catalogue_version_key()``'s value);
    without it, it is read here.
    """
    global _current
    if key is _UNREAD:
        key = catalogue_version_key()
    if key is None:
        return file_matcher()
    current = _current
    if current is not None and current[0] == key:
        return current[1]
    with _lock:
        if _current is None or _current[0] != key:
            _current = (key, Matcher(catalogue_from_db()))
        return _current[1]


def catalogue_matcher_reset() -> None:
    """Forget the cached matcher (tests that edit rows without bumping the version)."""
    global _current
    with _lock:
        _current = None


# The carriers whose refusal lists screening applies (objects with ``code``, ``refusal_groups`` and
# ``active``): code → [that carrier] or [] when there is none, None → every active carrier. The
# carriers app registers it when it loads: prohibited is the lowest app and imports no other.
ScreeningCarriers = Callable[[str | None], list[Any]]
_screening_carriers: ScreeningCarriers | None = None


def screening_carriers_register(source: ScreeningCarriers | None) -> None:
    global _screening_carriers
    _screening_carriers = source


def screening_carriers(code: str | None = None) -> list[Any]:
    """The carrier named ``code`` (a list of one, or empty), or every active carrier."""
    if _screening_carriers is None:
        return []
    return _screening_carriers(code)
