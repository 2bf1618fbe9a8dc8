"""Booking a pickup (DESIGN §3.2, §4): screen, quote, check the contract, create the order."""

from __future__ import annotations

import secrets
from datetime import datetime
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.continued_use import agreements_continued_use_check
from accounts.models import RestrictionScope
from accounts.services.restrictions import restriction_check
from carriers import regions
from carriers.services import Quote, quote_shipment, screen_lines, screen_shipment
from carriers.services.configuration import (
    CarrierConfig,
    ContractConfig,
    QuoteConfiguration,
    quote_configuration,
)
from carriers.shipment import Party, Shipment
from orders.clock import local_date, next_local_midnight
from orders.models import Actor, Order, OrderEvent, OutboxEventType, Status
from orders.services import outbox
from orders.services.statuses import transition_after_commit
from orders.validators import CONTRACT_NOT_ACCEPTED, validate_bag_terms, validate_pickup_window

# Crockford's base32 without I, L, O, U: nothing to misread when a number is read out on the phone.
NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
NUMBER_RANDOM_LENGTH = 10  # 50 random bits per day: collisions are retried, and practically never
NUMBER_ATTEMPTS = 5


class BookingError(Exception):
    """The booking was refused; nothing was saved.

    ``errors`` maps field names (API shape, possibly nested) to lists of messages; ``payload`` is
    extra data for the response (the screening result, the current contract terms).
    """

    code = "booking_refused"

    def __init__(self, message: Any, *, errors: dict | None = None, payload: dict | None = None):
        self.message = message
        self.errors = errors or {}
        self.payload = payload or {}
        super().__init__(str(message))

    def __str__(self) -> str:
        return str(self.message)

    @property
    def messages(self) -> list[str]:
        """Every message to show, once: the field errors when there are any, else the main message."""
        flat: list[str] = []

        def walk(value) -> None:
            if isinstance(value, dict):
                for item in value.values():
                    walk(item)
            elif isinstance(value, list | tuple):
                for item in value:
                    walk(item)
            elif str(value) not in flat:  # a reason is under its field and under the carrier
                flat.append(str(value))

        walk(self.errors)
        return flat or [str(self.message)]


class GoodsProhibited(BookingError):
    """Prohibited goods; with customs lines, ``errors["items"]`` says which line, in line order."""

    code = "prohibited"

    def __init__(self, screening, *, errors: dict | None = None):
        self.screening = screening
        message = getattr(screening, "message", "") or _("These goods cannot be sent.")
        super().__init__(message, errors=errors, payload={"screening": screening.as_dict()})


CUSTOMS_LINES_REQUIRED = _(
    "List the goods in the bag line by line for customs: description, quantity and unit value."
)


def customs_line_errors(shipment: Shipment, *, configuration: QuoteConfiguration | None = None) -> dict:
    """``{"items": {"<index>": {"description": [message]}}}`` for each prohibited customs line (keyed
    by index as DRF reports a list's errors); empty when no line is prohibited."""
    results = screen_lines(shipment, configuration=configuration)
    lines = {
        str(index): {"description": [f"{line.description}: {result.message}"]}
        for index, (line, result) in enumerate(zip(shipment.items, results, strict=True))
        if result.verdict == "prohibited"
    }
    return {"items": lines} if lines else {}


def customs_lines_data(shipment: Shipment) -> list[dict]:
    """The lines as the order keeps them (JSON: unit values as text with two places)."""
    return [
        {"description": line.description, "quantity": line.quantity, "unit_value": f"{line.unit_value:.2f}"}
        for line in shipment.items
    ]


def _add_error(errors: dict, path: str, message: str) -> None:
    """Add ``message`` under the dotted ``path`` ("sender.province" nests), once."""
    *parents, name = path.split(".")
    for parent in parents:
        errors = errors.setdefault(parent, {})
    messages = errors.setdefault(name, [])
    if message not in messages:
        messages.append(message)


def _reason_field(reason) -> str:
    return getattr(reason, "field", "") or ""


