"""The carrier simulator (DESIGN §2, §7.1, §7.4): demo carriers that really work their orders.

A development tool, installed only while ``CARRIER_SIMULATOR`` is on. It plays a carrier from the
outside, like a real one: it knows an order from the ``order.created`` message the platform sends
it (what any carrier gets) and from the signed pull API (``GET /api/v1/carriers/{code}/orders/``),
and moves it by posting signed callbacks to ``POST /api/v1/carriers/{code}/events/`` over loopback
HTTP (§7.2). It reads no order from the database.

When an ``order.created`` reaches a simulated carrier (integration ``simulator``, or a demo carrier
left on ``manual`` while ``CARRIER_SIMULATOR`` is on), the :class:`Simulator` integration schedules
``simulator.tasks.simulator_step`` with the message; each step then pulls the order as it is now,
posts the next event and schedules the next step ``SIMULATOR_STEP_SECONDS`` later:

    dispatching → accepted (courier) → picked_up (waybill, weight, fee) → in_transit
    → in_transit (a second scan) → out_for_delivery → signed

The courier collects inside the pickup window the user chose: until then an accepted order waits,
and ``simulator.tasks.simulator_kick`` resumes it when the moment has come. A carrier that requires
the pickup code (``pickup_code_required``) cannot collect without it: the code is never sent to a
carrier, the sender tells it to the courier at the door; here the developer playing the sender does,
on the page ``/simulator/door/`` or with
``python manage.py simulate_carriers --order NUMBER --pickup-code CODE``.

With probability ``SIMULATOR_PROBLEM_RATE`` an order also has a hiccup: a pickup exception
(``unreachable``, resolved at the next step) or a delivery problem before it goes out for delivery.
The choice is seeded by the order number, so a restarted simulator makes the same one.

Steps are state-driven and restart-safe: the next event follows from the order's status; each event
has a fixed ``webhook-id`` (``sim_<number>_<step>``), so a step posted twice is a ``duplicate`` that
changes nothing (and tells a restarted script that the step was done); a step carries the state it
was scheduled for and does nothing if the order moved meanwhile (another chain got there first); a
terminal status, or a ``409`` (the user cancelled), ends the script. ``simulator_kick`` (beat, every
minute) restarts orders whose chain was lost.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import random
import urllib.error
import urllib.request
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from http.client import HTTPException
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from carriers.integrations import carriers_served_by
from carriers.services.credentials import carrier_active_secrets, carrier_credentials_rotate
from carriers.webhooks import sign_payload, sign_request

logger = logging.getLogger(__name__)

SIMULATOR = "simulator"
EVENTS_PATH = "/api/v1/carriers/{code}/events/"
ORDERS_PATH = "/api/v1/carriers/{code}/orders/"
TIMEOUT = 10.0  # seconds; the platform answers its own loopback calls quickly or not at all
MAX_FAILURES = 5  # transient failures (platform down, 5xx) of one step before the script gives up
MAX_STEPS = 30  # a script is about ten steps; anything longer is a loop
USER_AGENT = "courier-platform-simulator/1"

# The order statuses of the carrier API (§7.2), as a carrier reads them.
PLACED, DISPATCHING, ACCEPTED, PICKED_UP = "placed", "dispatching", "accepted", "picked_up"
IN_TRANSIT, PROBLEM, OUT_FOR_DELIVERY = "in_transit", "problem", "out_for_delivery"
MOVING = (PLACED, DISPATCHING, ACCEPTED, PICKED_UP, IN_TRANSIT, PROBLEM, OUT_FOR_DELIVERY)

COURIERS = ["王建国", "李卫东", "张志强", "刘海涛", "陈晓明", "杨立新"]
HICCUP_PICKUP_EXCEPTION = "pickup_exception"
HICCUP_PROBLEM = "problem"


class SimulatorError(Exception):
    """The simulator cannot run (PLATFORM_URL not on this machine)."""


# --- the carriers it plays -----------------------------------------------------------------------


@dataclass(frozen=True)
class SimulatedCarrier:
    """What a carrier keeps on its side: its code, its webhook secret, whether it needs the pickup
    code, and the most it pays for a claim (its cap)."""

    code: str
    secret: str
    pickup_code_required: bool
    claim_cap: Decimal


def simulated_carriers() -> list[SimulatedCarrier]:
    """The carriers the simulator plays: integration ``simulator``, and the demo carriers left on
    ``manual`` while ``CARRIER_SIMULATOR`` is on. A demo carrier without a secret is issued one."""
    return [
        SimulatedCarrier(
            code=c.code,
            secret=_secret(c),
            pickup_code_required=c.requires_pickup_code,
            claim_cap=c.insurance_max_value,
        )
        for c in carriers_served_by(SIMULATOR)
    ]


def simulated_carrier(code: str) -> SimulatedCarrier | None:
    return next((c for c in simulated_carriers() if c.code == code), None)


def _secret(carrier) -> str:
    """The carrier's newest secret; a demo carrier that has none yet is issued one."""
    secrets = carrier_active_secrets(carrier)
    if secrets:
        return secrets[0]
    logger.info("simulator: issuing a webhook secret to demo carrier %s", carrier.code)
    return carrier_credentials_rotate(carrier=carrier)


