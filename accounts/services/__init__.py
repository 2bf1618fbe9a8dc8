"""Writes of the accounts app: sign-up, login and its lockout, passwords, the profile, the address book.

Pages, the API, the admin and commands call these; they raise ``ValidationError`` keyed by field
name (``phone``, ``email``, ``password``, ``agreement_version``, address fields) so each caller
can show the errors next to its own inputs.
"""

from .addresses import (
    ADDRESS_BOOK_LIMIT,
    ADDRESS_FIELDS,
    address_create,
    address_delete,
    address_set_default,
    address_update,
)
from .agreements import agreement_accept
from .contacts import contact_change_confirm, contact_change_request
from .feedback import feedback_answer, feedback_submit
from .login import (
    InvalidCredentials,
    LoginError,
    login_attempt,
    login_digest,
    login_success_register,
    user_unlock,
)
from .passwords import (
    credentials_revoke,
    password_change,
    password_reset_confirm,
    password_reset_request,
)
from .privacy import account_data_export, account_delete, account_terminate
from .profile import PROFILE_FIELDS, profile_update
from .signup import user_signup

__all__ = [
    "account_data_export",
    "account_delete",
    "account_terminate",
    "ADDRESS_BOOK_LIMIT",
    "ADDRESS_FIELDS",
    "PROFILE_FIELDS",
    "InvalidCredentials",
    "LoginError",
    "address_create",
    "address_delete",
    "address_set_default",
    "address_update",
    "agreement_accept",
    "contact_change_confirm",
    "contact_change_request",
    "credentials_revoke",
    "feedback_answer",
    "feedback_submit",
    "login_attempt",
    "login_digest",
    "login_success_register",
    "password_change",
    "password_reset_confirm",
    "password_reset_request",
    "profile_update",
    "user_signup",
    "user_unlock",
]
