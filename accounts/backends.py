from django.contrib.auth.backends import ModelBackend

from .services.login import login_password_check


class PhoneOrEmailBackend(ModelBackend):
    """Authenticate with a mobile number (any common spelling) or an e-mail address.

    Every caller of ``authenticate()`` (login page, API token, the admin login) goes through the
    lockout of ``accounts.services.login``.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        return login_password_check(login=username, password=password, request=request)