def reason_errors(reasons) -> dict:
    """Field errors from a carrier's eligibility reasons: each reason under the field it concerns
    (reasons about no field, such as an inactive carrier, are left out)."""
    errors: dict = {}
    for reason in reasons:
        if field := _reason_field(reason):
            _add_error(errors, field, str(reason))
    return errors


def common_reason_errors(quotes: list[Quote]) -> dict:
    """Field errors for the fields that make *every* carrier ineligible (none when one is eligible):
    under each such field, every carrier's reason about it, named by carrier."""
    if not quotes or any(q.eligible for q in quotes):
        return {}
    fields: list[str] = []
    for quote in quotes:
        fields.extend(f for f in map(_reason_field, quote.reasons) if f and f not in fields)
    common = [f for f in fields if all(f in map(_reason_field, q.reasons) for q in quotes)]
    errors: dict = {}
    for field in common:
        for quote in quotes:
            for reason in quote.reasons:
                if _reason_field(reason) == field:
                    message = _("%(carrier)s: %(reason)s") % {"carrier": quote.carrier.name, "reason": reason}
                    _add_error(errors, field, str(message))
    return errors


class NoEligibleCarrier(BookingError):
    """No carrier named and none can take the shipment.

    ``errors`` has a field error for each field that rules out every carrier (the weight over every
    limit, a pickup window outside every carrier's hours …); the payload says it all again per
    carrier, with the screening result and the main message as ``detail``.
    """

    code = "no_eligible_carrier"

    def __init__(self, screening, quotes: list[Quote]):
        self.screening = screening
        self.quotes = quotes
        message = _("No carrier can take this shipment.")
        super().__init__(
            message,
            errors=common_reason_errors(quotes),
            payload={
                "detail": str(message),
                "screening": screening.as_dict(),
                "carriers": [
                    {"carrier": q.carrier.code, "name": q.carrier.name, "reasons": list(q.reasons)}
                    for q in quotes
                ],
            },
        )


class UnknownCarrier(BookingError):
    code = "unknown_carrier"

    def __init__(self, code: str):
        message = _("There is no carrier “%(code)s” taking orders.") % {"code": code}
        super().__init__(message, errors={"carrier": [message]})


class CarrierIneligible(BookingError):
    """The carrier named cannot take the shipment: ``errors["carrier"]`` lists every reason, and each
    reason about a field (weight, size, pickup window, goods, service area) is under that field too."""

    code = "carrier_ineligible"

    def __init__(self, quote: Quote):
        self.quote = quote
        super().__init__(
            _("%(carrier)s cannot take this shipment.") % {"carrier": quote.carrier.name},
            errors={
                **reason_errors(quote.reasons),
                "carrier": [str(reason) for reason in quote.reasons],
            },
        )


class StaleContract(BookingError):
    code = "stale_contract"

    def __init__(self, contract: ContractConfig):
        self.contract = contract
        message = _("The carrier's contract terms have changed: read and accept version %(version)s.") % {
            "version": contract.version
        }
        super().__init__(
            message,
            errors={"contract_version": [message]},
            payload={
                "contract": {
                    "version": contract.version,
                    "title": contract.title,
                    "url": contract.get_absolute_url(),
                }
            },
        )


class BookingInvalid(BookingError):
    code = "invalid"

    def __init__(self, errors: dict):
        super().__init__(_("Please correct the errors below."), errors=errors)


def new_order_number(now: datetime | None = None) -> str:
    """Public order number: "CP" + local date (YYMMDD) + 10 random base32 characters.

    Not sequential, so numbers reveal neither volume nor neighbours' orders.
    """
    day = local_date(now or timezone.now()).strftime("%y%m%d")
    suffix = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(NUMBER_RANDOM_LENGTH))
    return f"CP{day}{suffix}"


def new_pickup_code() -> str:
    """Six random digits the user tells the courier at the door (never sent to the carrier)."""
    return f"{secrets.randbelow(1_000_000):06d}"


