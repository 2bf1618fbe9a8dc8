from decimal import Decimal

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class TransportMode(models.TextChoices):
    AIR = "air", _("Air")
    GROUND = "ground", _("Ground")


class PricingKind(models.TextChoices):
    WEIGHT = "weight", _("By weight and zone")
    BAG = "bag", _("By bag, plus surcharge")


class Payer(models.TextChoices):
    """Who pays the freight (003 §9c): the sender at pickup, or the recipient on delivery (到付).
    Either way the sender stays liable for what the recipient does not pay."""

    SENDER = "sender", _("The sender, at pickup (寄付)")
    RECIPIENT = "recipient", _("The recipient, on delivery (到付)")


class Zone(models.TextChoices):
    SAME_CITY = "same_city", _("Same city")
    SAME_PROVINCE = "same_province", _("Same province")
    OTHER_PROVINCE = "other_province", _("Other province")
    REMOTE = "remote", _("Remote province")


class Carrier(models.Model):
    """A logistics company the platform matches orders to (DESIGN §4)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh_hans = models.CharField(_("name (simplified Chinese)"), max_length=80)
    name_zh_hant = models.CharField(_("name (traditional Chinese)"), max_length=80, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=80, blank=True)
    active = models.BooleanField(_("active"), default=True)

    # Service area: province adcode prefixes (two digits, "44" = 广东省, "81" = 香港).
    # Empty means every mainland province.
    origin_provinces = models.JSONField(_("origin provinces"), default=list, blank=True)
    destination_provinces = models.JSONField(_("destination provinces"), default=list, blank=True)
    transport_modes = models.JSONField(_("transport modes"), default=list)

    max_weight_kg = models.DecimalField(_("max weight per piece (kg)"), max_digits=8, decimal_places=2)
    max_length_cm = models.DecimalField(_("max length (cm)"), max_digits=8, decimal_places=1)
    max_volume_cm3 = models.DecimalField(_("max volume (cm³)"), max_digits=12, decimal_places=0)
    pickup_start = models.TimeField(_("pickup hours from"))
    pickup_end = models.TimeField(_("pickup hours until"))

    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    pricing = models.CharField(
        _("pricing"), max_length=10, choices=PricingKind.choices, default=PricingKind.WEIGHT
    )
    volumetric_divisor = models.PositiveIntegerField(_("volumetric divisor"), default=6000)
    weight_step_kg = models.DecimalField(
        _("weight step (kg)"), max_digits=4, decimal_places=2, default=Decimal("0.5")
    )
    # Bag pricing (003 §9): surcharge = service fee + estimated import tax on the declared value.
    surcharge_service_fee = models.DecimalField(
        _("surcharge service fee"), max_digits=10, decimal_places=2, default=Decimal("0")
    )
    import_tax_rate = models.DecimalField(
        _("estimated import tax rate"), max_digits=5, decimal_places=4, default=Decimal("0")
    )
    # Destination provinces priced by weight rather than by bag (003 §9a "by weight for the
    # regions the carrier says").
    bag_weight_priced_provinces = models.JSONField(_("provinces priced by weight"), default=list, blank=True)

    insurance_rate = models.DecimalField(
        _("insurance rate"), max_digits=6, decimal_places=4, default=Decimal("0.005")
    )
    insurance_min_fee = models.DecimalField(
        _("insurance minimum fee"), max_digits=10, decimal_places=2, default=Decimal("1")
    )
    insurance_max_value = models.DecimalField(
        _("maximum insured value / compensation cap"), max_digits=12, decimal_places=2
    )
    claim_window_days = models.PositiveIntegerField(_("claim window (days from pickup)"), default=30)
    claim_documents_days = models.PositiveIntegerField(_("documents window (days from claim)"), default=90)

    refusal_groups = models.JSONField(
        _("refusal groups enforced"),
        default=list,
        blank=True,
        help_text=_("Numbers 1–11 of section 四 of the goods notice."),
    )
    requires_pickup_code = models.BooleanField(_("requires pickup code"), default=False)
    requires_customs_lines = models.BooleanField(
        _("requires customs lines"),
        default=False,
        help_text=_("The goods must be listed line by line (description, quantity, unit value) for customs."),
    )
    offers_recipient_pays = models.BooleanField(
        _("offers payment by the recipient (到付)"),
        default=False,
        help_text=_("Whether the sender may book with the recipient paying the freight on delivery."),
    )
    # The protocol the carrier speaks (DESIGN §7.4): a name in carriers.integrations' registry.
    integration = models.CharField(_("integration"), max_length=40, default="manual")
    # Its settings and credentials (DESIGN §7.5), by the integration's settings_fields.
    integration_settings = models.JSONField(_("integration settings"), default=dict, blank=True)
    endpoint_url = models.URLField(_("endpoint URL"), blank=True)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")

    def __str__(self) -> str:
        return f"{self.name_zh_hans} ({self.code})"

    @property
    def name(self) -> str:
        return carrier_name(self.name_zh_hans, self.name_zh_hant, self.name_en)


def carrier_name(name_zh_hans: str, name_zh_hant: str, name_en: str) -> str:
    """A carrier's name in the active language (simplified Chinese when it has none in that one)."""
    lang = (get_language() or "zh-hans").lower()
    if lang.startswith("en") and name_en:
        return name_en
    if lang in ("zh-hant", "zh-tw", "zh-hk") and name_zh_hant:
        return name_zh_hant
    return name_zh_hans


