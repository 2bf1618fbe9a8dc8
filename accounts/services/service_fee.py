"""Service-fee announcements (000 3.2): the platform service fee changes only through an
announcement published before the date it applies from, sent to every user."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import ServiceFeeAnnouncement
from accounts.service_fee import service_fee_forget
from notifications.announcements import broadcast_start
from notifications.models import Kind


def service_fee_announcement_publish(
    *, announcement: ServiceFeeAnnouncement, now: datetime | None = None
) -> int:
    """Publish an announcement and tell every active user (a batched broadcast after commit);
    returns how many users are told.

    Refused when it is published already or its effective date is not later than now (the moment
    of publication): nobody may pay a fee they were not told about first.
    """
    now = now or timezone.now()
    with transaction.atomic():
        announcement = ServiceFeeAnnouncement.objects.select_for_update().get(pk=announcement.pk)
        if announcement.published_at is not None:
            raise ValidationError(_("This announcement is published already."), code="published")
        if announcement.effective_at <= now:
            raise ValidationError(
                {"effective_at": _("The effective date must be later than the publication.")},
                code="effective_too_early",
            )
        announcement.published_at = now
        announcement.save(update_fields=["published_at"])
        told = broadcast_start(
            kind=Kind.SERVICE_FEE_ANNOUNCEMENT,
            context={
                "amount": str(announcement.fee),
                "currency": "CNY",
                "effective_at": announcement.effective_at,
            },
            dedupe_key=f"service_fee:{announcement.pk}",
        )
        transaction.on_commit(service_fee_forget)
    return told
