"""Per-IP rate limits on the doors people guess at: logins and password-reset codes (DESIGN §6).

DRF throttles, used by the API views as ``throttle_classes`` and by the pages through
``page_throttled``, so a client meets the same limit on both. The client is ``REMOTE_ADDR``
(``NUM_PROXIES`` is 0 unless the deployment says which proxy rewrites X-Forwarded-For).
"""

from django.http import HttpRequest
from rest_framework.throttling import SimpleRateThrottle


class _PerIpThrottle(SimpleRateThrottle):
    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginRateThrottle(_PerIpThrottle):
    scope = "login"


class PasswordResetRateThrottle(_PerIpThrottle):
    scope = "password_reset"


def page_throttled(request: HttpRequest, throttle_class: type[_PerIpThrottle]) -> int | None:
    """Count a page's POST against the throttle; the seconds to wait when over the limit, else None."""
    throttle = throttle_class()
    if throttle.allow_request(request, None):
        return None
    return max(1, int(throttle.wait() or 1))
