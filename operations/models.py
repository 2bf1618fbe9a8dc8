"""What the running platform keeps about itself: the heartbeats /readyz reads."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """The last time a periodic job ran, by name. Beat schedules ``operations.tasks.beat_heartbeat``
    and a worker runs it: a recent beat heartbeat says both beat and a worker are alive. The
    midnight expiry records each run as ``expiry``, with what it did in ``detail``."""

    name = models.CharField(_("name"), max_length=40, unique=True)
    at = models.DateTimeField(_("at"))
    # What the job reported about its last run (the expiry: as of when, orders, batches, seconds).
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} {self.at.isoformat()}"
