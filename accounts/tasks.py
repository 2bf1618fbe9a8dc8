"""Celery tasks of accounts: thin, by id (STYLE "Background work")."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import ContactChange, ContactField, PasswordResetCode
from notifications.backends.sms import sms_backend
from notifications.errors import DeliveryError
from notifications.services import user_language


@shared_task(ignore_result=True, autoretry_for=(DeliveryError, OSError), max_retries=3, retry_backoff=10)
def send_password_reset_code(reset_id: int, code: str) -> None:
    """Send a reset code by the channel the user asked for (the code itself is stored only hashed)."""
    reset = PasswordResetCode.objects.select_related("user").filter(pk=reset_id, used_at__isnull=True).first()
    if reset is None:
        return  # replaced by a newer code, or used already
    user = reset.user
    language = user_language(user)
    with translation.override(language):
        text = _(
            "Your password reset code is %(code)s. It is valid for %(minutes)d minutes. "
            "Never share it with anyone."
        ) % {"code": code, "minutes": settings.PASSWORD_RESET_CODE_MINUTES}
        subject = _("Your password reset code")
    if reset.sent_to == "email" and user.email:
        send_mail(subject=subject, message=text, from_email=None, recipient_list=[user.email])
    elif user.phone:
        sms_backend().send(
            phone=user.phone,
            template="reset_code",
            params={"code": code, "minutes": str(settings.PASSWORD_RESET_CODE_MINUTES)},
            text=text,
            language=language,
        )


@shared_task(ignore_result=True, autoretry_for=(DeliveryError, OSError), max_retries=3, retry_backoff=10)
def send_contact_code(change_id: int, code: str) -> None:
    """Send the confirmation code of a new phone number or e-mail address to that new one."""
    change = ContactChange.objects.select_related("user").filter(pk=change_id, used_at__isnull=True).first()
    if change is None:
        return  # replaced by a newer request, or confirmed already
    language = user_language(change.user)
    with translation.override(language):
        text = _(
            "Your confirmation code is %(code)s. Enter it on your account page within %(minutes)d "
            "minutes to use this %(detail)s. Never share it with anyone."
        ) % {
            "code": code,
            "minutes": settings.CONTACT_CODE_MINUTES,
            "detail": ContactField(change.field).label,
        }
        subject = _("Confirm your new contact details")
    if change.field == ContactField.EMAIL:
        send_mail(subject=subject, message=text, from_email=None, recipient_list=[change.new_value])
    else:
        sms_backend().send(
            phone=change.new_value,
            template="contact_code",
            params={"code": code, "minutes": str(settings.CONTACT_CODE_MINUTES)},
            text=text,
            language=language,
        )
