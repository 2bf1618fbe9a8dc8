from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProhibitedConfig(AppConfig):
    name = "prohibited"
    verbose_name = _("Prohibited goods")
