from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .identifiers import normalize_login


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, login: str, password: str | None, **extra):
        username = normalize_login(login)
        if "@" in username:
            extra.setdefault("email", username)
        else:
            extra.setdefault("phone", username)
        user = self.model(username=username, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, login: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(login, password, **extra)

    def create_superuser(self, username: str, password: str | None = None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create(username, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with a mobile number (E.164) or an e-mail address.

    ``username`` is the canonical form of whichever was used to sign up; ``phone`` and ``email``
    are the contact details, each unique when present, and either can be used to log in.
    """

    username = models.CharField(_("login"), max_length=254, unique=True)
    phone = models.CharField(_("mobile number"), max_length=20, unique=True, null=True, blank=True)
    email = models.EmailField(_("e-mail address"), unique=True, null=True, blank=True)
    display_name = models.CharField(_("name"), max_length=60, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    failed_login_count = models.PositiveIntegerField(_("failed logins"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username
