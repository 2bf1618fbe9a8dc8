from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Reviews and moderation")

    def ready(self) -> None:
        from carriers.selectors import carrier_rating_source_register

        from .selectors import carrier_rating_stats

        carrier_rating_source_register(carrier_rating_stats)
