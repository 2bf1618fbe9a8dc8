from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carriers.models import Carrier, ContractTerms, Payer
from delivery.models import Message
from delivery.models import Status as MessageStatus


class Status(models.TextChoices):
    PLACED = "placed", _("Placed")  # 已下单
    DISPATCHING = "dispatching", _("Dispatching")  # 派单中
    ACCEPTED = "accepted", _("Accepted")  # 已接单
    PICKED_UP = "picked_up", _("Picked up")  # 已揽件
    IN_TRANSIT = "in_transit", _("In transit")  # 运输中
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")  # 派送中
    PROBLEM = "problem", _("Problem parcel")  # 疑难件
    SIGNED = "signed", _("Signed for")  # 已签收
    REJECTED = "rejected", _("Refused by recipient")  # 已拒签
    CANCELLED = "cancelled", _("Cancelled")  # 已取消
    EXPIRED = "expired", _("Expired")  # 已失效


class ItemType(models.TextChoices):
    DOCUMENTS = "documents", _("Documents")
    DAILY = "daily", _("Daily goods")
    CLOTHING = "clothing", _("Clothing")
    FOOD = "food", _("Food")
    DIGITAL = "digital", _("Digital products")
    MEDICINE = "medicine", _("Medicine")
    OTHER = "other", _("Other")


class CancelReason(models.TextChoices):
    CHANGED_MIND = "changed_mind", _("I changed my mind")
    WRONG_DETAILS = "wrong_details", _("The order details are wrong")
    COURIER_NO_SHOW = "courier_no_show", _("The courier did not come")
    COURIER_LATE = "courier_late", _("The courier is late")
    COURIER_ASKED = "courier_asked", _("The courier asked me to cancel")
    OTHER = "other", _("Other")


class Actor(models.TextChoices):
    USER = "user", _("User")
    CARRIER = "carrier", _("Carrier")
    SYSTEM = "system", _("System")
    ADMIN = "admin", _("Admin")


class PickupException(models.TextChoices):
    """Pickup exceptions a carrier reports (DESIGN §3.3); the user must act before the deadline."""

    PHONE_INVALID = "phone_invalid", _("The phone number does not work")  # 电话号码异常
    CANNOT_ENTER = "cannot_enter", _("The courier cannot get in and the customer will not come out")
    UNREACHABLE = "unreachable", _("The customer could not be reached")  # 暂未联系上客户
    NOT_ACCEPTABLE = "not_acceptable", _("The parcel does not meet the pickup requirements")
    CUSTOMER_CANCEL = "customer_cancel", _("The customer asked the courier to cancel")
    DUPLICATE_ORDER = "duplicate_order", _("The customer booked twice")
    # The courier could not collect and the carrier names no reason of this table (Kuaidi100's
    # 揽货失败): the carrier's note says what happened.
    OTHER = "other", _("Another reason: the parcel could not be collected")


class RejectReason(models.TextChoices):
    """Why a parcel goes back to the sender (003 §8b), as ``order.rejected`` reports it."""

    REFUSED = "refused", _("The recipient refused the parcel")
    RECIPIENT_NOT_FOUND = "recipient_not_found", _("The recipient could not be found")
    UNACCEPTABLE = "unacceptable", _("The parcel could not be accepted for delivery")


class ReturnState(models.TextChoices):
    NONE = "", _("None")
    RETURNING = "returning", _("Returning to sender")
    RETURNED = "returned", _("Returned to sender")
    DISPOSED = "disposed", _("Disposed of")


