"""Continued use of the platform after a new version takes effect is acceptance (DESIGN §6).

Recorded when the user logs in, books, or calls the API with a token: each is use of the service.
What was checked for whom is remembered in the cache, so the check costs nothing until a version
changes (noticed within a minute: the versions in force are cached that long).
"""

from django.core.cache import cache
from django.http import HttpRequest

from accounts.request_meta import client_ip, client_user_agent
from accounts.selectors import agreements_in_force
from accounts.services.agreements import agreements_continued_use_record

CACHE_KEY = "accounts:agreements_in_force"
CHECKED_KEY = "accounts:agreements_checked:{user_id}"
CACHE_SECONDS = 60
CHECKED_SECONDS = 24 * 3600


def in_force_key() -> str:
    """The versions in force, as one string ("privacy:v1|terms:v2"), cached for a minute."""
    key = cache.get(CACHE_KEY)
    if key is None:
        key = "|".join(sorted(f"{a.kind}:{a.version}" for a in agreements_in_force()))
        cache.set(CACHE_KEY, key, CACHE_SECONDS)
    return key


def agreements_continued_use_check(request: HttpRequest | None, user) -> None:
    """Record acceptance of the versions in force the user has not accepted (once per version)."""
    current = in_force_key()
    checked = CHECKED_KEY.format(user_id=user.pk)
    if cache.get(checked) == current:
        return
    agreements_continued_use_record(
        user=user,
        ip=client_ip(request) if request is not None else None,
        user_agent=client_user_agent(request) if request is not None else "",
    )
    cache.set(checked, current, CHECKED_SECONDS)
