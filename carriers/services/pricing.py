"""Estimated price of a shipment with one carrier (DESIGN §4 "Price").

Every amount is a ``Decimal`` in the carrier's currency, rounded half-up to the cent at each
published line (freight, insurance fee, surcharge parts, platform fee); the total is their sum, so
the breakdown always adds up to the amount shown.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import regions
from ..models import Carrier, PricingKind
from ..shipment import Shipment
from .configuration import (
    BagSizeConfig,
    CarrierConfig,
    CarrierSnapshot,
    ZoneRateConfig,
    carrier_config,
    carrier_snapshot,
)

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class PricingError(Exception):
    """The tariff cannot price this shipment; ``str(error)`` is a message for the user."""


@dataclass(frozen=True)
class Price:
    amount: Decimal
    currency: str
    breakdown: dict = field(default_factory=dict)  # JSON-ready: decimals as strings

    def as_dict(self) -> dict:
        return {"amount": str(self.amount), "currency": self.currency}


def money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _ceil_steps(value: Decimal, step: Decimal) -> int:
    if value <= 0:
        return 0
    return int((value / step).to_integral_value(rounding=ROUND_CEILING))


def volumetric_weight(shipment: Shipment, divisor: int) -> Decimal | None:
    """L×W×H / divisor in kg (unrounded), or None without dimensions."""
    if not shipment.has_dimensions:
        return None
    return shipment.volume_cm3 / Decimal(divisor)


def chargeable_weight(*, carrier: Carrier | CarrierConfig, shipment: Shipment) -> Decimal:
    """max(actual, volumetric) rounded up to the carrier's weight step."""
    step = carrier.weight_step_kg
    raw = max(shipment.weight_kg, volumetric_weight(shipment, carrier.volumetric_divisor) or ZERO)
    return (max(_ceil_steps(raw, step), 1) * step).quantize(CENT)


def freight_by_weight(*, rate: ZoneRateConfig, chargeable_kg: Decimal, step_kg: Decimal) -> Decimal:
    """First-weight price + ceil((chargeable − first weight) / step) × step price."""
    steps = _ceil_steps(chargeable_kg - rate.first_weight_kg, step_kg)
    return money(rate.first_price + steps * rate.step_price)


def insurance(*, carrier: Carrier | CarrierConfig, shipment: Shipment) -> tuple[Decimal, Decimal, bool]:
    """(fee, insured value, capped): fee = max(minimum, rate × min(declared value, carrier maximum))."""
    if not shipment.insured:
        return ZERO, ZERO, False
    declared = shipment.declared_value
    insured_value = min(declared, carrier.insurance_max_value)
    fee = max(carrier.insurance_min_fee, carrier.insurance_rate * insured_value)
    return money(fee), money(insured_value), declared > carrier.insurance_max_value


def is_weight_priced_bag_route(*, carrier: Carrier | CarrierConfig, shipment: Shipment) -> bool:
    """A bag carrier prices some destination provinces by weight instead (003 §9a)."""
    code = regions.province_code(shipment.recipient.province)
    return code is not None and code in (carrier.bag_weight_priced_provinces or [])


def bag_fits(bag: BagSizeConfig, shipment: Shipment) -> bool:
    return shipment.weight_kg <= bag.max_weight_kg and (
        bag.max_items is None or shipment.quantity <= bag.max_items
    )


def bag_for(*, carrier: CarrierConfig, shipment: Shipment) -> BagSizeConfig:
    """The bag the user chose, or the cheapest bag that holds the shipment.

    Raises PricingError with the reason when the chosen bag does not exist or does not hold the
    parcel, or when no bag does.
    """
    bags = carrier.bag_sizes  # cheapest first (then the smallest, then by code)
    if shipment.bag_size:
        bag = next((b for b in bags if b.code == shipment.bag_size), None)
        if bag is None:
            raise PricingError(_("This carrier has no bag size “%(bag)s”.") % {"bag": shipment.bag_size})
        if shipment.weight_kg > bag.max_weight_kg:
            raise PricingError(
                _("Bag %(bag)s holds at most %(max)s kg.")
                % {"bag": bag.name, "max": plain_number(bag.max_weight_kg)}
            )
        if bag.max_items is not None and shipment.quantity > bag.max_items:
            raise PricingError(
                ngettext(
                    "Bag %(bag)s holds at most %(max)s item.",
                    "Bag %(bag)s holds at most %(max)s items.",
                    bag.max_items,
                )
                % {"bag": bag.name, "max": bag.max_items}
            )
        return bag
    bag = next((b for b in bags if bag_fits(b, shipment)), None)
    if bag is None:
        raise PricingError(
            ngettext(
                "No bag of this carrier holds %(weight)s kg with %(items)s item.",
                "No bag of this carrier holds %(weight)s kg with %(items)s items.",
                shipment.quantity,
            )
            % {"weight": plain_number(shipment.weight_kg), "items": shipment.quantity}
        )
    return bag


