"""Token authentication that also records continued use of the agreements (DESIGN §6)."""

from rest_framework import authentication

from accounts.continued_use import agreements_continued_use_check


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token …``; an app's first call after a new version takes effect is the
    user's acceptance by continued use, as a page view is for the browser."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            agreements_continued_use_check(request._request, result[0])
        return result
