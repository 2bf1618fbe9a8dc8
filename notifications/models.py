"""Notices to users (DESIGN §9): one ``Notification`` per notice, one ``Delivery`` per channel.

The in-app inbox *is* the notification row; every other channel (e-mail, SMS, …) is a ``Delivery``,
a message of the delivery engine, sent by its Celery task after commit. Titles and bodies are stored already rendered in the user's
language, so the inbox, the API and every channel show the same words.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from delivery.models import Message
from delivery.models import Status as MessageStatus


class Kind(models.TextChoices):
    DISPATCH_FAILED = "dispatch_failed", _("No courier found yet")
    ACCEPTED = "accepted", _("Courier assigned")
    PICKUP_EXCEPTION = "pickup_exception", _("Pickup problem")
    PICKED_UP = "picked_up", _("Picked up")
    PROBLEM = "problem", _("Delivery problem")
    SIGNED = "signed", _("Delivered")
    REJECTED = "rejected", _("Refused by recipient")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")
    REVIEW_MODERATED = "review_moderated", _("Review moderated")
    RESTRICTION_APPLIED = "restriction_applied", _("Account restricted")
    AGREEMENT_UPDATED = "agreement_updated", _("User agreement updated")
    SERVICE_FEE_ANNOUNCEMENT = "service_fee_announcement", _("Service fee announcement")
    FEEDBACK_ANSWERED = "feedback_answered", _("Feedback answered")
    RETURN_LEG = "return_leg", _("Parcel returning to you")
    CLAIM_DECIDED = "claim_decided", _("Claim decided")


class ChannelCode(models.TextChoices):
    IN_APP = "in_app", _("In-app")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    PUSH = "push", _("Web Push")
    WECHAT = "wechat", _("WeChat")


# The delivery engine's statuses: pending (due at its next attempt, whatever the last one did), sent,
# failed (gave up: the attempts ran out or the channel refused it for good).
DeliveryStatus = MessageStatus


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,  # deleting an account deletes its notifications (DESIGN §6)
        related_name="notifications",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("order"),
    )
    requires_action = models.BooleanField(_("requires action"), default=False)
    # The context the text was rendered from, kept for other channels and later re-rendering.
    data = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    # Unique per user: the same notice (order, kind, source event) is never created twice, and an
    # announcement sent to everyone uses one key for all its recipients.
    dedupe_key = models.CharField(_("de-duplication key"), max_length=200, null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "dedupe_key"], name="notification_dedupe_per_user"),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_inbox"),
            models.Index(fields=["user", "read_at"], name="notification_unread"),
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


def notification_subject(notification_id: int) -> str:
    """How the delivery engine names a notification: its deliveries' ``subject``."""
    return f"notification:{notification_id}"


def notification_id_of(subject: str) -> int | None:
    prefix, _sep, pk = subject.partition(":")
    return int(pk) if prefix == "notification" and pk.isdigit() else None


class DeliveryQuerySet(models.QuerySet):
    def of(self, notification: Notification) -> "DeliveryQuerySet":
        return self.filter(subject=notification_subject(notification.pk))


class DeliveryManager(models.Manager.from_queryset(DeliveryQuerySet)):
    def get_queryset(self) -> DeliveryQuerySet:
        return super().get_queryset().filter(channel__in=ChannelCode.values)


class Delivery(Message):
    """One channel's delivery of a notification to its user, at most one per channel: a row of the
    delivery engine's one table of everything sent (``channel`` is the notification channel,
    ``event_type`` the notification's kind, ``subject`` names the notification)."""

    objects = DeliveryManager()

    class Meta:
        proxy = True
        ordering = ["created_at", "channel"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return f"{self.subject} {self.channel} {self.status}"


class BroadcastStatus(models.TextChoices):
    SENDING = "sending", _("Sending")
    DONE = "done", _("Done")


class Broadcast(models.Model):
    """One notice to every active user (a service-fee announcement, an agreement change), written in
    batches of users in id order. ``cursor`` is the last user id whose notice is written: each batch
    commits with its cursor, so a worker that dies midway loses at most its open batch, and the next
    run (``broadcasts_resume``, every minute) goes on from the cursor. Notices carry the broadcast's
    ``dedupe_key``, so no user is told twice whatever happens."""

    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    context = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    requires_action = models.BooleanField(_("requires action"), null=True, blank=True)
    dedupe_key = models.CharField(_("de-duplication key"), max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=BroadcastStatus.choices, default=BroadcastStatus.SENDING
    )
    cursor = models.BigIntegerField(_("last user id done"), default=0)
    told = models.PositiveIntegerField(_("users told"), default=0)
    # A running batch holds the broadcast until then; after it, a worker that died is assumed.
    leased_until = models.DateTimeField(_("held by a worker until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.dedupe_key})"


class PushSubscription(models.Model):
    """A browser's Web Push subscription (the account page subscribes): the push service's
    endpoint and the keys its messages are encrypted with."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="push_subscriptions",
        verbose_name=_("user"),
    )
    endpoint = models.URLField(_("endpoint"), max_length=1000, unique=True)
    p256dh = models.CharField(_("public key"), max_length=200)
    auth = models.CharField(_("auth secret"), max_length=100)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self) -> str:
        return f"{self.user_id} {self.endpoint[:60]}"


class WechatBinding(models.Model):
    """The user's openid with the platform's WeChat official account (bound on the account page)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="wechat_binding",
        verbose_name=_("user"),
    )
    openid = models.CharField(_("openid"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("WeChat binding")
        verbose_name_plural = _("WeChat bindings")

    def __str__(self) -> str:
        return f"{self.user_id} WeChat"
