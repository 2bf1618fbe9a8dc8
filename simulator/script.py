"""The carrier simulator (DESIGN §2, §7.1, §7.4): demo carriers that really work their orders.

A development tool, installed only while ``CARRIER_SIMULATOR`` is on. When an ``order.created``
reaches a simulated carrier (integration ``simulator``, or a demo carrier left on ``manual`` while
``CARRIER_SIMULATOR`` is on), the :class:`Simulator` integration schedules
``simulator.tasks.simulator_step``; the tasks schedule each next step. Each step looks at the order as it is now, posts the next carrier
event to the platform's own ``POST /api/v1/carriers/{code}/events/`` over loopback HTTP, signed
with the carrier's current webhook secret exactly as a real carrier would (§7.2), and schedules
the next step ``SIMULATOR_STEP_SECONDS`` later:

    dispatching → accepted (courier) → picked_up (waybill, weight, fee, the right pickup code)
    → in_transit → in_transit (a second scan) → out_for_delivery → signed

The courier collects inside the pickup window the user chose (``pickup_time``): until then an
accepted order waits, and ``simulator.tasks.simulator_kick`` resumes it when the moment has come.

With probability ``SIMULATOR_PROBLEM_RATE`` an order also has a hiccup: a pickup exception
(``unreachable``, resolved at the next step) or a delivery problem before it goes out for delivery.
The choice is seeded by the order number, so a restarted simulator makes the same one.

Steps are state-driven and restart-safe: the next event follows from the order's status; each event
has a fixed ``webhook-id`` (``sim_<number>_<step>``), so a step posted twice is a ``duplicate`` that
changes nothing; a step carries the state it was scheduled for and does nothing if the order moved
meanwhile (another chain got there first); a terminal status, or a ``409`` (the user cancelled),
ends the script. ``simulator_kick`` (beat, every minute) restarts orders whose chain was lost.
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
from http.client import HTTPException
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q, QuerySet
from django.utils import timezone

from carriers.demo import CARRIERS as DEMO_CARRIERS
from carriers.models import Carrier
from carriers.services.credentials import carrier_active_secrets, carrier_credentials_rotate
from carriers.webhooks import sign_payload
from orders.models import Claim, ClaimStatus, Order, OrderEvent, OutboxEventType, OutboxStatus, Status
from orders.services.claims import compensation_limit
from orders.services.statuses import TERMINAL

logger = logging.getLogger(__name__)

EVENTS_PATH = "/api/v1/carriers/{code}/events/"
TIMEOUT = 10.0  # seconds; the platform answers its own loopback calls quickly or not at all
MAX_FAILURES = 5  # transient failures (platform down, 5xx) of one step before the script gives up
MAX_STEPS = 30  # a script is about ten steps; anything longer is a loop
USER_AGENT = "courier-platform-simulator/1"

COURIERS = ["王建国", "李卫东", "张志强", "刘海涛", "陈晓明", "杨立新"]
HICCUP_PICKUP_EXCEPTION = "pickup_exception"
HICCUP_PROBLEM = "problem"


class SimulatorError(Exception):
    """The simulator cannot run (PLATFORM_URL not on this machine)."""


# --- which carriers are simulated -------------------------------------------------------------

SIMULATOR = "simulator"


def _simulated() -> Q:
    condition = Q(integration=SIMULATOR)
    if settings.CARRIER_SIMULATOR:
        condition |= Q(integration="manual", code__in=list(DEMO_CARRIERS))
    return condition


def simulated_carriers() -> QuerySet[Carrier]:
    """Carriers the simulator works for: integration ``simulator``, and the demo carriers left
    on ``manual`` while ``CARRIER_SIMULATOR`` is on."""
    return Carrier.objects.filter(_simulated())


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


def _rng(order: Order, purpose: str) -> random.Random:
    return random.Random(f"{order.number}:{purpose}")  # noqa: S311  (a demo's dice, not a secret)


def hiccup(order: Order) -> str:
    """The order's one complication, if any: fixed by its number (restart-safe)."""
    rng = _rng(order, "hiccup")
    if rng.random() >= float(settings.SIMULATOR_PROBLEM_RATE):
        return ""
    return rng.choice([HICCUP_PICKUP_EXCEPTION, HICCUP_PROBLEM])


def courier(order: Order) -> dict[str, str]:
    rng = _rng(order, "courier")
    return {
        "name": rng.choice(COURIERS),
        "phone": f"+86139{rng.randrange(10**8):08d}",
        "employee_id": f"SIM{rng.randrange(10**5):05d}",
    }


def pickup_time(order: Order) -> datetime:
    """When the courier collects the parcel: a moment inside the window the user chose, fixed by
    the order's number (restart-safe), between a tenth and three fifths of the way through it."""
    length = order.pickup_end - order.pickup_start
    return order.pickup_start + length * _rng(order, "pickup").uniform(0.1, 0.6)


