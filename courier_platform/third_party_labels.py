"""Admin labels of installed libraries whose own catalogues leave them untranslated (Django REST
framework's zh_Hant catalogue keeps "Token"). Marked here, they enter the project catalogue, which
Django reads before any library's (``LOCALE_PATHS``)."""

from django.utils.translation import gettext_noop

LABELS = (gettext_noop("Token"), gettext_noop("Tokens"))
