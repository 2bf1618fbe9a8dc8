"""Quotes for a shipment: every carrier, eligible or with its reasons, priced and ranked (DESIGN §4)."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from .. import regions
from ..models import Carrier
from ..shipment import Shipment
from .configuration import (
    CarrierConfig,
    CarrierSnapshot,
    ContractConfig,
    QuoteConfiguration,
    carrier_config,
    carrier_snapshot,
    quote_configuration,
    quote_statistics,
)
from .eligibility import LOCAL_TZ, Reason, ScreeningResult, eligibility, within_pickup_hours
from .pricing import Price, PricingError, price_shipment, to_cny
from .recommendation import rank

PICKUP_WINDOW = timedelta(hours=2)
PICKUP_DAYS = 3  # today, tomorrow and the day after (DESIGN §3.2)
PICKUP_LEAD = timedelta(hours=1)  # no window starting sooner than this (DESIGN §4)


@dataclass(frozen=True)
class Eta:
    """Expected delivery, in days after pickup, and as dates from a pickup day: an estimate, never
    a promise (DESIGN §4)."""

    min_days: int
    max_days: int

    def dates(self, pickup_day: date) -> tuple[date, date]:
        return pickup_day + timedelta(days=self.min_days), pickup_day + timedelta(days=self.max_days)

    def as_dict(self) -> dict:
        return {"min_days": self.min_days, "max_days": self.max_days}


def carrier_eta(carrier: CarrierConfig, shipment: Shipment) -> Eta | None:
    """The carrier's transit time for the shipment's zone."""
    zone = regions.zone_for(shipment.sender, shipment.recipient)
    for transit in carrier.transit_times:
        if transit.zone == zone:
            return Eta(transit.min_days, transit.max_days)
    return None


@dataclass
class Quote:
    carrier: CarrierConfig  # the snapshot's (``carrier.id`` is the row's primary key)
    eligible: bool
    reasons: list[Reason]  # str subclass: ``reason.field`` is the booking field it concerns, or ""
    price: Price | None  # None when the tariff cannot price the shipment (then not eligible)
    contract: ContractConfig | None  # the current version (``contract.id`` is the row's)
    recommended: bool = False
    price_cny: Decimal | None = None
    score: dict[str, float] = field(default_factory=dict)  # recommendation score parts (eligible only)
    eta: Eta | None = None  # None when the carrier has no transit time for the route's zone
    delivery: tuple[date, date] | None = None  # the ETA as dates from the pickup day (local)
    why: str = ""  # for the recommended quote: why it is recommended, in one line

    @property
    def breakdown(self) -> dict:
        return self.price.breakdown if self.price else {}

    @property
    def contract_url(self) -> str:
        return self.contract.get_absolute_url() if self.contract else ""

    def as_dict(self, request=None) -> dict:
        """The API shape of DESIGN §7.3 (``POST /api/v1/quotes/``), plus the score parts."""
        url = self.contract_url
        if url and request is not None:
            url = request.build_absolute_uri(url)
        return {
            "carrier": self.carrier.code,
            "name": self.carrier.name,
            "eligible": self.eligible,
            "reasons": list(self.reasons),
            "recommended": self.recommended,
            "price": self.price.as_dict() if self.price else None,
            "breakdown": self.breakdown,
            "contract": {"version": self.contract.version, "url": url} if self.contract else None,
            "eta": self.eta.as_dict() if self.eta else None,
            "why": self.why,
            "score": self.score,
        }


def screen_shipment(shipment: Shipment, *, configuration: QuoteConfiguration | None = None):
    """Screen the shipment's goods with the prohibited app (all carriers at once).

    With customs lines, the parcel and each line are screened, and the result is the worst of them
    (``screen_lines`` gives each line's own result, to say which line is at fault). The carriers and
    the catalogue's version are the ``configuration``'s (read when not given): nothing more is read.
    """
    from prohibited.services import screening_combine

    configuration = configuration or quote_configuration()
    parcel = _screen_parcel(shipment, configuration)
    if not shipment.items:
        return parcel
    return screening_combine([parcel, *screen_lines(shipment, configuration=configuration)])


def _screening_context(configuration: QuoteConfiguration) -> dict:
    from prohibited.selectors import catalogue_matcher

    return {
        "carriers": list(configuration.snapshot.carriers),
        "matcher": catalogue_matcher(configuration.catalogue_key),
    }


def screen_lines(shipment: Shipment, *, configuration: QuoteConfiguration | None = None) -> list:
    """Each customs line screened on its own: its description, quantity and value."""
    from prohibited.services import ScreeningInput, screen_item

    context = _screening_context(configuration or quote_configuration())
    r = shipment.recipient
    return [
        screen_item(
            ScreeningInput(
                description=line.description,
                item_type=shipment.item_type,
                quantity=line.quantity,
                declared_value=line.value,
                insured=shipment.insured,
                recipient_address=f"{r.province}{r.city}{r.district}{r.address}",
            ),
            **context,
        )
        for line in shipment.items
    ]


def _screen_parcel(shipment: Shipment, configuration: QuoteConfiguration):
    from prohibited.services import ScreeningInput, screen_item

    dimensions = (
        (shipment.length_cm, shipment.width_cm, shipment.height_cm) if shipment.has_dimensions else None
    )
    r = shipment.recipient
    return screen_item(
        ScreeningInput(
            description=shipment.description,
            item_type=shipment.item_type,
            quantity=shipment.quantity,
            weight_kg=shipment.weight_kg,
            dimensions_cm=dimensions,
            declared_value=shipment.declared_value,
            insured=shipment.insured,
            original_packaging=shipment.original_packaging,
            keep_upright=shipment.keep_upright,
            recipient_address=f"{r.province}{r.city}{r.district}{r.address}",
        ),
        **_screening_context(configuration),
    )


def quote_for_carrier(
    *,
    carrier: Carrier | CarrierConfig,
    shipment: Shipment,
    screening: ScreeningResult | None = None,
    now: datetime | None = None,
    snapshot: CarrierSnapshot | None = None,
) -> Quote:
    """One carrier's quote: eligibility with reasons, price and current contract (not ranked).

    ``screening`` is the result of screening the goods; None judges everything but the goods.
    ``recommended`` is always False here: only quote_shipment compares carriers. ``snapshot`` is
    the configuration ``carrier`` comes from (its service fees; default: the current one).
    """
    now = now or timezone.now()
    carrier = carrier_config(carrier)
    reasons = eligibility(carrier, shipment, screening)
    contract = carrier.contract_at(now)
    if contract is None:
        reasons.append(Reason(_("This carrier has not published its contract terms.")))
    try:
        price = price_shipment(carrier=carrier, shipment=shipment, snapshot=snapshot, now=now)
    except PricingError as error:
        price = None
        if str(error) not in reasons:
            reasons.append(Reason(str(error)))
    eta = carrier_eta(carrier, shipment)
    return Quote(
        carrier=carrier,
        eligible=not reasons,
        reasons=reasons,
        price=price,
        contract=contract,
        price_cny=to_cny(price.amount, price.currency) if price else None,
        eta=eta,
        delivery=eta.dates(shipment.pickup_start.astimezone(LOCAL_TZ).date()) if eta else None,
    )


def quote_shipment(
    *,
    shipment: Shipment,
    screening: ScreeningResult | None = None,
    now: datetime | None = None,
    configuration: QuoteConfiguration | None = None,
    ratings: Mapping[str, tuple] | None = None,
) -> list[Quote]:
    """Quotes of every active carrier: the eligible ones best first (the first is recommended),
    then the ineligible ones with their reasons, by code.

    ``configuration`` is this process's snapshot of the carriers (``services.configuration``; read
    when not given: one statement unless an admin changed something). ``screening`` defaults to
    screening the shipment with ``prohibited.services.screen_item``. ``ratings`` (code → (average,
    count)) defaults to the reviews hook of ``selectors.carrier_rating_stats``, refreshed with the
    acceptance statistics every ``QUOTE_STATISTICS_SECONDS``. The score is documented in
    ``services.recommendation``.
    """
    now = now or timezone.now()
    configuration = configuration or quote_configuration()
    if screening is None:
        screening = screen_shipment(shipment, configuration=configuration)
    snapshot = configuration.snapshot
    quotes = [
        quote_for_carrier(carrier=c, shipment=shipment, screening=screening, now=now, snapshot=snapshot)
        for c in snapshot.carriers
    ]
    return rank_quotes(quotes, now=now, ratings=ratings, snapshot=snapshot)


def rank_quotes(
    quotes: list[Quote],
    *,
    now: datetime | None = None,
    ratings: Mapping[str, tuple] | None = None,
    snapshot: CarrierSnapshot | None = None,
) -> list[Quote]:
    """The eligible quotes best first (the first recommended, with why), then the ineligible ones
    with their reasons, by code. The acceptance and ratings are the ``snapshot``'s carriers'
    statistics (default: the current snapshot's)."""
    eligible = {q.carrier.code: q for q in quotes if q.eligible}
    if eligible:
        acceptance, rated = quote_statistics(snapshot or carrier_snapshot(), now=now or timezone.now())
        ranking = rank(
            {code: q.price_cny for code, q in eligible.items()},
            acceptance=acceptance,
            ratings=rated if ratings is None else ratings,
        )
        for position, (code, parts) in enumerate(ranking):
            eligible[code].score = parts
            eligible[code].recommended = position == 0
        eligible[ranking[0][0]].why = recommendation_reason(ranking)
        order = {code: i for i, (code, _parts) in enumerate(ranking)}
    else:
        order = {}
    return sorted(quotes, key=lambda q: (not q.eligible, order.get(q.carrier.code, 0), q.carrier.code))


def recommendation_reason(ranking: list[tuple[str, dict[str, float]]]) -> str:
    """Why the top carrier is recommended, in one line: what it is best at among the eligible
    ones (cheapest, most reliable, best rated), or the balance of the three."""
    if len(ranking) == 1:
        return _("The only carrier that can take this parcel.")
    top = ranking[0][1]
    best = []
    if top["price_score"] >= max(p["price_score"] for _c, p in ranking):
        best.append(_("cheapest"))
    if top["acceptance_rate"] >= max(p["acceptance_rate"] for _c, p in ranking) and any(
        p["acceptance_rate"] < top["acceptance_rate"] for _c, p in ranking
    ):
        best.append(_("most reliable (accepts the most orders)"))
    if top["rating"] >= max(p["rating"] for _c, p in ranking) and any(
        p["rating"] < top["rating"] for _c, p in ranking
    ):
        best.append(_("best rated"))
    if not best:
        return _("The best balance of price, reliability and rating.")
    # Translators: the separator between the qualities of a recommended carrier ("、" in Chinese).
    return _("Recommended: %(qualities)s.") % {"qualities": _(", ").join(best)}


def _merged_hours(carriers: Iterable[Carrier | CarrierConfig]) -> list[tuple[time, time]]:
    spans = sorted((c.pickup_start, c.pickup_end) for c in carriers if c.pickup_start < c.pickup_end)
    merged: list[list[time]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def pickup_windows(
    *, carriers: Iterable[Carrier | CarrierConfig], now: datetime | None = None
) -> list[tuple[datetime, datetime]]:
    """The 2-hour pickup windows the booking form offers, in order: today, tomorrow and the day
    after, local Asia/Shanghai time.

    Windows tile the union of the carriers' pickup hours from the start of each span (08:00–20:00 →
    08–10, 10–12 … 18–20); a window is offered only when it lies wholly inside the hours of at
    least one of ``carriers`` (the quotes then say which), and never one starting less than
    ``PICKUP_LEAD`` from now: the carrier needs that time to send a courier.
    """
    carriers = list(carriers)
    now = (now or timezone.now()).astimezone(LOCAL_TZ)
    earliest = now + PICKUP_LEAD
    windows = []
    for offset in range(PICKUP_DAYS):
        day: date = now.date() + timedelta(days=offset)
        for start_time, end_time in _merged_hours(carriers):
            start = datetime.combine(day, start_time, tzinfo=LOCAL_TZ)
            end_of_span = datetime.combine(day, end_time, tzinfo=LOCAL_TZ)
            while start + PICKUP_WINDOW <= end_of_span:
                end = start + PICKUP_WINDOW
                if start >= earliest and any(within_pickup_hours(c, start, end) for c in carriers):
                    windows.append((start, end))
                start = end
    return windows
