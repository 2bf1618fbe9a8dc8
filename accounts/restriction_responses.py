"""How a refused action looks when the user is restricted: the API's 403 body and the page.

Booking and reviewing (API views and pages) call ``restriction_check`` and hand the ``Restricted``
error to one of these, so every restricted action answers the same way.
"""

from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework import serializers, status
from rest_framework.response import Response

from accounts.services.restrictions import Restricted, restriction_check


class RestrictedSerializer(serializers.Serializer):
    """A restricted user's refused booking or review (the OpenAPI schema of restricted_body)."""

    error = serializers.CharField(help_text="Why, in the reader's language.")
    code = serializers.CharField(help_text='Always "restricted".')
    scope = serializers.CharField(help_text="What is restricted: ordering, reviewing or both.")
    reason = serializers.CharField()
    ends_at = serializers.DateTimeField(allow_null=True, help_text="null: permanent.")


def restricted_body(error: Restricted) -> dict:
    """``{"error", "code": "restricted", "scope", "reason", "ends_at"}``; ``ends_at`` null = permanent."""
    return {
        "error": error.message,
        "code": "restricted",
        "scope": error.restriction.scope,
        "reason": error.reason,
        "ends_at": error.ends_at.isoformat() if error.ends_at is not None else None,
    }


def restricted_api_response(error: Restricted) -> Response:
    return Response(restricted_body(error), status=status.HTTP_403_FORBIDDEN)


def restricted_page(request: HttpRequest, error: Restricted) -> HttpResponse:
    return render(request, "accounts/restricted.html", {"error": error}, status=403)


def refuse_when_restricted(scope: str):
    """Page decorator: a restricted user gets the restriction page (403) instead of the view."""

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.user.is_authenticated:
                try:
                    restriction_check(user=request.user, scope=scope)
                except Restricted as error:
                    return restricted_page(request, error)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
