from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from .identifiers import normalize_login


class PhoneOrEmailBackend(ModelBackend):
    """Authenticate with a mobile number (any common spelling) or an e-mail address."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        try:
            login = normalize_login(username)
        except ValidationError:
            return None
        User = get_user_model()
        user = User.objects.filter(Q(username=login) | Q(phone=login) | Q(email=login)).first()
        if user is None:
            User().set_password(password)  # same work whether or not the user exists
            return None
        # A locked account refuses passwords for every caller of authenticate() (the admin login
        # too); counting failures and the lock message live in accounts.services.login_attempt.
        # Not in user_can_authenticate(): that would also end the owner's open sessions, letting
        # anyone who knows the number log them out.
        locked = user.locked_until is not None and user.locked_until > timezone.now()
        if user.check_password(password) and self.user_can_authenticate(user) and not locked:
            return user
        return None
