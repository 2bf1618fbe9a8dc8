"""``unread_notifications`` and ``action_notice`` on every page (the header badge and the banner).

Both are lazy: a page that shows neither (the admin, an error page) costs no query; one that shows
both costs two. Anonymous visitors cost none.
"""

from django.utils.functional import SimpleLazyObject

from notifications import selectors


def inbox(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0, "action_notice": None}
    return {
        "unread_notifications": SimpleLazyObject(lambda: selectors.unread_count(user=user)),
        "action_notice": SimpleLazyObject(lambda: selectors.action_banner_for_user(user=user)),
    }
