from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.urls import reverse
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


# Optional channels a user chooses for notices (DESIGN §7.3 ``channels``); in-app is always on.
# ``notifications.services.channels_for`` reads ``User.notification_channels`` with these defaults.
NOTIFICATION_CHANNELS = ("sms", "email", "push", "wechat")
NOTIFICATION_CHANNEL_DEFAULTS = {"sms": False, "email": True, "push": False, "wechat": False}


def notification_channels_default() -> dict[str, bool]:
    return dict(NOTIFICATION_CHANNEL_DEFAULTS)


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
    notification_channels = models.JSONField(
        _("notification channels"), default=notification_channels_default, blank=True
    )
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username


class AgreementKind(models.TextChoices):
    TERMS = "terms", _("User service agreement")
    PRIVACY = "privacy", _("Privacy policy")


class Agreement(models.Model):
    """A version of the user service agreement (用户服务协议) or of the privacy policy (隐私政策).

    A version is a draft until ``published_at`` is set. The current version is the latest
    published one whose ``effective_at`` has passed; a published one not yet effective is
    "upcoming" (see ``accounts.selectors``). Published text is never edited: a change is a new
    version.
    """

    kind = models.CharField(
        _("document"), max_length=10, choices=AgreementKind.choices, default=AgreementKind.TERMS
    )
    version = models.CharField(_("version"), max_length=20)
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    effective_at = models.DateTimeField(_("effective from"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("user agreement")
        verbose_name_plural = _("user agreements")
        ordering = ["-effective_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="one_version_per_document"),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.version}"

    def get_absolute_url(self) -> str:
        if self.kind == AgreementKind.PRIVACY:
            return reverse("privacy_version", kwargs={"version": self.version})
        return reverse("accounts:agreement_version", kwargs={"version": self.version})

    @property
    def is_published(self) -> bool:
        return self.published_at is not None and self.published_at <= timezone.now()


class AcceptanceMethod(models.TextChoices):
    SIGNUP = "signup", _("Ticked the box at sign-up")
    CONTINUED_USE = "continued_use", _("Continued use after the effective date")


class AgreementAcceptance(models.Model):
    """Evidence that a user accepted a version of the agreement: when, from where, and how."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="agreement_acceptances",
        verbose_name=_("user"),
    )
    agreement = models.ForeignKey(
        Agreement, on_delete=models.PROTECT, related_name="acceptances", verbose_name=_("agreement")
    )
    accepted_at = models.DateTimeField(_("accepted at"), default=timezone.now)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=512, blank=True)
    method = models.CharField(_("how"), max_length=20, choices=AcceptanceMethod.choices)

    class Meta:
        verbose_name = _("agreement acceptance")
        verbose_name_plural = _("agreement acceptances")
        ordering = ["-accepted_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "agreement"], name="accept_each_agreement_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.agreement.version}"


class Address(models.Model):
    """An entry of a user's address book: a place parcels are collected from or sent to."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="addresses",
        verbose_name=_("user"),
    )
    label = models.CharField(_("label"), max_length=20, blank=True)
    name = models.CharField(_("contact name"), max_length=60)
    phone = models.CharField(_("contact phone"), max_length=24)
    province = models.CharField(_("province"), max_length=30)
    city = models.CharField(_("city"), max_length=30)
    district = models.CharField(_("district"), max_length=30)
    address = models.CharField(_("street address"), max_length=200)
    is_default = models.BooleanField(_("default address"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["-is_default", "-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(is_default=True), name="one_default_address_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.province}{self.city}{self.district}{self.address}"

    @property
    def region(self) -> str:
        return " ".join(part for part in (self.province, self.city, self.district) if part)


class ViolationKind(models.TextChoices):
    """What a user did against the agreement (000 6.1.1–6.1.7 and 4.14; DESIGN §3.2, §6)."""

    ATTACK_SPAM = "attack_spam", _("Attacks or spam")  # 6.1.1
    MALICIOUS_REVIEW = "malicious_review", _("Off-topic or malicious review")  # 6.1.2
    FRAUD = "fraud", _("Fraud")  # 6.1.3
    ABUSING_STAFF = "abusing_staff", _("Abusing staff or couriers")  # 6.1.4
    FREQUENT_CANCELLATION = "frequent_cancellation", _("Frequent cancellations or refusals of service")
    FALSE_INFORMATION = "false_information", _("False order information")  # 6.1.6
    OTHER = "other", _("Other")  # 6.1.7
    SUBSIDY_ABUSE = "subsidy_abuse", _("Subsidy abuse")  # 4.14


class Violation(models.Model):
    """A breach of the agreement recorded on a user, by an admin or from a carrier's report.

    Restrictions (DESIGN §6) read these; recording one restricts nothing by itself.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="violations",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=ViolationKind.choices)
    note = models.TextField(_("note"), blank=True)
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="violations",
        verbose_name=_("order"),
    )
    # The review it is about (a complaint upheld by a moderator, 000 6.1.2).
    review = models.ForeignKey(
        "reviews.Review",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="violations",
        verbose_name=_("review"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    # Set when the violation comes from a carrier's report (e.g. prohibited goods found in a parcel).
    carrier = models.ForeignKey(
        "carriers.Carrier",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reported by carrier"),
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "kind", "-created_at"])]
        verbose_name = _("violation")
        verbose_name_plural = _("violations")

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()}"


class LoginGuard(models.Model):
    """Failed password logins counted per (client IP, login): the lockout of DESIGN §6.

    Keyed by IP *and* login so a stranger guessing from elsewhere cannot lock the owner out; the
    login is stored as a keyed digest (the same for known and unknown accounts, and no phone number
    or e-mail address in this table). The row is locked and counted before the password is
    checked, so parallel attempts cannot get more checks than the limit.
    """

    ip = models.CharField(_("IP address"), max_length=45, blank=True)
    login_digest = models.CharField(_("login (digest)"), max_length=64)
    failures = models.PositiveIntegerField(_("failed logins"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("login guard")
        verbose_name_plural = _("login guards")
        constraints = [
            models.UniqueConstraint(fields=["ip", "login_digest"], name="one_login_guard_per_ip_and_login"),
        ]
        indexes = [models.Index(fields=["login_digest"])]

    def __str__(self) -> str:
        return f"{self.ip or '-'} · {self.login_digest[:8]}"


class PasswordResetCode(models.Model):
    """A 6-digit code sent to the account's phone or e-mail to set a new password (000 2.2).

    Only a keyed digest of the code is stored; it is valid for ``PASSWORD_RESET_CODE_MINUTES``
    and ``PASSWORD_RESET_CODE_TRIES`` wrong guesses.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="password_reset_codes",
        verbose_name=_("user"),
    )
    code_digest = models.CharField(_("code (digest)"), max_length=64)
    sent_to = models.CharField(_("sent by"), max_length=10)  # "sms" or "email"
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    tries = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("password reset code")
        verbose_name_plural = _("password reset codes")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"


class ContactField(models.TextChoices):
    PHONE = "phone", _("mobile number")
    EMAIL = "email", _("e-mail address")


class ContactChange(models.Model):
    """A new mobile number or e-mail address that takes effect once the code sent to it is entered.

    Only a keyed digest of the code is stored; it is valid for ``CONTACT_CODE_MINUTES`` and
    ``CONTACT_CODE_TRIES`` wrong guesses. A newer request for the same field replaces it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="contact_changes",
        verbose_name=_("user"),
    )
    field = models.CharField(_("contact detail"), max_length=10, choices=ContactField.choices)
    new_value = models.CharField(_("new value"), max_length=254)
    code_digest = models.CharField(_("code (digest)"), max_length=64)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    tries = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("contact change")
        verbose_name_plural = _("contact changes")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "field", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.field}"


class UserSession(AbstractBaseSession):
    """A browser session that knows whose it is, so one user's sessions are found by an index
    (account deletion, termination) instead of by decoding every session row.

    ``user_pk`` is a plain column, not a foreign key: a session saved by a request still running
    when its user is deleted must not fail.
    """

    user_pk = models.PositiveBigIntegerField(_("user id"), null=True, blank=True, db_index=True)

    class Meta(AbstractBaseSession.Meta):
        verbose_name = _("session")
        verbose_name_plural = _("sessions")


class RestrictionScope(models.TextChoices):
    ORDERING = "ordering", _("Ordering")
    REVIEWING = "reviewing", _("Reviewing")
    BOTH = "both", _("Ordering and reviewing")


class RestrictionCause(models.TextChoices):
    ADMIN = "admin", _("Applied by an administrator")
    FREQUENT_CANCELLATIONS = "frequent_cancellations", _("Frequent cancellations")
    SUSPENSION = "suspension", _("Account suspended")


class Restriction(models.Model):
    """A limit on what a user may do (DESIGN §6): new orders, new reviews, or both.

    In force from ``starts_at`` until ``ends_at`` (``None``: permanent) unless lifted earlier; it
    ends by itself, so nothing has to run at its end. Open orders go on whatever it says.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="restrictions",
        verbose_name=_("user"),
    )
    scope = models.CharField(_("restricts"), max_length=10, choices=RestrictionScope.choices)
    cause = models.CharField(_("cause"), max_length=30, choices=RestrictionCause.choices)
    reason = models.TextField(_("reason shown to the user"), blank=True)
    starts_at = models.DateTimeField(_("from"), default=timezone.now)
    ends_at = models.DateTimeField(_("until"), null=True, blank=True, help_text=_("Empty: permanent."))
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    violation = models.ForeignKey(
        Violation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("violation"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("applied by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["user", "ends_at"])]
        verbose_name = _("restriction")
        verbose_name_plural = _("restrictions")

    def __str__(self) -> str:
        return f"{self.user} · {self.get_scope_display()}"

    def covers(self, scope: str) -> bool:
        return self.scope in (scope, RestrictionScope.BOTH)


class FeedbackCategory(models.TextChoices):
    QUESTION = "question", _("Question")
    SUGGESTION = "suggestion", _("Suggestion")
    COMPLAINT = "complaint", _("Complaint")


class FeedbackStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


class Feedback(models.Model):
    """A question, suggestion or complaint from a user, optionally about one of their orders."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feedback", verbose_name=_("user")
    )
    category = models.CharField(_("category"), max_length=12, choices=FeedbackCategory.choices)
    text = models.TextField(_("text"))
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("order"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=FeedbackStatus.choices, default=FeedbackStatus.OPEN
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"is_staff": True},
        verbose_name=_("assignee"),
    )
    reply = models.TextField(_("reply"), blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")

    def __str__(self) -> str:
        return f"{self.get_category_display()} · {self.user}"


class ServiceFeeAnnouncement(models.Model):
    """An announced platform service fee (000 3.2): the fee per order from ``effective_at`` on.

    A draft until published; publishing tells every user, and only an effective date later than
    the publication is accepted, so a fee is always announced before it applies. The fee in force
    is the latest published one whose date has passed (``accounts.selectors``); before any, the
    ``PLATFORM_SERVICE_FEE`` setting (0). Published announcements are never edited.
    """

    fee = models.DecimalField(_("service fee per order (CNY)"), max_digits=8, decimal_places=2)
    effective_at = models.DateTimeField(_("effective from"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("service fee announcement")
        verbose_name_plural = _("service fee announcements")
        ordering = ["-effective_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(fee__gte=0), name="service_fee_not_negative"),
            models.CheckConstraint(
                condition=models.Q(published_at__isnull=True)
                | models.Q(effective_at__gt=models.F("published_at")),
                name="service_fee_announced_before_it_applies",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fee} · {self.effective_at:%Y-%m-%d %H:%M}"
