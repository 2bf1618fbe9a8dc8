"""Whether a carrier may be offered for a shipment, and why not (DESIGN §4 "Eligibility")."""

from datetime import time
from decimal import Decimal
from typing import Protocol
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from .. import regions
from ..models import Carrier, Payer, PricingKind, TransportMode
from ..shipment import Shipment
from .configuration import CarrierConfig, carrier_config
from .pricing import PricingError, bag_for, is_weight_priced_bag_route, plain_number

# Carrier pickup hours are local wall-clock times in mainland China (and Hong Kong, same offset).
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


class ScreeningResult(Protocol):
    """What eligibility reads from ``prohibited.services.screen_item``'s result."""

    verdict: str  # "prohibited" | "restricted" | "refused" | "allowed"
    refused_by: list[str]
    refusal_reasons: dict[str, str]
    ground_only: bool


class Reason(str):
    """Why a carrier cannot take a shipment: the translated message, plus ``field``, the booking field
    it concerns in the API's shape ("weight_kg", "pickup_window", "sender.province" …; "" for none).

    A ``str``, so lists of reasons stay plain strings to everything that shows or serialises them.
    """

    field: str

    def __new__(cls, message, field: str = ""):
        reason = super().__new__(cls, message)
        reason.field = field
        return reason


# The fields reasons concern, in the API's shape (DESIGN §7.3).
SENDER_AREA = "sender.province"
RECIPIENT_AREA = "recipient.province"
WEIGHT = "weight_kg"
DIMENSIONS = "dimensions_cm"
PICKUP_WINDOW = "pickup_window"
BAG_SIZE = "bag_size"
GOODS = "description"
PAYER = "payer"


def _hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def _m3(volume_cm3: Decimal) -> str:
    return plain_number((volume_cm3 / Decimal(1_000_000)).quantize(Decimal("0.001")))


def serves_origin(carrier: Carrier | CarrierConfig, code: str | None) -> bool:
    if carrier.origin_provinces:
        return code in carrier.origin_provinces
    return regions.is_mainland(code)


def serves_destination(carrier: Carrier | CarrierConfig, code: str | None) -> bool:
    if carrier.destination_provinces:
        return code in carrier.destination_provinces
    return regions.is_mainland(code)


def within_pickup_hours(carrier: Carrier | CarrierConfig, start, end) -> bool:
    """The whole window lies inside the carrier's hours of one local day."""
    start, end = start.astimezone(LOCAL_TZ), end.astimezone(LOCAL_TZ)
    return (
        start < end
        and start.date() == end.date()
        and carrier.pickup_start <= start.time()
        and end.time() <= carrier.pickup_end
    )


def eligibility(
    carrier: Carrier | CarrierConfig, shipment: Shipment, screening: ScreeningResult | None = None
) -> list[Reason]:
    """Every reason ``carrier`` cannot take ``shipment``, translated; empty means eligible.

    Checks, in the order shown to the user: active; service area (origin and destination
    provinces; an empty list means every mainland province, so not Hong Kong); limits (weight,
    longest side, volume); pickup hours (the requested window inside the carrier's local hours);
    who pays (到付 only where the carrier offers it); for bag carriers, a bag that holds the parcel; then, given a screening result, prohibited goods,
    ground-only goods (a phone cannot fly: a carrier without ground transport is out) and the
    carrier's refusals. Without a screening result the goods are not judged.

    Each reason is a :class:`Reason` naming the field it concerns: the service area the sender's or
    the recipient's province, the limits the weight or the size, the hours the pickup window, 到付
    the payer, the bag the bag size (or the weight when no bag was chosen), the goods the description.
    """
    carrier = carrier_config(carrier)
    reasons: list[Reason] = []
    if not carrier.active:
        reasons.append(Reason(_("This carrier is not taking orders at the moment.")))

    origin = regions.province_code(shipment.sender.province)
    destination = regions.province_code(shipment.recipient.province)
    if not serves_origin(carrier, origin):
        reasons.append(
            Reason(
                _("Does not pick up in %(province)s.") % {"province": shipment.sender.province},
                SENDER_AREA,
            )
        )
    if not serves_destination(carrier, destination):
        reasons.append(
            Reason(
                _("Does not deliver to %(province)s.") % {"province": shipment.recipient.province},
                RECIPIENT_AREA,
            )
        )

    if shipment.weight_kg > carrier.max_weight_kg:
        reasons.append(
            Reason(
                _("The parcel weighs %(weight)s kg; this carrier takes at most %(max)s kg.")
                % {"weight": plain_number(shipment.weight_kg), "max": plain_number(carrier.max_weight_kg)},
                WEIGHT,
            )
        )
    if shipment.has_dimensions:
        if shipment.longest_side_cm > carrier.max_length_cm:
            reasons.append(
                Reason(
                    _("The longest side is %(length)s cm; this carrier takes at most %(max)s cm.")
                    % {
                        "length": plain_number(shipment.longest_side_cm),
                        "max": plain_number(carrier.max_length_cm),
                    },
                    DIMENSIONS,
                )
            )
        if shipment.volume_cm3 > carrier.max_volume_cm3:
            reasons.append(
                Reason(
                    _("The parcel is %(volume)s m³; this carrier takes at most %(max)s m³.")
                    % {"volume": _m3(shipment.volume_cm3), "max": _m3(carrier.max_volume_cm3)},
                    DIMENSIONS,
                )
            )

    if not within_pickup_hours(carrier, shipment.pickup_start, shipment.pickup_end):
        reasons.append(
            Reason(
                _("Picks up only between %(start)s and %(end)s.")
                % {"start": _hhmm(carrier.pickup_start), "end": _hhmm(carrier.pickup_end)},
                PICKUP_WINDOW,
            )
        )

    if shipment.payer == Payer.RECIPIENT and not carrier.offers_recipient_pays:
        reasons.append(Reason(_("This carrier does not let the recipient pay on delivery (到付)."), PAYER))

    if carrier.pricing == PricingKind.BAG and not is_weight_priced_bag_route(
        carrier=carrier, shipment=shipment
    ):
        try:
            bag_for(carrier=carrier, shipment=shipment)
        except PricingError as error:
            reasons.append(Reason(str(error), BAG_SIZE if shipment.bag_size else WEIGHT))

    if screening is not None:
        reasons.extend(_screening_reasons(carrier, screening))
    return reasons


def _screening_reasons(carrier: CarrierConfig, screening: ScreeningResult) -> list[Reason]:
    messages = []
    if screening.verdict == "prohibited":
        messages.append(_("These goods may not be sent (prohibited goods)."))
    if screening.ground_only and TransportMode.GROUND not in (carrier.transport_modes or []):
        messages.append(_("These goods may only travel by ground, and this carrier does not ship by ground."))
    if carrier.code in (screening.refused_by or []):
        detail = (screening.refusal_reasons or {}).get(carrier.code)
        if detail:
            messages.append(_("This carrier refuses these goods: %(reason)s") % {"reason": detail})
        else:
            messages.append(_("This carrier refuses these goods."))
    return [Reason(message, GOODS) for message in messages]
