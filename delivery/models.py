"""One table for everything the platform sends (DESIGN §7.1, §9; STYLE "a house to grow into").

A ``Message`` is one thing to deliver on one channel: a carrier push, an e-mail, an SMS, an in-app
notice. The engine (``delivery.services``) owns its due time, attempts, backoff and dead letter;
what the message means belongs to the app that wrote it and to the sender it registered for the
channel (``delivery.registry``). This app imports no other app of the project.
"""

import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    # Due at ``next_attempt_at``, whatever its last attempt did: the sweeper sends it.
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    # The dead letter: the attempts ran out or the sender refused it for good; an admin may retry.
    FAILED = "failed", _("Failed (gave up)")


class Message(models.Model):
    """``id`` is the message id the receiver de-duplicates on (a carrier's ``webhook-id``): every
    attempt carries the same one.

    ``subject`` names what the message is about in its app's terms (``order:42``,
    ``notification:7``); a message is written once per channel, subject and event type. Within one
    channel and subject a message waits while one of a lower ``rank`` is still pending, so a
    carrier never hears of a cancellation before the order itself.
    """

    id = models.UUIDField(_("message id"), primary_key=True, default=uuid.uuid4, editable=False)
    channel = models.CharField(_("channel"), max_length=30)
    event_type = models.CharField(_("event type"), max_length=50)
    subject = models.CharField(_("subject"), max_length=100)
    rank = models.PositiveSmallIntegerField(_("rank"), default=0)
    recipient = models.CharField(_("recipient"), max_length=100, blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # When it is due next (while pending): the sweeper sends every pending message past it.
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="message_due"),
            models.Index(fields=["subject", "channel"], name="message_subject"),
            # The admin lists (everything sent, carrier messages, deliveries) newest first.
            models.Index(fields=["created_at"], name="message_created"),
        ]
        constraints = [
            # Written once: a repeated job (expiry, a notice) cannot send the same thing twice.
            models.UniqueConstraint(fields=["channel", "subject", "event_type"], name="message_once"),
            models.CheckConstraint(condition=models.Q(status__in=Status.values), name="message_status_known"),
        ]
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")

    def __str__(self) -> str:
        return f"{self.channel} {self.event_type} {self.subject} ({self.id})"


class Outcome(models.TextChoices):
    SENT = "sent", _("Delivered")
    RETRY = "retry", _("Failed, retried later")
    FAILED = "failed", _("Failed for good")


class Attempt(models.Model):
    """One attempt at one message, whatever came of it: the record an admin reads."""

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="attempt_log", verbose_name=_("message")
    )
    number = models.PositiveIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["message", "number"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")

    def __str__(self) -> str:
        return f"{self.message_id} #{self.number} {self.outcome}"
