"""Run the fake Kuaidi100 and fake SF on loopback and play their carriers (development only).

    python manage.py run_fake_carriers [--kuaidi100 econ-post] [--sf heavy-freight]

Points the two demo carriers at the fakes (``manage.py carrier_integration``: the integrations
``kuaidi100`` and ``sf`` with the fakes' loopback URLs and secrets), so the platform books them in
Kuaidi100's and SF's own protocols; then, every ``--step-seconds``, moves each booking the fakes took
one step on — accepted, picked up, in transit, signed — by pushing the carrier's own callbacks to
``PLATFORM_URL``. Ctrl-C (or SIGTERM) stops. Needs the web and the worker running beside it.

``make run`` configures first (``--configure-only``, before the processes start) and runs the fakes
as a process of ``Procfile.dev`` (``--no-configure``: the database is left alone). The ports are the
settings ``FAKE_KUAIDI100_PORT`` and ``FAKE_SF_PORT`` (``make run``: the site's PORT + 101 and + 102).
"""

from __future__ import annotations

import signal
import time
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from simulator.fakes.kuaidi100 import FakeKuaidi100
from simulator.fakes.sf import FakeSF

BEIJING = ZoneInfo("Asia/Shanghai")
HOST = "127.0.0.1"
# The fakes' own accounts: the demo carriers are configured with the same values.
KUAIDI100_ACCOUNT = {
    "key": "dev-kuaidi100-key",
    "secret": "dev-kuaidi100-secret",
    "salt": "dev-kuaidi100-salt",
}
KUAIDI100_COMPANY = "zhongtong"  # the carrier Kuaidi100 books for the platform's carrier (中通)
SF_ACCOUNT = {"partner_id": "DEVPARTNER", "check_word": "dev-sf-check-word"}
SF_EXPRESS_TYPE = "2"  # 顺丰标快
# A freight per kilogram and a minimum, for the fee Kuaidi100 reports at pickup.
FREIGHT_PER_KG, FREIGHT_MIN = Decimal("6.00"), Decimal("12.00")


@dataclass(frozen=True)
class Step:
    code: str
    meaning: str


# Kuaidi100 ``data.status`` values (DESIGN §7.5), in the order a booking goes through them.
KUAIDI100_STEPS = (
    Step("0", "下单成功"),
    Step("1", "已接单"),
    Step("10", "已取件"),
    Step("101", "运输中"),
    Step("13", "已签收"),
)
# SF: the order-state push of a courier assigned, then route pushes by ``opCode``.
SF_STEPS = (
    Step("04-40001", "已派单"),
    Step("50", "已揽收"),
    Step("30", "运输中"),
    Step("44", "派送中"),
    Step("80", "已签收"),
)
COURIER = {"courierName": "王师傅", "courierMobile": "13700137000"}
SF_COURIER = ("0123456", "13800138000")  # empCode, empPhone


def _freight(weight: Any) -> str:
    try:
        kg = Decimal(str(weight))
    except (InvalidOperation, ValueError):
        kg = Decimal("1")
    return str(max(FREIGHT_MIN, (kg * FREIGHT_PER_KG).quantize(Decimal("0.01"))))


