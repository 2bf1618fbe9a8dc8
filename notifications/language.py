"""The language a user's notices are written in (DESIGN §6: their account setting)."""

from django.conf import settings

DEFAULT_LANGUAGE = "zh-hans"


def user_language(user) -> str:
    """The language the user's notices are written in: theirs if set, else simplified Chinese."""
    language = (getattr(user, "language", "") or "").lower()
    return language if language in {code for code, _name in settings.LANGUAGES} else DEFAULT_LANGUAGE
