"""Run the fake Kuaidi100 and fake SF on loopback and play their carriers (development only).

    python manage.py run_fake_carriers --kuaidi100 econ-post --sf heavy-freight

Points the two carriers at the fakes (``manage.py carrier_integration``, so the platform books them
in Kuaidi100's and SF's own protocols), then, every ``--step-seconds``, moves each booking the fakes
took one step on — accepted, picked up, in transit, signed — by pushing the carrier's own callbacks
to ``PLATFORM_URL``. Ctrl-C stops. Needs ``make run`` (web and worker) running beside it.
"""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from simulator.fakes.kuaidi100 import FakeKuaidi100
from simulator.fakes.sf import FakeSF

BEIJING = ZoneInfo("Asia/Shanghai")
K100_STEPS = [
    ("0", {"message": "下单成功"}),
    ("1", {"message": "已接单", "courierName": "王师傅", "courierMobile": "13700137000"}),
    ("10", {"message": "已取件", "weight": "1.6", "freight": "23.00"}),
    ("101", {"message": "深圳转运中心已发出"}),
    ("13", {"message": "已签收"}),
]
SF_STEPS = ["state", "50", "30", "44", "80"]


class Command(BaseCommand):
    help = "Run fake Kuaidi100 and SF servers and push their callbacks (development only)."

    def add_arguments(self, parser):
        parser.add_argument("--kuaidi100", default="econ-post", help="carrier code to book through Kuaidi100")
        parser.add_argument("--sf", default="heavy-freight", help="carrier code to book through SF")
        parser.add_argument("--kuaidi100-port", type=int, default=8701)
        parser.add_argument("--sf-port", type=int, default=8702)
        parser.add_argument("--step-seconds", type=float, default=settings.SIMULATOR_STEP_SECONDS)

    def handle(self, *args, **options):
        k100 = FakeKuaidi100(
            key="dev-key", secret="dev-secret", salt="dev-salt", port=options["kuaidi100_port"]
        )
        sf = FakeSF(partner_id="DEVPARTNER", check_word="dev-check-word", port=options["sf_port"])
        k100.start()
        sf.start()
        k100_code, sf_code = options["kuaidi100"], options["sf"]
        quiet = {"stdout": self.stdout}
        call_command(
            "carrier_integration", k100_code, "--integration", "kuaidi100",
            "--set", "key=dev-key", "--set", "secret=dev-secret", "--set", "salt=dev-salt",
            "--set", "kuaidicom=shunfeng", "--set", f"base_url={k100.url}", **quiet,
        )  # fmt: skip
        call_command(
            "carrier_integration", sf_code, "--integration", "sf",
            "--set", "partner_id=DEVPARTNER", "--set", "check_word=dev-check-word",
            "--set", f"base_url={sf.url}/std/service", "--set", "express_type_id=1", **quiet,
        )  # fmt: skip
        sf_url = f"{settings.PLATFORM_URL.rstrip('/')}/api/v1/carriers/{sf_code}/events/"
        self.stdout.write(
            f"fake Kuaidi100 {k100.url} ({k100_code}) · fake SF {sf.url} ({sf_code}) · Ctrl-C stops"
        )
        progress: dict[str, int] = {}
        try:
            while True:
                time.sleep(options["step_seconds"])
                for booking in list(k100.bookings.values()):
                    step = progress.get(booking.order_id, 0)
                    if step < len(K100_STEPS) and not booking.cancelled:
                        status, fields = K100_STEPS[step]
                        answer = k100.push(booking, status, at=datetime.now(BEIJING), **fields)
                        self.stdout.write(f"kuaidi100 {booking.param.get('remark')} {status} → {answer}")
                        progress[booking.order_id] = step + 1
                for order in list(sf.orders.values()):
                    step = progress.get(order.order_id, 0)
                    if step < len(SF_STEPS) and not order.cancelled:
                        op = SF_STEPS[step]
                        if op == "state":
                            fields = sf.state_fields(
                                order, "04-40001", "已派单", emp=("0123456", "13700137000")
                            )
                        else:
                            fields = sf.routes_fields([sf.route(order, op, remark=f"opCode {op}")])
                        self.stdout.write(f"sf {order.order_id} {op} → {sf.push(sf_url, fields)}")
                        progress[order.order_id] = step + 1
        except KeyboardInterrupt:
            pass
        finally:
            k100.stop()
            sf.stop()
