from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db.models import Q

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
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