def origin_currency(shipment: Shipment) -> str:
    """Declared values are in the origin's currency: HKD from Hong Kong, CNY otherwise (§3.2)."""
    return "HKD" if regions.province_code(shipment.sender.province) == regions.HONG_KONG else "CNY"


def _choose_quote(*, quotes: list[Quote], carrier_code: str | None, screening) -> Quote:
    if carrier_code:
        quote = next((q for q in quotes if q.carrier.code == carrier_code), None)
        if quote is None:
            raise UnknownCarrier(carrier_code)
        if not quote.eligible:
            raise CarrierIneligible(quote)
        return quote
    quote = next((q for q in quotes if q.eligible and q.recommended), None)
    if quote is None:
        raise NoEligibleCarrier(screening, quotes)
    return quote


def _error_lists(error: ValidationError) -> dict:
    return {field: [str(m) for m in messages] for field, messages in error.message_dict.items()}


def _party_fields(prefix: str, party: Party) -> dict[str, str]:
    return {
        f"{prefix}_name": party.name,
        f"{prefix}_phone": party.phone,
        f"{prefix}_province": party.province,
        f"{prefix}_city": party.city,
        f"{prefix}_district": party.district,
        f"{prefix}_address": party.address,
    }


def _insert_order(**fields) -> Order:
    """Create the row under a fresh random number, retrying the (unlikely) collision."""
    for attempt in range(NUMBER_ATTEMPTS):
        number = new_order_number(fields["status_changed_at"])
        try:
            with transaction.atomic():
                return Order.objects.create(number=number, **fields)
        except IntegrityError:
            if attempt == NUMBER_ATTEMPTS - 1 or not Order.objects.filter(number=number).exists():
                raise
    raise AssertionError("unreachable")


