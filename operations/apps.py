from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "operations"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from operations import checks, logs, metrics  # noqa: F401 (checks registers itself)
        from operations.services import expiry_run_record
        from operations.strict_text import text_fields_take_text_only
        from orders.services.expiry import ExpiryRun, expiry_run_finished

        logs.connect_task_signals()
        metrics.register()
        text_fields_take_text_only()
        expiry_run_finished.connect(
            lambda sender, run, **kwargs: expiry_run_record(run=run),
            sender=ExpiryRun,
            weak=False,
            dispatch_uid="operations_expiry_run",
        )