def plain_number(value: Decimal) -> str:
    """2.50 → "2.5", 3.00 → "3" for messages."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _rate_for(carrier: CarrierConfig, zone: str) -> ZoneRateConfig:
    rate = next((r for r in carrier.zone_rates if r.zone == zone), None)
    if rate is None:
        raise PricingError(_("This carrier has no tariff for this route."))
    return rate


def platform_service_fee(currency: str, *, announced: Decimal | None) -> Decimal:
    """The platform service fee in force, in CNY, expressed in the quote's currency (0 today).

    ``announced`` is the fee of the published announcement in force (000 3.2), None before any
    applies: then the ``PLATFORM_SERVICE_FEE`` setting holds.
    """
    fee_cny = announced if announced is not None else Decimal(str(settings.PLATFORM_SERVICE_FEE))
    if not fee_cny:
        return ZERO
    return money(fee_cny / _rate_to_cny(currency))


def _rate_to_cny(currency: str) -> Decimal:
    try:
        return Decimal(str(settings.CURRENCY_RATES_TO_CNY[currency]))
    except KeyError:
        raise ImproperlyConfigured(f"CURRENCY_RATES_TO_CNY has no rate for {currency}") from None


def to_cny(amount: Decimal, currency: str) -> Decimal:
    """An amount converted to CNY at settings.CURRENCY_RATES_TO_CNY, to compare carriers."""
    return money(amount * _rate_to_cny(currency))


def price_shipment(
    *,
    carrier: Carrier | CarrierConfig,
    shipment: Shipment,
    snapshot: CarrierSnapshot | None = None,
    now: datetime | None = None,
) -> Price:
    """The estimated price of ``shipment`` with ``carrier``; PricingError if the tariff cannot price it.

    Quotes pass a snapshot's carrier and the snapshot (its service fees); a ``Carrier`` row is read
    with its tariff, and the service fee from the current snapshot. The fee is the one in force at
    ``now`` (default: now). The declared value is in the carrier's currency (the origin's: CNY, HKD
    from Hong Kong).
    """
    carrier = carrier_config(carrier)
    snapshot = snapshot or carrier_snapshot()
    zone = regions.zone_for(shipment.sender, shipment.recipient)
    volumetric = volumetric_weight(shipment, carrier.volumetric_divisor)
    breakdown: dict = {
        "pricing": carrier.pricing,
        "zone": str(zone),
        "weight_kg": str(shipment.weight_kg),
        "volumetric_weight_kg": str(volumetric.quantize(CENT, rounding=ROUND_HALF_UP))
        if volumetric
        else None,
        "chargeable_weight_kg": None,
        "bag": "",
        "bag_name": "",
    }

    if carrier.pricing == PricingKind.BAG and not is_weight_priced_bag_route(
        carrier=carrier, shipment=shipment
    ):
        bag = bag_for(carrier=carrier, shipment=shipment)
        freight = money(bag.price)
        breakdown.update(bag=bag.code, bag_name=bag.name)
    else:
        if carrier.pricing == PricingKind.BAG:
            breakdown["pricing"] = "bag_weight"
        chargeable = chargeable_weight(carrier=carrier, shipment=shipment)
        freight = freight_by_weight(
            rate=_rate_for(carrier, zone), chargeable_kg=chargeable, step_kg=carrier.weight_step_kg
        )
        breakdown["chargeable_weight_kg"] = str(chargeable)

    insurance_fee, insured_value, capped = insurance(carrier=carrier, shipment=shipment)

    service_fee = import_tax = ZERO
    customs_lines = []
    if carrier.pricing == PricingKind.BAG:
        # 003 §1E/§9b: service fee + import tax paid to customs on the full declared value,
        # never the capped insured value; with customs lines, the tax is estimated line by line.
        service_fee = money(carrier.surcharge_service_fee)
        if shipment.items:
            customs_lines = [
                {
                    "description": line.description,
                    "quantity": line.quantity,
                    "unit_value": str(money(line.unit_value)),
                    "value": str(money(line.value)),
                    "import_tax": str(money(carrier.import_tax_rate * line.value)),
                }
                for line in shipment.items
            ]
            import_tax = sum((Decimal(line["import_tax"]) for line in customs_lines), ZERO)
        else:
            import_tax = money(carrier.import_tax_rate * shipment.declared_value)
    surcharge = service_fee + import_tax
    platform_fee = platform_service_fee(
        carrier.currency, announced=snapshot.service_fee_at(now or timezone.now())
    )
    total = freight + insurance_fee + surcharge + platform_fee

    breakdown.update(
        freight=str(freight),
        declared_value=str(money(shipment.declared_value)),
        insured=shipment.insured,
        insured_value=str(insured_value),
        insurance_fee=str(insurance_fee),
        insurance_capped=capped,
        insurance_max_value=str(money(carrier.insurance_max_value)),
        surcharge_service_fee=str(service_fee),
        surcharge_import_tax=str(import_tax),
        customs_lines=customs_lines,
        import_tax_rate=f"{Decimal(carrier.import_tax_rate):.4f}",
        surcharge=str(surcharge),
        platform_service_fee=str(platform_fee),
        total=str(total),
        currency=carrier.currency,
    )
    return Price(amount=total, currency=carrier.currency, breakdown=breakdown)
