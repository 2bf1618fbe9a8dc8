"""The shipment a user describes: validated input to screening, quotes and booking."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class Party:
    name: str
    phone: str  # normalised (E.164 for mobiles, +86-area-number for landlines)
    province: str
    city: str
    district: str
    address: str


@dataclass(frozen=True)
class CustomsLine:
    """One line of the goods declared to customs (003 §4F, §6): what, how many, each worth."""

    description: str
    quantity: int
    unit_value: Decimal  # in the declared value's currency

    @property
    def value(self) -> Decimal:
        return self.quantity * self.unit_value


@dataclass(frozen=True)
class Shipment:
    sender: Party
    recipient: Party
    pickup_start: datetime  # aware
    pickup_end: datetime  # aware
    weight_kg: Decimal
    item_type: str
    description: str
    quantity: int = 1
    declared_value: Decimal = Decimal("0")
    insured: bool = False
    length_cm: Decimal | None = None
    width_cm: Decimal | None = None
    height_cm: Decimal | None = None
    original_packaging: bool | None = None
    keep_upright: bool | None = None
    bag_size: str = ""
    receipt_attested: bool = False
    surcharge_accepted: bool = False
    payer: str = "sender"  # carriers.models.Payer
    # The goods line by line for customs (hk-bag); the declared value is then their sum.
    items: tuple[CustomsLine, ...] = ()
    extra: dict = field(default_factory=dict)

    @property
    def has_dimensions(self) -> bool:
        return None not in (self.length_cm, self.width_cm, self.height_cm)

    @property
    def volume_cm3(self) -> Decimal | None:
        if not self.has_dimensions:
            return None
        return self.length_cm * self.width_cm * self.height_cm

    @property
    def longest_side_cm(self) -> Decimal | None:
        if not self.has_dimensions:
            return None
        return max(self.length_cm, self.width_cm, self.height_cm)