def message_id(order: Order, step: Step) -> str:
    return f"sim_{order.number}_{step.name}"


def done_steps(order: Order) -> set[str]:
    """Steps the platform's timeline shows as applied or recorded (by their webhook ids)."""
    prefix = f"sim_{order.number}_"
    ids = OrderEvent.objects.filter(order=order, source_event_id__startswith=prefix).values_list(
        "source_event_id", flat=True
    )
    return {source[len(prefix) :] for source in ids}


def next_step(order: Order, done: set[str]) -> Step | None:
    """The carrier's next move for ``order`` as it is now; None when the script is over."""
    status = order.status
    if status in TERMINAL:
        return None
    complication = hiccup(order)
    if status == Status.PLACED:
        return Step("dispatching", "order.dispatching")
    if status == Status.DISPATCHING:
        return Step("accepted", "order.accepted", {"courier": courier(order)})
    if status == Status.ACCEPTED:
        if order.exception_code:
            return Step(
                "exception_resolved", "order.exception_resolved", {"note": "已与寄件人联系上，快递员重新上门"}
            )
        if complication == HICCUP_PICKUP_EXCEPTION and "pickup_exception" not in done:
            return Step(
                "pickup_exception",
                "order.pickup_exception",
                {"code": "unreachable", "note": "快递员上门时未联系上寄件人"},
            )
        return Step(
            "picked_up",
            "order.picked_up",
            occurred_at=pickup_time(order),
            data={
                "waybill_no": f"SIM{order.number[-10:]}",
                "weight_kg": str(order.weight_kg),
                "fee": {"amount": str(order.estimate_amount), "currency": order.estimate_currency},
                # The simulator is part of the platform: it knows the code the user would say.
                "pickup_code": order.pickup_code,
            },
        )
    if status == Status.PICKED_UP:
        return Step(
            "in_transit_1",
            "order.in_transit",
            {"location": f"{order.sender_city}转运中心", "description": "快件已从揽收网点发出"},
        )
    if status == Status.IN_TRANSIT:
        if "in_transit_2" not in done:
            return Step(
                "in_transit_2",
                "order.in_transit",
                {"location": f"{order.recipient_city}转运中心", "description": "快件已到达目的地转运中心"},
            )
        if complication == HICCUP_PROBLEM and "problem" not in done:
            return Step("problem", "order.problem", {"description": "收件人电话暂时无法接通，正在联系"})
        return Step("out_for_delivery", "order.out_for_delivery", {"courier": courier(order)})
    if status == Status.PROBLEM:
        return Step("out_for_delivery", "order.out_for_delivery", {"courier": courier(order)})
    if status == Status.OUT_FOR_DELIVERY:
        return Step("signed", "order.signed", {"signed_by": "本人"})
    return None


def fingerprint(order: Order) -> str:
    """The order's state as a step sees it; a step scheduled for another state does nothing."""
    return f"{order.status}:{OrderEvent.objects.filter(order=order).count()}"


# --- talking to the platform ---------------------------------------------------------------------


def events_url(carrier: Carrier) -> str:
    base = settings.PLATFORM_URL.rstrip("/")
    parts = urlsplit(base)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not _is_this_machine(host):
        # The simulator plays a carrier against this very platform; it never posts elsewhere.
        raise SimulatorError(f"PLATFORM_URL must be this machine (loopback), not {base!r}")
    if _is_unspecified(host):  # `make run HOST=0.0.0.0`: listening everywhere, reachable on loopback
        port = f":{parts.port}" if parts.port else ""
        base = parts._replace(netloc=f"127.0.0.1{port}").geturl()
    return base + EVENTS_PATH.format(code=carrier.code)


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


def _secret(carrier: Carrier) -> str:
    """The carrier's newest secret; a demo carrier that has none yet is issued one."""
    secrets = carrier_active_secrets(carrier)
    if secrets:
        return secrets[0]
    logger.info("simulator: issuing a webhook secret to demo carrier %s", carrier.code)
    return carrier_credentials_rotate(carrier=carrier)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # The events endpoint never redirects; following one would report the wrong answer.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


# Loopback only, so never through a proxy the environment may name.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects)


