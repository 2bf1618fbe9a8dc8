"""Messages of Django itself that its own zh_Hans catalogue lacks, marked here so that
``i18n_tool extract accounts`` keeps them in ``accounts/locale`` (never called).

Django 5.2.19 reworded ``MinimumLengthValidator``'s error (``%d`` instead of ``%(min_length)d``)
without a zh_Hans translation, so sign-up showed it in English under zh-hans.
"""

from django.utils.translation import ngettext


def _django_messages(count: int) -> list[str]:
    return [
        # django.contrib.auth.password_validation.MinimumLengthValidator.get_error_message
        ngettext(
            "This password is too short. It must contain at least %d character.",
            "This password is too short. It must contain at least %d characters.",
            count,
        ),
    ]