class Command(BaseCommand):
    help = "Run fake Kuaidi100 and SF servers and push their callbacks (development only)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--kuaidi100", default="econ-post", help="carrier booked through Kuaidi100")
        parser.add_argument("--sf", default="heavy-freight", help="carrier booked through SF")
        parser.add_argument("--kuaidi100-port", type=int, default=settings.FAKE_KUAIDI100_PORT)
        parser.add_argument("--sf-port", type=int, default=settings.FAKE_SF_PORT)
        parser.add_argument("--step-seconds", type=float, default=settings.SIMULATOR_STEP_SECONDS)
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--configure-only", action="store_true", help="configure the carriers and exit")
        mode.add_argument("--no-configure", action="store_true", help="run the fakes, leave the database")

    def handle(self, *args, **options):
        k100_url = f"http://{HOST}:{options['kuaidi100_port']}"
        sf_url = f"http://{HOST}:{options['sf_port']}"
        if not options["no_configure"]:
            self.configure(options["kuaidi100"], options["sf"], k100_url=k100_url, sf_url=sf_url)
        if options["configure_only"]:
            return
        try:
            k100 = FakeKuaidi100(**KUAIDI100_ACCOUNT, host=HOST, port=options["kuaidi100_port"])
            sf = FakeSF(**SF_ACCOUNT, host=HOST, port=options["sf_port"])
        except OSError as error:
            raise CommandError(
                f"The fake carriers cannot listen on {HOST}:{options['kuaidi100_port']} and "
                f"{HOST}:{options['sf_port']} ({error.strerror}); choose other ports with "
                "FAKE_KUAIDI100_PORT and FAKE_SF_PORT."
            ) from None
        # honcho stops its processes with SIGTERM: stop the same way as on Ctrl-C.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        k100.start()
        sf.start()
        self.stdout.write(
            f"fake Kuaidi100 {k100.url} ({options['kuaidi100']}) · fake SF {sf.url} ({options['sf']})",
        )
        player = Player(
            k100=k100,
            sf=sf,
            names=(options["kuaidi100"], options["sf"]),
            sf_events_url=f"{settings.PLATFORM_URL.rstrip('/')}/api/v1/carriers/{options['sf']}/events/",
            write=self.stdout.write,
        )
        try:
            while True:
                time.sleep(options["step_seconds"])
                player.step()
        except KeyboardInterrupt:
            pass
        finally:
            # Ctrl-C reaches every process of the terminal's group, then honcho sends SIGTERM:
            # the second signal must not interrupt the stop.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            k100.stop()
            sf.stop()

    def configure(self, k100_code: str, sf_code: str, *, k100_url: str, sf_url: str) -> None:
        """Point the two carriers at the fakes (idempotent: the same values every run)."""
        quiet = {"stdout": StringIO()}
        k100_values = {**KUAIDI100_ACCOUNT, "kuaidicom": KUAIDI100_COMPANY, "base_url": k100_url}
        sf_values = {
            **SF_ACCOUNT,
            "base_url": f"{sf_url}/std/service",
            "monthly_card": "",
            "express_type_id": SF_EXPRESS_TYPE,
        }
        for code, integration, values in ((k100_code, "kuaidi100", k100_values), (sf_code, "sf", sf_values)):
            pairs = [arg for key, value in values.items() for arg in ("--set", f"{key}={value}")]
            call_command("carrier_integration", code, "--integration", integration, *pairs, **quiet)
        self.stdout.write(f"Demo carriers on the fake carriers: {k100_code} → Kuaidi100, {sf_code} → SF")


class Player:
    """Moves each booking one step per tick. A booking is first only seen (its first callback a
    tick later, after the platform has the booking's answer); a step the platform did not
    acknowledge, or could not be reached for, is tried again on the next tick, as the carriers
    retry."""

    def __init__(self, *, k100: FakeKuaidi100, sf: FakeSF, names: tuple[str, str], sf_events_url: str, write):
        self.k100, self.sf, self.names = k100, sf, names
        self.sf_events_url = sf_events_url
        self.write = write
        self.progress: dict[tuple[str, str], int] = {}  # (carrier, its order id) → next step; -1 seen

    def step(self) -> None:
        for booking in list(self.k100.bookings.values()):
            self._advance(("kuaidi100", booking.order_id), booking, cancelled=booking.cancelled)
        for order in list(self.sf.orders.values()):
            self._advance(("sf", order.order_id), order, cancelled=order.cancelled)

    def _advance(self, key: tuple[str, str], booking: Any, *, cancelled: bool) -> None:
        if key not in self.progress:
            self.progress[key] = 0  # seen now; the first callback on the next tick
            return
        index = self.progress[key]
        steps = KUAIDI100_STEPS if key[0] == "kuaidi100" else SF_STEPS
        if cancelled or index >= len(steps):
            return
        step = steps[index]
        try:
            status, answer = self._push(key[0], booking, step)
        except OSError as error:
            self.write(
                f"{self._label(key[0], booking)} {step.code} {step.meaning}: platform unreachable ({error})"
            )
            return
        self.write(f"{self._label(key[0], booking)} {step.code} {step.meaning} → {status}")
        if status == 200:
            self.progress[key] = index + 1
        else:
            self.write(f"  answer: {answer}")

    def _label(self, protocol: str, booking: Any) -> str:
        if protocol == "kuaidi100":
            return f"{self.names[0]} (Kuaidi100) {booking.param.get('remark') or booking.order_id}"
        return f"{self.names[1]} (SF) {booking.order_id}"

    def _push(self, protocol: str, booking: Any, step: Step) -> tuple[int, Any]:
        now = datetime.now(BEIJING)
        if protocol == "kuaidi100":
            extra: dict[str, Any] = {}
            if step.code == "1":
                extra = dict(COURIER)
            elif step.code == "10":
                weight = booking.param.get("weight") or "1"
                extra = {"weight": str(weight), "freight": _freight(weight)}
            return self.k100.push(booking, step.code, message=step.meaning, at=now, **extra)
        if step.code == "04-40001":
            fields = self.sf.state_fields(booking, step.code, step.meaning, emp=SF_COURIER, at=now)
        else:
            route = self.sf.route(booking, step.code, remark=f"顺丰速运 {step.meaning}", at=now)
            fields = self.sf.routes_fields([route])
        return self.sf.push(self.sf_events_url, fields)
