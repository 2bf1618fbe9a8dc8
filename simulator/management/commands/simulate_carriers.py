"""The carrier simulator's periodic restart (``simulator_kick``), or one order's next step, by hand."""

from django.core.management.base import BaseCommand, CommandError

from orders.models import Order
from simulator import script, tasks


class Command(BaseCommand):
    help = (
        "Restart the scripts of simulated orders that stopped moving (as beat does every minute), "
        "or with --order post that order's next simulated carrier event now."
    )

    def add_arguments(self, parser):
        parser.add_argument("--order", metavar="NUMBER", help="run one step for this order, in this process")

    def handle(self, *args, order=None, **options):
        if order is None:
            self.stdout.write(f"Restarted {tasks.scripts_restart()} simulated order(s).")
            return
        found = Order.objects.filter(number=order).values_list("pk", flat=True).first()
        if found is None:
            raise CommandError(f"no order {order}")
        after = script.run_step(order_id=found)
        state = Order.objects.filter(pk=found).values_list("status", flat=True).get()
        self.stdout.write(f"{order}: {state}" + ("" if after else " (script over)"))