class ZoneRate(models.Model):
    """First-weight and continued-weight prices of one zone of a carrier's tariff."""

    carrier = models.ForeignKey(
        Carrier, on_delete=models.CASCADE, related_name="zone_rates", verbose_name=_("carrier")
    )
    zone = models.CharField(_("zone"), max_length=20, choices=Zone.choices)
    first_weight_kg = models.DecimalField(_("first weight (kg)"), max_digits=6, decimal_places=2)
    first_price = models.DecimalField(_("first-weight price"), max_digits=10, decimal_places=2)
    step_price = models.DecimalField(_("price per further step"), max_digits=10, decimal_places=2)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["carrier", "zone"], name="zone_rate_unique")]
        verbose_name = _("zone rate")
        verbose_name_plural = _("zone rates")

    def __str__(self) -> str:
        return f"{self.carrier.code} {self.zone}"


class TransitTime(models.Model):
    """How long a carrier takes to deliver in one zone, in days after pickup (DESIGN §4 ETA).

    Shown as an expected delivery date range, marked as an estimate, never a promise.
    """

    carrier = models.ForeignKey(
        Carrier, on_delete=models.CASCADE, related_name="transit_times", verbose_name=_("carrier")
    )
    zone = models.CharField(_("zone"), max_length=20, choices=Zone.choices)
    min_days = models.PositiveSmallIntegerField(_("fewest days"))
    max_days = models.PositiveSmallIntegerField(_("most days"))

    class Meta:
        ordering = ["carrier", "zone"]
        constraints = [
            models.UniqueConstraint(fields=["carrier", "zone"], name="transit_time_unique"),
            models.CheckConstraint(
                condition=models.Q(max_days__gte=models.F("min_days")), name="transit_time_range"
            ),
        ]
        verbose_name = _("transit time")
        verbose_name_plural = _("transit times")

    def __str__(self) -> str:
        return f"{self.carrier.code} {self.zone} {self.min_days}–{self.max_days}"


class BagSize(models.Model):
    """A fixed-price bag of a bag-priced carrier (003 §9a)."""

    carrier = models.ForeignKey(
        Carrier, on_delete=models.CASCADE, related_name="bag_sizes", verbose_name=_("carrier")
    )
    code = models.SlugField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=60)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2)
    max_weight_kg = models.DecimalField(_("max weight (kg)"), max_digits=6, decimal_places=2)
    max_items = models.PositiveIntegerField(_("max items"), null=True, blank=True)

    class Meta:
        ordering = ["price"]
        constraints = [models.UniqueConstraint(fields=["carrier", "code"], name="bag_size_unique")]
        verbose_name = _("bag size")
        verbose_name_plural = _("bag sizes")

    def __str__(self) -> str:
        return f"{self.carrier.code} {self.code}"


class ContractTerms(models.Model):
    """A version of a carrier's contract terms, shown to the user before booking (Chinese prevails)."""

    carrier = models.ForeignKey(
        Carrier, on_delete=models.CASCADE, related_name="contracts", verbose_name=_("carrier")
    )
    version = models.CharField(_("version"), max_length=40)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text (Chinese, prevails)"))
    published_at = models.DateTimeField(_("published at"), default=timezone.now)

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["carrier", "version"], name="contract_version_unique")]
        verbose_name = _("contract terms")
        verbose_name_plural = _("contract terms")

    def __str__(self) -> str:
        return f"{self.carrier.code} {self.version}"

    def get_absolute_url(self) -> str:
        return reverse(
            "carriers:contract_version", kwargs={"code": self.carrier.code, "version": self.version}
        )