def order_place(
    *,
    user,
    shipment: Shipment,
    carrier_code: str | None = None,
    contract_version: str,
    now: datetime | None = None,
    rebooked_from: Order | None = None,
) -> Order:
    """Book ``shipment`` for ``user`` with ``carrier_code`` (default: the recommended carrier).

    Refuses with a :class:`BookingError` subclass, saving nothing: prohibited goods
    (:class:`GoodsProhibited`), an unknown or ineligible carrier, no eligible carrier at all, a
    contract version that is not the carrier's current one (:class:`StaleContract`), or a pickup
    window / bag attestation that does not hold (:class:`BookingInvalid`); a user under an ordering
    restriction gets ``accounts.services.Restricted``. The order, its screening
    result, estimate, pickup code, deadline and first event are written in one transaction.
    """
    now = now or timezone.now()
    if rebooked_from is not None and rebooked_from.user_id != user.pk:
        raise PermissionDenied
    # A restricted user books nothing (DESIGN §6); raises Restricted with the reason and the end.
    restriction_check(user=user, scope=RestrictionScope.ORDERING, now=now)
    # Booking after a new agreement version took effect is acceptance by continued use (§6).
    agreements_continued_use_check(None, user)
    try:
        validate_pickup_window(shipment.pickup_start, shipment.pickup_end, now)
    except ValidationError as error:
        raise BookingInvalid({"pickup_window": _error_lists(error)}) from error

    configuration = quote_configuration()
    screening = screen_shipment(shipment, configuration=configuration)
    if screening.verdict == "prohibited":
        errors = customs_line_errors(shipment, configuration=configuration) if shipment.items else None
        raise GoodsProhibited(screening, errors=errors)
    quotes = quote_shipment(shipment=shipment, screening=screening, now=now, configuration=configuration)
    quote = _choose_quote(quotes=quotes, carrier_code=carrier_code, screening=screening)
    carrier: CarrierConfig = quote.carrier

    if not contract_version:
        raise BookingInvalid({"contract_version": [str(CONTRACT_NOT_ACCEPTED)]})
    if quote.contract is None or contract_version != quote.contract.version:
        raise StaleContract(quote.contract)
    # What the carrier needs besides the shipment, all said at once: the customs lines, the bag terms.
    errors: dict = {}
    if carrier.requires_customs_lines and not shipment.items:
        errors["items"] = [str(CUSTOMS_LINES_REQUIRED)]
    try:
        validate_bag_terms(
            carrier=carrier,
            receipt_attested=shipment.receipt_attested,
            surcharge_accepted=shipment.surcharge_accepted,
        )
    except ValidationError as error:
        errors.update(_error_lists(error))
    if errors:
        raise BookingInvalid(errors)

    with transaction.atomic():
        order = _insert_order(
            user=user,
            carrier_id=carrier.id,
            status=Status.PLACED,
            status_changed_at=now,
            **_party_fields("sender", shipment.sender),
            **_party_fields("recipient", shipment.recipient),
            pickup_start=shipment.pickup_start,
            pickup_end=shipment.pickup_end,
            weight_kg=shipment.weight_kg,
            length_cm=shipment.length_cm,
            width_cm=shipment.width_cm,
            height_cm=shipment.height_cm,
            item_type=shipment.item_type,
            description=shipment.description,
            quantity=shipment.quantity,
            declared_value=shipment.declared_value,
            currency=origin_currency(shipment),
            insured=shipment.insured,
            original_packaging=shipment.original_packaging,
            keep_upright=shipment.keep_upright,
            bag_size=shipment.bag_size,
            receipt_attested=shipment.receipt_attested,
            surcharge_accepted=shipment.surcharge_accepted,
            payer=shipment.payer,
            items=customs_lines_data(shipment),
            contract_id=quote.contract.id,
            estimate_amount=quote.price.amount,
            estimate_currency=quote.price.currency,
            estimate_breakdown=quote.price.breakdown,
            screening=screening.as_dict(),
            pickup_code=new_pickup_code(),
            deadline=next_local_midnight(now),
            rebooked_from=rebooked_from,
        )
        event = OrderEvent.objects.create(
            order=order,
            kind="status",
            old_status="",
            new_status=Status.PLACED,
            actor=Actor.USER,
            actor_user=user,
            occurred_at=now,
            data={"carrier": carrier.code, "contract_version": quote.contract.version},
        )
        # The push to the carrier (§7.1) commits with the order or not at all.
        message = outbox.outbox_message_add(
            order_id=order.pk,
            carrier_id=carrier.pk,
            event_type=OutboxEventType.CREATED,
            payload=outbox.order_created_payload(order),
            now=now,
        )
        transaction.on_commit(
            partial(
                transition_after_commit,
                order_id=order.pk,
                event_id=event.pk,
                old="",
                new=Status.PLACED,
                actor=Actor.USER,
                messages=(message.pk,),
            )
        )
    return order


def order_rebook_initial(*, order: Order) -> dict:
    """The booking fields of ``order`` to pre-fill a new booking (booked orders are never edited).

    In the API's input shape, JSON-ready (decimals as strings). Left out on purpose: the pickup
    window (the old one has passed), the contract version and the hk-bag attestations, which the
    user gives again.
    """

    def party(prefix: str) -> dict[str, str]:
        return {
            name: getattr(order, f"{prefix}_{name}")
            for name in ("name", "phone", "province", "city", "district", "address")
        }

    def decimal(name: str) -> str:
        # Formatted to the column's places, as the order reads back from the database.
        places = Order._meta.get_field(name).decimal_places
        return f"{getattr(order, name):.{places}f}"

    dimensions = None
    if order.has_dimensions:
        dimensions = {
            "length": decimal("length_cm"),
            "width": decimal("width_cm"),
            "height": decimal("height_cm"),
        }
    return {
        "sender": party("sender"),
        "recipient": party("recipient"),
        "weight_kg": decimal("weight_kg"),
        "dimensions_cm": dimensions,
        "item_type": order.item_type,
        "description": order.description,
        "quantity": order.quantity,
        "declared_value": decimal("declared_value"),
        "insured": order.insured,
        "original_packaging": order.original_packaging,
        "keep_upright": order.keep_upright,
        "bag_size": order.bag_size,
        "payer": order.payer,
        "items": [dict(line) for line in order.items],
        "carrier": order.carrier.code,
        "rebooked_from": order.number,
    }
