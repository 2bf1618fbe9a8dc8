"""What the running platform keeps about itself: the heartbeats /readyz reads."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """The last time a periodic job ran, by name. Beat schedules ``operations.tasks.beat_heartbeat``
    and a worker runs it: a recent beat heartbeat says both beat and a worker are alive."""

    name = models.CharField(_("name"), max_length=40, unique=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} {self.at.isoformat()}"
