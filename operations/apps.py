from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "operations"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from courier_platform.strict_text import text_fields_take_text_only
        from operations import logs, metrics

        logs.connect_task_signals()
        metrics.register()
        text_fields_take_text_only()
