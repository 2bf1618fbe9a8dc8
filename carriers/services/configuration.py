"""The carrier configuration a quote reads, kept in this process (DESIGN §4).

Every quote prices, judges and ranks every active carrier: its limits, hours and tariff (zone rates
or bag sizes), transit times, current contract terms, the platform service fee, and each carrier's
acceptance and rating. Reading all that on every quote was most of its statements, and grew with the
number of carriers in Python. Each process keeps instead one immutable snapshot (frozen dataclasses
and tuples: no model instance that could lazy-load or be changed by a request), and every quote
compares ``ConfigurationVersion`` with one primary-key read:

- The version is exact, not a TTL: post_save and post_delete of every row the snapshot is built from
  (``Carrier``, ``ZoneRate``, ``TransitTime``, ``BagSize``, ``ContractTerms``, and the service-fee
  announcements, connected by accounts) bump it in the same transaction as the change, so every
  process, web or worker, sees the change on its first quote after the commit. The admin's forms,
  inlines, list_editable and delete action all save or delete row by row, so they all bump it; a
  queryset ``update()`` sends no signal, and code that changes this configuration with one calls
  ``configuration_touch()`` itself.
- The key is the version with its ``changed_at`` (as the prohibited catalogue's): a rolled-back
  change and another one that end on the same number never share a snapshot.
- The snapshot is tagged with the version read *before* it is loaded, so a change committed while it
  loads makes the next quote load again; a snapshot is never newer in name than in content.
- Scheduled contract terms and service fees need no bump when their date comes: the snapshot holds
  every published version with its date and picks by the quote's ``now``.

Acceptance and ratings are not in the version: they change with every order a carrier accepts and
every review published, so bumping on them would reload the snapshot on every booking, and put one
hot row in every booking's transaction. They are statistics over 30 days and over every review, where
one order or review more moves a carrier's smoothed rate by well under a percent, so each process
refreshes them every ``QUOTE_STATISTICS_SECONDS`` (default 60) of quote time instead.

The read of the version also reads the prohibited catalogue's version (same statement): a quote
screens the goods with the catalogue's matcher, which compares that version on every screen.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import F, Subquery
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone

from prohibited.selectors import catalogue_version_rows

from ..models import (
    BagSize,
    Carrier,
    ConfigurationVersion,
    ContractTerms,
    TransitTime,
    ZoneRate,
    carrier_name,
)
from ..selectors import carrier_acceptance_stats, carrier_rating_stats


@dataclass(frozen=True)
class ZoneRateConfig:
    zone: str
    first_weight_kg: Decimal
    first_price: Decimal
    step_price: Decimal


@dataclass(frozen=True)
class TransitTimeConfig:
    zone: str
    min_days: int
    max_days: int


@dataclass(frozen=True)
class BagSizeConfig:
    code: str
    name: str
    price: Decimal
    max_weight_kg: Decimal
    max_items: int | None


@dataclass(frozen=True)
class ContractConfig:
    """A published (or scheduled) version of a carrier's contract terms."""

    id: int
    carrier_code: str
    version: str
    title: str
    body: str
    published_at: datetime

    @property
    def pk(self) -> int:
        return self.id

    def get_absolute_url(self) -> str:
        return reverse(
            "carriers:contract_version", kwargs={"code": self.carrier_code, "version": self.version}
        )


@dataclass(frozen=True)
class CarrierConfig:
    """What quoting reads of one carrier (the fields of ``Carrier`` of the same names)."""

    id: int
    code: str
    name_zh_hans: str
    name_zh_hant: str
    name_en: str
    active: bool
    origin_provinces: tuple[str, ...]
    destination_provinces: tuple[str, ...]
    transport_modes: tuple[str, ...]
    max_weight_kg: Decimal
    max_length_cm: Decimal
    max_volume_cm3: Decimal
    pickup_start: time
    pickup_end: time
    currency: str
    pricing: str
    volumetric_divisor: int
    weight_step_kg: Decimal
    surcharge_service_fee: Decimal
    import_tax_rate: Decimal
    bag_weight_priced_provinces: tuple[str, ...]
    insurance_rate: Decimal
    insurance_min_fee: Decimal
    insurance_max_value: Decimal
    refusal_groups: tuple[int, ...]
    requires_pickup_code: bool
    requires_customs_lines: bool
    offers_recipient_pays: bool
    zone_rates: tuple[ZoneRateConfig, ...] = ()
    transit_times: tuple[TransitTimeConfig, ...] = ()
    bag_sizes: tuple[BagSizeConfig, ...] = ()  # cheapest first
    contracts: tuple[ContractConfig, ...] = ()  # every version, newest publication first

    @property
    def pk(self) -> int:
        return self.id

    @property
    def name(self) -> str:
        return carrier_name(self.name_zh_hans, self.name_zh_hant, self.name_en)

    def contract_at(self, now: datetime) -> ContractConfig | None:
        """The current contract terms at ``now``: the latest version published at or before it."""
        return next((c for c in self.contracts if c.published_at <= now), None)