def post_event(*, order: Order, step: Step) -> tuple[int | None, dict]:
    """Sign and post one event as the carrier would; (HTTP status or None if unreachable, body)."""
    carrier = order.carrier
    url = events_url(carrier)
    body = json.dumps(
        {
            "order": order.number,
            "type": step.type,
            "occurred_at": timezone.localtime(step.occurred_at or timezone.now()).isoformat(),
            "data": step.data,
        },
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")
    headers = sign_payload(secret=_secret(carrier), msg_id=message_id(order, step), body=body)
    request = urllib.request.Request(  # noqa: S310  (scheme and host checked in events_url)
        url,
        data=body,
        method="POST",
        headers={**headers, "Content-Type": "application/json", "User-Agent": USER_AGENT},
    )
    try:
        with _opener.open(request, timeout=TIMEOUT) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
        error.close()
    except (OSError, HTTPException) as error:
        logger.warning("simulator: %s for %s not delivered: %s", step.type, order.number, error)
        return None, {}
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        answer = {}
    return status, answer if isinstance(answer, dict) else {}


# --- one step ------------------------------------------------------------------------------------


def run_step(
    *, order_id: int, expect: str | None = None, done: tuple[str, ...] = (), failures: int = 0, steps: int = 0
) -> Next | None:
    """Post the order's next event; return what to schedule next, or None when the script ends."""
    order = Order.objects.select_related("carrier").filter(pk=order_id).first()
    if order is None or not simulated_carriers().filter(pk=order.carrier_id).exists():
        return None
    if steps >= MAX_STEPS:
        logger.warning("simulator: %s stopped after %d steps", order.number, steps)
        return None
    state = fingerprint(order)
    if expect is not None and state != expect:
        return None  # another chain moved the order since this step was scheduled
    known = done_steps(order) | set(done)
    step = next_step(order, known)
    if step is None:
        return None
    if step.occurred_at is not None and step.occurred_at > timezone.now():
        # The courier comes inside the chosen window: the chain ends here and simulator_kick
        # resumes the order once the moment has come (a countdown of hours would sit in the broker).
        logger.info("simulator: %s waits for its pickup window", order.number)
        return None
    if step.occurred_at is not None and step.occurred_at <= order.status_changed_at:
        step = replace(step, occurred_at=None)  # the window passed while the chain was lost

    status, answer = post_event(order=order, step=step)
    if status == 200:
        logger.info("simulator: %s %s → %s", order.number, step.type, answer.get("result"))
        order.refresh_from_db(fields=["status", "exception_code"])
        return Next(
            expect=fingerprint(order),
            done=tuple(sorted(known | {step.name})),
            failures=0,
            countdown=step_seconds(),
            steps=steps + 1,
        )
    if status is not None and 400 <= status < 500 and status not in (408, 429):
        # 409: the order moved on without the carrier (cancelled, expired); other 4xx: a bug or a
        # configuration the simulator cannot fix by trying again.
        log = logger.info if status == 409 else logger.warning
        log("simulator: %s %s refused (%s %s); script ends", order.number, step.type, status, answer)
        return None
    if failures + 1 >= MAX_FAILURES:
        logger.warning("simulator: %s %s failed %d times; script ends", order.number, step.type, failures + 1)
        return None
    return Next(
        expect=state,
        done=tuple(sorted(set(done))),
        failures=failures + 1,
        countdown=step_seconds() * 2 ** (failures + 1),
        steps=steps + 1,
    )


def lost_scripts(*, now: datetime | None = None, limit: int = 200) -> list[int]:
    """Simulated orders still moving but untouched for a while (worker restarted, broker emptied):
    their scripts were lost and are to be restarted."""
    if not simulated_carriers().exists():
        return []
    now = now or timezone.now()
    quiet = timedelta(seconds=max(60.0, 6 * step_seconds()))
    return list(
        Order.objects.filter(carrier__in=simulated_carriers(), updated_at__lt=now - quiet)
        .exclude(status__in=TERMINAL)
        .exclude(status=Status.ACCEPTED, pickup_start__gt=now)  # waiting for its pickup window
        # Only orders the carrier has been told about; the outbox starts the others.
        .filter(
            outbox_messages__event_type=OutboxEventType.CREATED, outbox_messages__status=OutboxStatus.SENT
        )
        .order_by("updated_at")
        .values_list("pk", flat=True)[:limit]
    )


# --- claims ----------------------------------------------------------------------------------------


def claim_decision(*, order: Order, claim: Claim) -> Step:
    """The simulated carrier's decision on a claim: approved at the most it may pay (the lowest of
    the amount claimed, the declared value and its cap), no return freight."""
    return Step(
        name=f"claim_{claim.pk}",
        type="claim.decided",
        data={
            "claim": claim.pk,
            "decision": ClaimStatus.APPROVED.value,
            "amount": str(compensation_limit(claim=claim, order=order)),
            "return_freight": "0.00",
            "note": "模拟快递公司：已核实",
        },
    )


def run_claim_decision(*, order_id: int, claim_id: int, failures: int = 0) -> float | None:
    """Post the decision on a submitted claim; the countdown to try again after a transient failure
    (platform unreachable, 5xx), or None when done or given up."""
    claim = Claim.objects.select_related("order__carrier").filter(pk=claim_id, order_id=order_id).first()
    if claim is None or claim.status != ClaimStatus.SUBMITTED:
        return None
    status, _answer = post_event(order=claim.order, step=claim_decision(order=claim.order, claim=claim))
    if (status is None or status >= 500) and failures + 1 < MAX_FAILURES:
        return step_seconds() * (2**failures)
    return None