class CarrierCredential(models.Model):
    """A webhook signing secret of a carrier (DESIGN §7.2).

    The secret is stored as issued: HMAC needs it in clear on both sides, so it cannot be hashed.
    Only the two newest unrevoked rows verify (rotation keeps the previous one valid); see
    ``carriers.services.credentials``. Never log or display ``secret``; use ``masked_secret``.
    """

    carrier = models.ForeignKey(
        Carrier, on_delete=models.CASCADE, related_name="credentials", verbose_name=_("carrier")
    )
    secret = models.CharField(_("webhook secret"), max_length=100, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("carrier webhook secret")
        verbose_name_plural = _("carrier webhook secrets")

    def __str__(self) -> str:
        # Used in admin history (LogEntry.object_repr): must not contain the secret.
        return f"{self.carrier.code} {self.masked_secret}"

    @property
    def masked_secret(self) -> str:
        if not self.secret:
            return ""
        return f"whsec_…{self.secret[-4:]}"


class CarrierEventResult(models.TextChoices):
    APPLIED = "applied", _("Applied")
    RECORDED = "recorded", _("Recorded in the timeline")
    DUPLICATE = "duplicate", _("Duplicate")
    ILLEGAL = "illegal", _("Refused: illegal move")
    INVALID = "invalid", _("Refused: invalid payload")
    NOT_FOUND = "not_found", _("Refused: no such order")


# Results that consumed the webhook id: the event is in the timeline, so the same id again is a
# duplicate. A refused delivery (400, 404, 409) changed nothing and is judged afresh when the carrier
# retries it, so an event that arrived before the one it follows applies on the retry.
CARRIER_EVENT_TAKEN: tuple[str, ...] = (CarrierEventResult.APPLIED, CarrierEventResult.RECORDED)


class CarrierEvent(models.Model):
    """One signed callback a carrier sent (DESIGN §7.2), kept for audit whatever became of it.

    At most one row per carrier and webhook id has a result in ``CARRIER_EVENT_TAKEN``: the partial
    unique constraint is what makes two concurrent deliveries of one id apply once.
    """

    carrier = models.ForeignKey(
        Carrier, on_delete=models.PROTECT, related_name="events", verbose_name=_("carrier")
    )
    webhook_id = models.CharField(_("webhook id"), max_length=255)
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="carrier_events",
        verbose_name=_("order"),
    )
    order_number = models.CharField(_("order number sent"), max_length=40, blank=True)
    type = models.CharField(_("type"), max_length=40, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), null=True, blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    result = models.CharField(_("result"), max_length=12, choices=CarrierEventResult.choices)
    error = models.CharField(_("error"), max_length=500, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "webhook_id"],
                condition=models.Q(result__in=CARRIER_EVENT_TAKEN),
                name="carrier_event_applied_once",
            ),
        ]
        indexes = [models.Index(fields=["carrier", "webhook_id"], name="carrier_event_webhook_id")]
        verbose_name = _("carrier event")
        verbose_name_plural = _("carrier events")

    def __str__(self) -> str:
        return f"{self.carrier_id} {self.webhook_id} {self.type} {self.result}"


class CarrierOrderReference(models.Model):
    """What a carrier's own system calls one of the platform's orders (DESIGN §7.5): Kuaidi100's
    ``taskId`` and ``orderId``, SF's waybill numbers. Written when the carrier takes the booking;
    read to cancel it and to find the order a callback is about (Kuaidi100 reports by its own id).
    """

    carrier = models.ForeignKey(
        Carrier, on_delete=models.CASCADE, related_name="order_references", verbose_name=_("carrier")
    )
    order_number = models.CharField(_("order number"), max_length=40)
    task_id = models.CharField(_("carrier task id"), max_length=64, blank=True)
    external_id = models.CharField(_("carrier order id"), max_length=64, blank=True)
    waybill_numbers = models.JSONField(_("waybill numbers"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["carrier", "order_number"], name="carrier_reference_once"),
        ]
        indexes = [models.Index(fields=["carrier", "external_id"], name="carrier_reference_external")]
        verbose_name = _("carrier order reference")
        verbose_name_plural = _("carrier order references")

    def __str__(self) -> str:
        return f"{self.carrier_id} {self.order_number} → {self.external_id or self.task_id}"


class CarrierExchange(models.Model):
    """One call the platform made to a carrier's own API and what came back (DESIGN §7.5), kept for
    the carrier's delivery log: secrets and signatures left out, phone numbers masked."""

    carrier = models.ForeignKey(
        Carrier, on_delete=models.CASCADE, related_name="exchanges", verbose_name=_("carrier")
    )
    message_id = models.CharField(_("message id"), max_length=64, blank=True, db_index=True)
    order_number = models.CharField(_("order number"), max_length=40, blank=True)
    operation = models.CharField(_("operation"), max_length=40)
    request = models.JSONField(_("request"), default=dict, blank=True)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    response = models.TextField(_("response"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=10)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("carrier API call")
        verbose_name_plural = _("carrier API calls")

    def __str__(self) -> str:
        return f"{self.carrier_id} {self.operation} {self.order_number} {self.outcome}"


class ConfigurationVersion(models.Model):
    """One row; its number goes up in the same transaction as every change to what a quote reads
    (carriers, zone rates, transit times, bag sizes, contract terms, service-fee announcements), so
    each process compares it on every quote and reloads its snapshot only when it moved
    (``carriers.services.configuration``)."""

    version = models.PositiveBigIntegerField(_("version"), default=1)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("carrier configuration version")
        verbose_name_plural = _("carrier configuration version")

    def __str__(self) -> str:
        return str(self.version)