CARRIER_FIELDS = tuple(
    f.name
    for f in CarrierConfig.__dataclass_fields__.values()
    if f.name not in ("zone_rates", "transit_times", "bag_sizes", "contracts")
)
_TUPLE_FIELDS = (
    "origin_provinces",
    "destination_provinces",
    "transport_modes",
    "bag_weight_priced_provinces",
    "refusal_groups",
)


def _carrier_config(values: Mapping, related: Mapping[str, tuple]) -> CarrierConfig:
    fields = {name: values[name] for name in CARRIER_FIELDS}
    for name in _TUPLE_FIELDS:
        fields[name] = tuple(fields[name] or ())
    return CarrierConfig(**fields, **related)


def _zone_rate(row) -> ZoneRateConfig:
    return ZoneRateConfig(row.zone, row.first_weight_kg, row.first_price, row.step_price)


def _transit_time(row) -> TransitTimeConfig:
    return TransitTimeConfig(row.zone, row.min_days, row.max_days)


def _bag_size(row) -> BagSizeConfig:
    return BagSizeConfig(row.code, row.name, row.price, row.max_weight_kg, row.max_items)


def _bag_order(bag: BagSizeConfig) -> tuple:
    return (bag.price, bag.max_weight_kg, bag.code)


def _contract_order(contract: ContractConfig) -> tuple:
    return (contract.published_at, contract.id)


def carrier_config(carrier: Carrier | CarrierConfig) -> CarrierConfig:
    """A carrier as quoting reads it: a snapshot's carrier as it is, a ``Carrier`` row copied with
    its related rows (prefetched ones are used as they are; otherwise four queries)."""
    if isinstance(carrier, CarrierConfig):
        return carrier
    code = carrier.code
    contracts = [
        ContractConfig(c.pk, code, c.version, c.title, c.body, c.published_at)
        for c in carrier.contracts.all()
    ]
    return _carrier_config(
        {name: getattr(carrier, name) for name in CARRIER_FIELDS},
        {
            "zone_rates": tuple(_zone_rate(r) for r in carrier.zone_rates.all()),
            "transit_times": tuple(_transit_time(t) for t in carrier.transit_times.all()),
            "bag_sizes": tuple(sorted((_bag_size(b) for b in carrier.bag_sizes.all()), key=_bag_order)),
            "contracts": tuple(sorted(contracts, key=_contract_order, reverse=True)),
        },
    )


@dataclass(frozen=True)
class ServiceFee:
    """A published service-fee announcement (000 3.2): ``fee`` CNY per order from ``effective_at``."""

    effective_at: datetime
    fee: Decimal


@dataclass(frozen=True)
class CarrierSnapshot:
    """The active carriers, by code, and the published service fees, as of one configuration version."""

    key: tuple | None
    carriers: tuple[CarrierConfig, ...]
    service_fees: tuple[ServiceFee, ...] = ()  # latest effective date first
    by_code: Mapping[str, CarrierConfig] = field(default_factory=dict)

    def service_fee_at(self, now: datetime) -> Decimal | None:
        """The announced fee in force at ``now`` (CNY per order), or None before any applies."""
        return next((s.fee for s in self.service_fees if s.effective_at <= now), None)


# Accounts registers where the published service-fee announcements come from (carriers does not
# import accounts): () → [(effective_at, fee CNY)] of every published announcement.
ServiceFeeSource = Callable[[], Iterable[tuple[datetime, Decimal]]]
_service_fee_source: ServiceFeeSource | None = None


def service_fee_source_register(source: ServiceFeeSource | None) -> None:
    global _service_fee_source
    _service_fee_source = source


def _load(key: tuple | None) -> CarrierSnapshot:
    """Every active carrier with its related rows: five queries whatever the number of carriers
    (and one for the service fees when accounts registered them)."""
    rows = list(Carrier.objects.filter(active=True).order_by("code").values(*CARRIER_FIELDS))
    ids = [row["id"] for row in rows]
    codes = {row["id"]: row["code"] for row in rows}
    related: dict[int, dict[str, list]] = {
        pk: {"zone_rates": [], "transit_times": [], "bag_sizes": [], "contracts": []} for pk in ids
    }
    for rate in ZoneRate.objects.filter(carrier_id__in=ids).order_by("carrier_id", "zone"):
        related[rate.carrier_id]["zone_rates"].append(_zone_rate(rate))
    for transit in TransitTime.objects.filter(carrier_id__in=ids).order_by("carrier_id", "zone"):
        related[transit.carrier_id]["transit_times"].append(_transit_time(transit))
    for bag in BagSize.objects.filter(carrier_id__in=ids):
        related[bag.carrier_id]["bag_sizes"].append(_bag_size(bag))
    contracts = ContractTerms.objects.filter(carrier_id__in=ids).order_by(
        "carrier_id", "-published_at", "-id"
    )
    for c in contracts:
        related[c.carrier_id]["contracts"].append(
            ContractConfig(c.pk, codes[c.carrier_id], c.version, c.title, c.body, c.published_at)
        )
    carriers = tuple(
        _carrier_config(
            row,
            {
                "zone_rates": tuple(related[row["id"]]["zone_rates"]),
                "transit_times": tuple(related[row["id"]]["transit_times"]),
                "bag_sizes": tuple(sorted(related[row["id"]]["bag_sizes"], key=_bag_order)),
                "contracts": tuple(related[row["id"]]["contracts"]),
            },
        )
        for row in rows
    )
    fees = [ServiceFee(at, fee) for at, fee in (_service_fee_source() if _service_fee_source else ())]
    fees.sort(key=lambda s: s.effective_at, reverse=True)
    return CarrierSnapshot(
        key=key, carriers=carriers, service_fees=tuple(fees), by_code={c.code: c for c in carriers}
    )