# --- an order as the carrier knows it ------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    """An order as the carrier has it: from ``order.created`` or from a pull."""

    number: str
    status: str
    pickup_start: datetime
    pickup_end: datetime
    weight_kg: str
    estimate: dict
    sender_city: str
    recipient_city: str
    exception_code: str = ""
    updated_at: str = ""  # from a pull: the order's version, to tell whether it moved

    @classmethod
    def from_created(cls, payload: dict) -> Card:
        """From the ``order.created`` message (DESIGN §7.1): the order is placed."""
        return cls(
            number=payload["order"],
            status=PLACED,
            pickup_start=_time(payload["pickup_window"]["start"]),
            pickup_end=_time(payload["pickup_window"]["end"]),
            weight_kg=payload["parcel"]["weight_kg"],
            estimate=payload["estimate"],
            sender_city=payload["sender"]["city"],
            recipient_city=payload["recipient"]["city"],
        )

    @classmethod
    def from_pull(cls, order: dict) -> Card:
        """From one order of the pull API (DESIGN §7.2)."""
        return cls(
            number=order["number"],
            status=order["status"],
            pickup_start=_time(order["pickup_window"]["start"]),
            pickup_end=_time(order["pickup_window"]["end"]),
            weight_kg=order["weight_kg"],
            estimate=order["estimate"],
            sender_city=order["sender"]["city"],
            recipient_city=order["recipient"]["city"],
            exception_code=(order.get("exception") or {}).get("code", ""),
            updated_at=order["updated_at"],
        )

    @property
    def fingerprint(self) -> str:
        """The order's state as a step sees it; a step scheduled for another state does nothing."""
        return f"{self.status}:{self.updated_at}"


def _time(value: str) -> datetime:
    parsed = parse_datetime(value)
    if parsed is None:
        raise ValueError(f"not an ISO 8601 time: {value!r}")
    return parsed


# --- the script ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    name: str  # unique within the order's script: the webhook-id suffix
    type: str
    data: dict = field(default_factory=dict)
    occurred_at: datetime | None = None  # None: when it is posted


@dataclass(frozen=True)
class Next:
    """What the task schedules after a step: the same or the next step, with its countdown."""

    expect: str
    done: tuple[str, ...]
    failures: int
    countdown: float
    steps: int


def step_seconds() -> float:
    return float(settings.SIMULATOR_STEP_SECONDS)


def _rng(number: str, purpose: str) -> random.Random:
    return random.Random(f"{number}:{purpose}")  # noqa: S311  (a demo's dice, not a secret)


def hiccup(number: str) -> str:
    """The order's one complication, if any: fixed by its number (restart-safe)."""
    rng = _rng(number, "hiccup")
    if rng.random() >= float(settings.SIMULATOR_PROBLEM_RATE):
        return ""
    return rng.choice([HICCUP_PICKUP_EXCEPTION, HICCUP_PROBLEM])


def courier(number: str) -> dict[str, str]:
    rng = _rng(number, "courier")
    return {
        "name": rng.choice(COURIERS),
        "phone": f"+86139{rng.randrange(10**8):08d}",
        "employee_id": f"SIM{rng.randrange(10**5):05d}",
    }


def pickup_time(card: Card) -> datetime:
    """When the courier collects the parcel: a moment inside the window the user chose, fixed by
    the order's number (restart-safe), between a tenth and three fifths of the way through it."""
    length = card.pickup_end - card.pickup_start
    return card.pickup_start + length * _rng(card.number, "pickup").uniform(0.1, 0.6)


def message_id(number: str, step: Step) -> str:
    return f"sim_{number}_{step.name}"


