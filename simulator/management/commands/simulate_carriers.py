"""The carrier simulator's periodic restart (``simulator_kick``), or one order's next step, by hand."""

from django.core.management.base import BaseCommand, CommandError

from simulator import script, tasks


class Command(BaseCommand):
    help = (
        "Restart the scripts of simulated orders that stopped moving (as beat does every minute), "
        "or with --order post that order's next simulated carrier event now (with --pickup-code: "
        "the code the sender tells the courier at the door)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--order", metavar="NUMBER", help="run one step for this order, in this process")
        parser.add_argument("--pickup-code", default="", help="the pickup code the sender tells the courier")

    def handle(self, *args, order=None, pickup_code="", **options):
        if order is None:
            if pickup_code:
                raise CommandError("--pickup-code goes with --order")
            self.stdout.write(f"Restarted {tasks.scripts_restart()} simulated order(s).")
            return
        for carrier in script.simulated_carriers():
            card = script.pull_one(carrier=carrier, number=order)
            if card is not None:
                break
        else:
            raise CommandError(f"no order {order} of a simulated carrier")
        # The next steps follow from beat's simulator_kick, as for any quiet order.
        after = script.run_step(carrier_code=carrier.code, number=order, pickup_code=pickup_code)
        now = script.pull_one(carrier=carrier, number=order)
        self.stdout.write(
            f"{order}: {now.status if now else card.status}" + ("" if after else " (script over)")
        )
