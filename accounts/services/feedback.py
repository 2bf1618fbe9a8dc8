"""Feedback from users (DESIGN §6): questions, suggestions and complaints, answered in the admin."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Feedback, FeedbackCategory, FeedbackStatus, User
from notifications.models import Kind
from notifications.services import notify

TEXT_MAX = 2000


def feedback_submit(*, user: User, category: str, text: str, order=None) -> Feedback:
    """Record a user's feedback; ``order`` must be the user's own."""
    errors: dict[str, list] = {}
    if category not in FeedbackCategory.values:
        errors["category"] = [_("Choose question, suggestion or complaint.")]
    text = (text or "").strip()
    if not text:
        errors["text"] = [_("Tell us what it is about.")]
    elif len(text) > TEXT_MAX:
        errors["text"] = [_("Use at most %(limit)d characters.") % {"limit": TEXT_MAX}]
    if order is not None and order.user_id != user.pk:
        errors["order"] = [_("This is not one of your orders.")]
    if errors:
        raise ValidationError(errors)
    return Feedback.objects.create(user=user, category=category, text=text, order=order)


@transaction.atomic
def feedback_answer(*, feedback: Feedback, reply: str, by: User) -> Feedback:
    """Answer a user's feedback: the reply reaches them as a notice, in their language's frame."""
    reply = (reply or "").strip()
    if not reply:
        raise ValidationError({"reply": _("Write the reply the user will read.")})
    feedback = Feedback.objects.select_for_update().get(pk=feedback.pk)
    feedback.reply = reply
    feedback.replied_at = timezone.now()
    feedback.status = FeedbackStatus.ANSWERED
    if feedback.assignee_id is None:
        feedback.assignee = by
    feedback.save(update_fields=["reply", "replied_at", "status", "assignee"])
    notify(
        user=feedback.user,
        kind=Kind.FEEDBACK_ANSWERED,
        context={"category": feedback.category, "reply": reply, "text": feedback.text[:200]},
        dedupe_key=f"feedback:{feedback.pk}:{feedback.replied_at.isoformat()}",
    )
    return feedback