def next_step(card: Card, done: set[str], *, pickup_code: str = "") -> Step | None:
    """The carrier's next move for the order as it is now; None when the script is over."""
    status, number = card.status, card.number
    complication = hiccup(number)
    if status == PLACED:
        return Step("dispatching", "order.dispatching")
    if status == DISPATCHING:
        return Step("accepted", "order.accepted", {"courier": courier(number)})
    if status == ACCEPTED:
        if card.exception_code:
            return Step(
                "exception_resolved", "order.exception_resolved", {"note": "已与寄件人联系上，快递员重新上门"}
            )
        if complication == HICCUP_PICKUP_EXCEPTION and "pickup_exception" not in done:
            return Step(
                "pickup_exception",
                "order.pickup_exception",
                {"code": "unreachable", "note": "快递员上门时未联系上寄件人"},
            )
        data = {
            "waybill_no": f"SIM{number[-10:]}",
            "weight_kg": str(Decimal(card.weight_kg)),
            "fee": {"amount": card.estimate["amount"], "currency": card.estimate["currency"]},
        }
        if pickup_code:
            data["pickup_code"] = pickup_code  # what the sender told the courier at the door
        return Step("picked_up", "order.picked_up", occurred_at=pickup_time(card), data=data)
    if status == PICKED_UP:
        return Step(
            "in_transit_1",
            "order.in_transit",
            {"location": f"{card.sender_city}转运中心", "description": "快件已从揽收网点发出"},
        )
    if status == IN_TRANSIT:
        if "in_transit_2" not in done:
            return Step(
                "in_transit_2",
                "order.in_transit",
                {"location": f"{card.recipient_city}转运中心", "description": "快件已到达目的地转运中心"},
            )
        if complication == HICCUP_PROBLEM and "problem" not in done:
            return Step("problem", "order.problem", {"description": "收件人电话暂时无法接通，正在联系"})
        return Step("out_for_delivery", "order.out_for_delivery", {"courier": courier(number)})
    if status == PROBLEM:
        return Step("out_for_delivery", "order.out_for_delivery", {"courier": courier(number)})
    if status == OUT_FOR_DELIVERY:
        return Step("signed", "order.signed", {"signed_by": "本人"})
    return None  # signed, rejected, cancelled, expired, or a status this script does not work


def waits_for_pickup_code(carrier: SimulatedCarrier, card: Card, step: Step | None, pickup_code: str) -> bool:
    return (
        step is not None
        and step.type == "order.picked_up"
        and carrier.pickup_code_required
        and not pickup_code
    )


# --- talking to the platform ---------------------------------------------------------------------


def platform_url(path: str) -> str:
    base = settings.PLATFORM_URL.rstrip("/")
    parts = urlsplit(base)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not _is_this_machine(host):
        # The simulator plays a carrier against this very platform; it never calls elsewhere.
        raise SimulatorError(f"PLATFORM_URL must be this machine (loopback), not {base!r}")
    if _is_unspecified(host):  # `make run HOST=0.0.0.0`: listening everywhere, reachable on loopback
        port = f":{parts.port}" if parts.port else ""
        base = parts._replace(netloc=f"127.0.0.1{port}").geturl()
    return base + path


def events_url(code: str) -> str:
    return platform_url(EVENTS_PATH.format(code=code))


