"""API authentication with the account's own settings applied (DESIGN §6).

- Language: a request without ``Accept-Language`` gets its messages (errors included) in the
  language stored on the account, not the site default.
- Token calls are use of the service: the first after a new agreement version takes effect
  records acceptance by continued use, as a login does in the browser.
"""

from django.conf import settings
from django.utils import translation
from drf_spectacular.authentication import SessionScheme
from rest_framework import authentication

from accounts.continued_use import agreements_continued_use_check

LANGUAGES = {code for code, _name in settings.LANGUAGES}


def _use_account_language(request, user) -> None:
    if request.META.get("HTTP_ACCEPT_LANGUAGE"):
        return
    language = (getattr(user, "language", "") or "").lower()
    if language in LANGUAGES:
        translation.activate(language)
        request.LANGUAGE_CODE = language


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token …``."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            _use_account_language(request._request, result[0])
            agreements_continued_use_check(request._request, result[0])
        return result


class SessionAuthentication(authentication.SessionAuthentication):
    """The browser's session (the pages' language cookie, if any, already applies)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and not request._request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME):
            _use_account_language(request._request, result[0])
        return result


class AccountSessionScheme(SessionScheme):
    """The API schema documents the session cookie for our subclass as for DRF's own."""

    target_class = "accounts.api.authentication.SessionAuthentication"