class Order(models.Model):
    number = models.CharField(_("order number"), max_length=20, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="orders",
        verbose_name=_("user"),
    )
    carrier = models.ForeignKey(
        Carrier, on_delete=models.PROTECT, related_name="orders", verbose_name=_("carrier")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLACED, db_index=True
    )
    # occurred_at of the event that set the current status: older events are "late" (§3.1).
    status_changed_at = models.DateTimeField(_("status changed at"))

    sender_name = models.CharField(_("sender name"), max_length=60)
    sender_phone = models.CharField(_("sender phone"), max_length=24)
    sender_province = models.CharField(_("sender province"), max_length=30)
    sender_city = models.CharField(_("sender city"), max_length=30)
    sender_district = models.CharField(_("sender district"), max_length=30)
    sender_address = models.CharField(_("sender address"), max_length=200)
    recipient_name = models.CharField(_("recipient name"), max_length=60)
    recipient_phone = models.CharField(_("recipient phone"), max_length=24)
    recipient_province = models.CharField(_("recipient province"), max_length=30)
    recipient_city = models.CharField(_("recipient city"), max_length=30)
    recipient_district = models.CharField(_("recipient district"), max_length=30)
    recipient_address = models.CharField(_("recipient address"), max_length=200)

    pickup_start = models.DateTimeField(_("pickup window start"))
    pickup_end = models.DateTimeField(_("pickup window end"))
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=8, decimal_places=2)
    length_cm = models.DecimalField(_("length (cm)"), max_digits=7, decimal_places=1, null=True, blank=True)
    width_cm = models.DecimalField(_("width (cm)"), max_digits=7, decimal_places=1, null=True, blank=True)
    height_cm = models.DecimalField(_("height (cm)"), max_digits=7, decimal_places=1, null=True, blank=True)
    item_type = models.CharField(_("item type"), max_length=20, choices=ItemType.choices)
    description = models.CharField(_("item description"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    declared_value = models.DecimalField(_("declared value"), max_digits=12, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    insured = models.BooleanField(_("insured"), default=False)
    original_packaging = models.BooleanField(_("original packaging"), null=True, blank=True)
    keep_upright = models.BooleanField(_("keep upright"), null=True, blank=True)
    bag_size = models.CharField(_("bag size"), max_length=20, blank=True)
    receipt_attested = models.BooleanField(_("sale receipt in the bag"), default=False)
    surcharge_accepted = models.BooleanField(_("surcharge accepted"), default=False)
    payer = models.CharField(_("who pays"), max_length=10, choices=Payer.choices, default=Payer.SENDER)
    # The goods line by line for customs (hk-bag): [{"description", "quantity", "unit_value"}],
    # unit values as text in the declared value's currency; the declared value is their sum.
    items = models.JSONField(_("customs lines"), default=list, blank=True)

    contract = models.ForeignKey(
        ContractTerms,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("contract terms accepted"),
    )
    estimate_amount = models.DecimalField(_("estimate"), max_digits=12, decimal_places=2)
    estimate_currency = models.CharField(_("estimate currency"), max_length=3)
    estimate_breakdown = models.JSONField(_("estimate breakdown"), default=dict)
    screening = models.JSONField(_("screening result"), default=dict)

    # What the carrier weighed at pickup (order.picked_up weight_kg), to the gram it reports.
    actual_weight_kg = models.DecimalField(
        _("actual weight (kg)"), max_digits=10, decimal_places=3, null=True, blank=True
    )
    fee_amount = models.DecimalField(_("fee"), max_digits=12, decimal_places=2, null=True, blank=True)
    fee_currency = models.CharField(_("fee currency"), max_length=3, blank=True)
    # Whether the freight was paid, as the carrier reports it at pickup and at signing (None: not
    # reported yet). A claim is not accepted while it is unpaid (003 §11c).
    fee_paid = models.BooleanField(_("freight paid"), null=True, blank=True)
    waybill_no = models.CharField(_("waybill number"), max_length=40, blank=True)
    courier_name = models.CharField(_("courier name"), max_length=60, blank=True)
    courier_phone = models.CharField(_("courier phone"), max_length=24, blank=True)
    courier_employee_id = models.CharField(_("courier employee number"), max_length=40, blank=True)
    pickup_code = models.CharField(_("pickup code"), max_length=6)

    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    exception_code = models.CharField(
        _("open pickup exception"), max_length=30, choices=PickupException.choices, blank=True
    )
    exception_note = models.CharField(_("exception note"), max_length=500, blank=True)
    reject_reason = models.CharField(
        _("reason for the return"), max_length=20, choices=RejectReason.choices, blank=True
    )
    return_state = models.CharField(
        _("return state"), max_length=12, choices=ReturnState.choices, blank=True, default=""
    )
    # The return leg's cost to the sender (003 §8b) and, for a disposed parcel, what its sale
    # brought before that cost; both in ``return_currency``.
    return_fee_amount = models.DecimalField(
        _("return fee"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    disposal_proceeds_amount = models.DecimalField(
        _("disposal proceeds"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    return_currency = models.CharField(_("return currency"), max_length=3, blank=True)
    cancel_reason = models.CharField(
        _("cancel reason"), max_length=20, choices=CancelReason.choices, blank=True
    )
    hidden_by_user_at = models.DateTimeField(_("deleted by user at"), null=True, blank=True)
    rebooked_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rebooks",
        verbose_name=_("rebooked from"),
    )

    created_at = models.DateTimeField(_("placed at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "hidden_by_user_at", "-created_at"]),
            # The expiry takes due orders by deadline (DESIGN §3.2); most orders have none.
            models.Index(
                fields=["deadline", "id"], name="order_due", condition=models.Q(deadline__isnull=False)
            ),
        ]
        constraints = [
            # The services guard every move; the database refuses a status no code knows.
            models.CheckConstraint(condition=models.Q(status__in=Status.values), name="order_status_known"),
            models.CheckConstraint(
                condition=models.Q(pickup_end__gt=models.F("pickup_start")),
                name="order_pickup_window_ordered",
            ),
        ]
        verbose_name = _("order")
        verbose_name_plural = _("orders")

    def __str__(self) -> str:
        return self.number

    @property
    def status_label(self) -> str:
        return self.get_status_display()

    @property
    def has_dimensions(self) -> bool:
        return None not in (self.length_cm, self.width_cm, self.height_cm)


class OrderEvent(models.Model):
    """One line of an order's timeline: a status change, or a tracking entry without one."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events", verbose_name=_("order"))
    kind = models.CharField(_("kind"), max_length=40)  # e.g. "status", "order.in_transit"
    old_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    new_status = models.CharField(_("to"), max_length=20, choices=Status.choices, blank=True)
    actor = models.CharField(_("actor"), max_length=10, choices=Actor.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor user"),
    )
    source_event_id = models.CharField(_("source event id"), max_length=100, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), db_index=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name = _("order event")
        verbose_name_plural = _("order events")

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind} {self.old_status}→{self.new_status}"


class OutboxEventType(models.TextChoices):
    """What the platform tells a carrier about an order (DESIGN §7.1)."""

    CREATED = "order.created", _("Order created")
    CANCELLED = "order.cancelled", _("Order cancelled")
    EXPIRED = "order.expired", _("Order expired")
    CLAIM_CREATED = "claim.created", _("Claim filed")
    CLAIM_DOCUMENTS_ADDED = "claim.documents_added", _("Claim documents added")


# The engine's statuses: pending (due at next_attempt_at), sent, failed (gave up: a dead letter).
OutboxStatus = MessageStatus


class OutboxMessage(Message):
    """A platform → carrier message (DESIGN §7.1): a row of the delivery engine's one table of
    everything sent, plus the order and carrier it belongs to.

    ``id`` is the ``webhook-id`` the carrier de-duplicates on: every retry carries the same one.
    ``payload`` never contains the pickup code. ``orders.services.outbox`` writes it; the delivery
    engine sends it through the carrier's sender.
    """

    message = models.OneToOneField(
        Message,
        on_delete=models.CASCADE,
        parent_link=True,
        primary_key=True,
        related_name="carrier_message",
        verbose_name=_("message"),
    )
    carrier = models.ForeignKey(
        Carrier, on_delete=models.PROTECT, related_name="outbox_messages", verbose_name=_("carrier")
    )
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="outbox_messages", verbose_name=_("order")
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("outbound carrier message")
        verbose_name_plural = _("outbound carrier messages")

    def __str__(self) -> str:
        return f"{self.event_type} {self.order_id} ({self.pk})"


# --- claims (DESIGN §10; 003 §11–12) -----------------------------------------------------------


class ClaimKind(models.TextChoices):
    LOST = "lost", _("Lost")
    DAMAGED = "damaged", _("Damaged")
    SHORT = "short", _("Short (goods missing)")


class ClaimStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted to the carrier")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Claim(models.Model):
    """The owner's one claim about a parcel, forwarded to its carrier, which decides it."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="claims", verbose_name=_("order"))
    kind = models.CharField(_("kind"), max_length=10, choices=ClaimKind.choices)
    amount = models.DecimalField(_("amount claimed"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    description = models.TextField(_("description"), max_length=2000)
    status = models.CharField(
        _("status"), max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.SUBMITTED
    )
    created_at = models.DateTimeField(_("filed at"))
    documents_due_at = models.DateTimeField(_("documents due by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    compensation = models.DecimalField(
        _("compensation"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    # Deducted from the compensation when the parcel goes back to the sender (003 §11a).
    return_freight = models.DecimalField(
        _("return freight deducted"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    decision_note = models.CharField(_("carrier's note"), max_length=500, blank=True)
    decided_by = models.CharField(_("decided by"), max_length=10, choices=Actor.choices, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One claim per parcel (003 §11b): the service checks, the database makes sure.
            models.UniqueConstraint(fields=["order"], name="claim_one_per_order"),
        ]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")

    def __str__(self) -> str:
        return f"{self.order_id}/{self.pk} {self.kind}"

    @property
    def paid_out(self):
        """What reaches the sender: the compensation less the return freight."""
        if self.compensation is None:
            return None
        return max(self.compensation - (self.return_freight or 0), 0)


def claim_document_path(instance, filename: str) -> str:
    return f"claims/{timezone.now():%Y/%m}/{filename}"


class ClaimDocument(models.Model):
    """A receipt or photo for a claim: checked by content (PDF, JPEG, PNG); images re-encoded."""

    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="documents", verbose_name=_("claim")
    )
    file = models.FileField(_("file"), upload_to=claim_document_path, max_length=200)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    created_at = models.DateTimeField(_("added at"))

    class Meta:
        ordering = ["claim_id", "id"]
        verbose_name = _("claim document")
        verbose_name_plural = _("claim documents")

    def __str__(self) -> str:
        return f"{self.claim_id}/{self.pk}"