def _is_this_machine(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _is_unspecified(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # The carrier API never redirects; following one would report the wrong answer.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


# Loopback only, so never through a proxy the environment may name.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects)


def _call(request: urllib.request.Request, what: str) -> tuple[int | None, Any]:
    try:
        with _opener.open(request, timeout=TIMEOUT) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
        error.close()
    except (OSError, HTTPException) as error:
        logger.warning("simulator: %s failed: %s", what, error)
        return None, {}
    try:
        return status, json.loads(raw or b"{}")
    except ValueError:
        return status, {}


def post_event(*, carrier: SimulatedCarrier, number: str, step: Step) -> tuple[int | None, dict]:
    """Sign and post one event as the carrier would; (HTTP status or None if unreachable, body)."""
    url = events_url(carrier.code)
    body = json.dumps(
        {
            "order": number,
            "type": step.type,
            "occurred_at": timezone.localtime(step.occurred_at or timezone.now()).isoformat(),
            "data": step.data,
        },
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")
    headers = sign_payload(secret=carrier.secret, msg_id=message_id(number, step), body=body)
    request = urllib.request.Request(  # noqa: S310  (scheme and host checked in platform_url)
        url,
        data=body,
        method="POST",
        headers={**headers, "Content-Type": "application/json", "User-Agent": USER_AGENT},
    )
    status, answer = _call(request, f"{step.type} for {number}")
    return status, answer if isinstance(answer, dict) else {}


def pull(*, carrier: SimulatedCarrier, params: list[tuple[str, str]]) -> list[dict] | None:
    """The carrier's orders matching ``params``, every page, by signed pulls; None on a failure."""
    path = ORDERS_PATH.format(code=carrier.code)
    query = list(params)
    found: list[dict] = []
    for page in range(1, 1000):
        full_path = path + "?" + urlencode([*query, ("page", str(page))])
        headers = sign_request(
            secret=carrier.secret,
            msg_id=f"sim_pull_{random.getrandbits(64):016x}",
            method="GET",
            full_path=full_path,
        )
        request = urllib.request.Request(  # noqa: S310  (scheme and host checked in platform_url)
            platform_url(full_path), method="GET", headers={**headers, "User-Agent": USER_AGENT}
        )
        status, answer = _call(request, f"pull of {carrier.code}")
        if status != 200 or not isinstance(answer, dict):
            if status is not None:
                logger.warning("simulator: pull of %s answered %s %s", carrier.code, status, answer)
            return None
        found += answer.get("results", [])
        if not answer.get("next"):
            break
    return found


def pull_one(*, carrier: SimulatedCarrier, number: str) -> Card | None:
    orders = pull(carrier=carrier, params=[("number", number)])
    return Card.from_pull(orders[0]) if orders else None


# --- one step ------------------------------------------------------------------------------------


def run_step(
    *,
    carrier_code: str,
    number: str,
    created: dict | None = None,
    expect: str | None = None,
    done: tuple[str, ...] = (),
    failures: int = 0,
    steps: int = 0,
    pickup_code: str = "",
) -> Next | None:
    """Post the order's next event; return what to schedule next, or None when the script ends.

    ``created`` is the ``order.created`` message that started the script (its first step needs no
    pull); later steps pull the order. ``pickup_code`` is what the sender told the courier.
    """
    carrier = simulated_carrier(carrier_code)
    if carrier is None:
        return None
    if steps >= MAX_STEPS:
        logger.warning("simulator: %s stopped after %d steps", number, steps)
        return None
    card = Card.from_created(created) if created is not None else pull_one(carrier=carrier, number=number)
    if card is None:
        return _retry(number, "the order could not be pulled", expect, done, failures, steps)
    if expect is not None and card.fingerprint != expect:
        return None  # another chain moved the order since this step was scheduled
    step = next_step(card, set(done), pickup_code=pickup_code)
    if step is None:
        return None
    if waits_for_pickup_code(carrier, card, step, pickup_code):
        # The code is never sent to a carrier: the sender tells it to the courier at the door.
        logger.info(
            "simulator: %s waits at the door for the pickup code (the page /simulator/door/, or "
            "python manage.py simulate_carriers --order %s --pickup-code CODE)",
            number,
            number,
        )
        return None
    if step.occurred_at is not None and step.occurred_at > timezone.now():
        # The courier comes inside the chosen window: the chain ends here and simulator_kick
        # resumes the order once the moment has come (a countdown of hours would sit in the broker).
        logger.info("simulator: %s waits for its pickup window", number)
        return None
    if step.occurred_at is not None and card.updated_at and step.occurred_at <= _time(card.updated_at):
        step = replace(step, occurred_at=None)  # the window passed while the chain was lost

    status, answer = post_event(carrier=carrier, number=number, step=step)
    if status == 200 and answer.get("result") == "duplicate":
        # Done before (a restarted script forgets what it did): the order did not move, so the
        # step after it follows at once.
        logger.info("simulator: %s %s was done before", number, step.type)
        return run_step(
            carrier_code=carrier_code,
            number=number,
            created=created,
            done=(*done, step.name),
            failures=failures,
            steps=steps + 1,
            pickup_code=pickup_code,
        )
    if status == 200:
        logger.info("simulator: %s %s → %s", number, step.type, answer.get("result"))
        after = pull_one(carrier=carrier, number=number)
        return Next(
            expect=after.fingerprint if after is not None else "",
            done=tuple(sorted(set(done) | {step.name})),
            failures=0,
            countdown=step_seconds(),
            steps=steps + 1,
        )
    if status is not None and 400 <= status < 500 and status not in (408, 429):
        # 409: the order moved on without the carrier (cancelled, expired); other 4xx: a bug or a
        # configuration the simulator cannot fix by trying again.
        log = logger.info if status == 409 else logger.warning
        log("simulator: %s %s refused (%s %s); script ends", number, step.type, status, answer)
        return None
    return _retry(number, f"{step.type} not delivered", card.fingerprint, done, failures, steps)


def _retry(number: str, why: str, expect: str | None, done, failures: int, steps: int) -> Next | None:
    if failures + 1 >= MAX_FAILURES:
        logger.warning("simulator: %s: %s %d times; script ends", number, why, failures + 1)
        return None
    return Next(
        expect=expect or "",
        done=tuple(sorted(set(done))),
        failures=failures + 1,
        countdown=step_seconds() * 2 ** (failures + 1),
        steps=steps + 1,
    )


def lost_scripts(*, now: datetime | None = None, limit: int = 200) -> list[tuple[str, str]]:
    """(carrier code, number) of simulated orders still moving but untouched for a while (worker
    restarted, broker emptied), found by pulling: their scripts were lost and are to be restarted.

    Left out: an accepted order before its pickup window, and one of a carrier that requires the
    pickup code once its window has come: its courier waits at the door (a pickup exception the
    hiccup calls for has been reported by then), and only the sender can move it on."""
    now = now or timezone.now()
    quiet = timedelta(seconds=max(60.0, 6 * step_seconds()))
    lost: list[tuple[datetime, str, str]] = []
    for carrier in simulated_carriers():
        orders = pull(carrier=carrier, params=[("status", status) for status in MOVING]) or []
        for order in orders:
            card = Card.from_pull(order)
            if _time(card.updated_at) >= now - quiet:
                continue
            at_rest = card.pickup_start > now or carrier.pickup_code_required
            if card.status == ACCEPTED and not card.exception_code and at_rest:
                continue  # before its window, or at the door waiting for the code (at_the_door)
            lost.append((_time(card.updated_at), carrier.code, card.number))
    return [(code, number) for _, code, number in sorted(lost)[:limit]]


def at_the_door(*, now: datetime | None = None) -> list[tuple[SimulatedCarrier, Card]]:
    """The orders whose simulated courier waits at the door for the pickup code: accepted by a
    carrier that requires the code, no open pickup exception, and the pickup window has begun."""
    now = now or timezone.now()
    waiting = []
    for carrier in simulated_carriers():
        if not carrier.pickup_code_required:
            continue
        for order in pull(carrier=carrier, params=[("status", ACCEPTED)]) or []:
            card = Card.from_pull(order)
            if not card.exception_code and card.pickup_start <= now:
                waiting.append((carrier, card))
    return sorted(waiting, key=lambda pair: pair[1].pickup_start)


def hand_over(*, number: str, pickup_code: str) -> tuple[SimulatedCarrier, Card] | None:
    """The sender tells the waiting courier of order ``number`` the pickup code: the courier posts
    its next step with it (``order.picked_up``; a wrong code is refused by the platform, as it would
    refuse a real courier). The order as the carrier sees it afterwards, or None if no simulated
    carrier has it."""
    for carrier in simulated_carriers():
        if pull_one(carrier=carrier, number=number) is not None:
            run_step(carrier_code=carrier.code, number=number, pickup_code=pickup_code)
            after = pull_one(carrier=carrier, number=number)
            return (carrier, after) if after is not None else None
    return None


# --- claims ----------------------------------------------------------------------------------------


def claim_decision(*, carrier: SimulatedCarrier, claim: dict) -> Step:
    """The simulated carrier's decision on a claim (the ``claim.created`` message): approved at the
    most it may pay (the lowest of the amount claimed, the declared value and its cap), no return
    freight."""
    limits = [Decimal(claim["amount"]["amount"]), carrier.claim_cap]
    declared = (claim.get("declared_value") or {}).get("amount")
    if declared and Decimal(declared):  # nothing declared: no receipt value to bound it
        limits.append(Decimal(declared))
    return Step(
        name=f"claim_{claim['claim']}",
        type="claim.decided",
        data={
            "claim": claim["claim"],
            "decision": "approved",
            "amount": f"{min(limits):.2f}",
            "return_freight": "0.00",
            "note": "模拟快递公司：已核实",
        },
    )


def run_claim_decision(*, carrier_code: str, claim: dict, failures: int = 0) -> float | None:
    """Post the decision on a claim the carrier received; the countdown to try again after a
    transient failure (platform unreachable, 5xx), or None when done or given up (a claim decided
    already is refused with 409 and changes nothing)."""
    carrier = simulated_carrier(carrier_code)
    if carrier is None:
        return None
    step = claim_decision(carrier=carrier, claim=claim)
    status, _answer = post_event(carrier=carrier, number=claim["order"], step=step)
    if (status is None or status >= 500) and failures + 1 < MAX_FAILURES:
        return step_seconds() * (2**failures)
    return None