_lock = threading.Lock()
_current: CarrierSnapshot | None = None


@dataclass(frozen=True)
class QuoteConfiguration:
    """What one quote reads: the carrier snapshot, and the prohibited catalogue's version key (to
    screen with the catalogue's matcher without reading it again)."""

    snapshot: CarrierSnapshot
    catalogue_key: tuple | None


def configuration_versions() -> tuple[tuple | None, tuple | None]:
    """(carrier configuration key, catalogue key) in one statement; None for a missing row (a
    database flushed by a transactional test)."""
    catalogue = catalogue_version_rows()
    row = (
        ConfigurationVersion.objects.filter(pk=1)
        .values_list(
            "version",
            "changed_at",
            Subquery(catalogue.values("version")[:1]),
            Subquery(catalogue.values("changed_at")[:1]),
        )
        .first()
    )
    if row is None:
        return None, catalogue.values_list("version", "changed_at").first()
    return (row[0], row[1]), (None if row[2] is None else (row[2], row[3]))


def quote_configuration() -> QuoteConfiguration:
    """The configuration for a quote: one statement when nothing changed since the last one."""
    key, catalogue_key = configuration_versions()
    current = _current
    if current is None or current.key != key:
        current = _reload(key)
    return QuoteConfiguration(snapshot=current, catalogue_key=catalogue_key)


def carrier_snapshot() -> CarrierSnapshot:
    return quote_configuration().snapshot


def _reload(key: tuple | None) -> CarrierSnapshot:
    global _current
    with _lock:  # one thread loads; the others waiting for the same key take its snapshot
        if _current is None or _current.key != key:
            _current = _load(key)
        return _current


def configuration_forget() -> None:
    """Drop this process's snapshot and statistics (tests: row ids and versions are reused)."""
    global _current
    with _lock:
        _current = None
        _statistics.clear()


def configuration_touch() -> None:
    """Bump the version, in the caller's transaction: every process reloads on its next quote."""
    updated = ConfigurationVersion.objects.filter(pk=1).update(
        version=F("version") + 1, changed_at=timezone.now()
    )
    if not updated:
        ConfigurationVersion.objects.get_or_create(pk=1)


@receiver([post_save, post_delete], sender=Carrier, dispatch_uid="carrier_configuration_carrier_changed")
@receiver([post_save, post_delete], sender=ZoneRate, dispatch_uid="carrier_configuration_zone_rate_changed")
@receiver([post_save, post_delete], sender=TransitTime, dispatch_uid="carrier_configuration_transit_changed")
@receiver([post_save, post_delete], sender=BagSize, dispatch_uid="carrier_configuration_bag_changed")
@receiver(
    [post_save, post_delete], sender=ContractTerms, dispatch_uid="carrier_configuration_contract_changed"
)
def configuration_changed(sender, **kwargs) -> None:
    """A row the snapshot is built from changed (also connected by accounts to its announcements)."""
    configuration_touch()


# (snapshot key, when they were read, by the quote's clock) → (acceptance, ratings) of its carriers
_statistics: dict[tuple | None, tuple[datetime, Mapping, Mapping]] = {}


def quote_statistics(snapshot: CarrierSnapshot, *, now: datetime) -> tuple[Mapping, Mapping]:
    """(code → (accepted, pushed), code → rating stats) of the snapshot's carriers, read at most
    once every ``QUOTE_STATISTICS_SECONDS`` of ``now`` per snapshot (see the module's docstring)."""
    ttl = timedelta(seconds=settings.QUOTE_STATISTICS_SECONDS)
    cached = _statistics.get(snapshot.key)
    if cached is not None and cached[0] <= now < cached[0] + ttl:
        return cached[1], cached[2]
    acceptance = carrier_acceptance_stats(snapshot.carriers, now=now)
    ratings = carrier_rating_stats(snapshot.carriers)
    with _lock:
        _statistics.clear()  # only the current snapshot's are worth keeping
        _statistics[snapshot.key] = (now, acceptance, ratings)
    return acceptance, ratings
