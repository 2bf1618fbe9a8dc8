"""Creating an account (DESIGN §6)."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import AcceptanceMethod, AgreementKind, User
from accounts.selectors import agreement_current

from .agreements import agreement_accept
from .common import Errors, add_error, contacts_clean, taken_error


@transaction.atomic
def user_signup(
    *,
    phone: str | None = None,
    email: str | None = None,
    password: str,
    agreement_version: str,
    ip: str | None,
    user_agent: str,
) -> User:
    """Create an account that logs in with ``phone`` and/or ``email`` (DESIGN §6).

    Refused unless ``agreement_version`` is the agreement in force; the acceptance is stored with
    the IP address and user agent as evidence. All problems are reported at once.
    """
    errors: Errors = {}
    agreement = agreement_current()
    if agreement is None:
        add_error(
            errors, "agreement_version", _("Sign-up is closed: no user agreement is in force."), "closed"
        )
    elif (agreement_version or "").strip() != agreement.version:
        add_error(
            errors,
            "agreement_version",
            _("Please read and accept the current user service agreement (version %(version)s)."),
            "not_current",
            version=agreement.version,
        )
    phone_n, email_n = contacts_clean(
        phone=phone,
        email=email,
        exclude=None,
        errors=errors,
        required_message=_("Enter a mobile number or an e-mail address."),
    )
    try:
        validate_password(
            password, user=User(username=phone_n or email_n or "", phone=phone_n, email=email_n)
        )
    except ValidationError as exc:
        errors["password"] = exc.error_list
    if errors:
        raise ValidationError(errors)

    try:
        with transaction.atomic():
            user = User.objects.create_user(phone_n or email_n, password, phone=phone_n, email=email_n)
    except IntegrityError:
        raise taken_error(phone_n) from None
    agreement_accept(
        user=user, agreement=agreement, method=AcceptanceMethod.SIGNUP, ip=ip, user_agent=user_agent
    )
    # The privacy policy is linked next to the box; signing up accepts the version in force.
    privacy = agreement_current(kind=AgreementKind.PRIVACY)
    if privacy is not None:
        agreement_accept(
            user=user, agreement=privacy, method=AcceptanceMethod.SIGNUP, ip=ip, user_agent=user_agent
        )
    return user
