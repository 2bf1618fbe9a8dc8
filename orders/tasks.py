"""Celery tasks of orders: thin, by id, safe to run twice (STYLE "Background work").

The beat schedule that runs the periodic ones is ``CELERY_BEAT_SCHEDULE`` in the settings; each has
a management command doing the same job by hand.
"""

from __future__ import annotations

from celery import shared_task

from orders import simulator
from orders.services import expiry


@shared_task(ignore_result=True)
def expire_orders() -> int:
    """Periodic (00:00 Asia/Shanghai): expire every order past its deadline (``expire_orders``)."""
    return expiry.orders_expire_due()


@shared_task(ignore_result=True)
def simulator_step(
    order_id: int, expect: str | None = None, done: list[str] | None = None, failures: int = 0, steps: int = 0
) -> None:
    """One step of a simulated carrier's script for one order; schedules the next."""
    after = simulator.run_step(
        order_id=order_id, expect=expect, done=tuple(done or ()), failures=failures, steps=steps
    )
    if after is not None:
        simulator.schedule_step(order_id=order_id, after=after)


@shared_task(ignore_result=True)
def simulator_kick() -> int:
    """Periodic (every minute): restart simulated orders whose script was lost (``simulate_carriers``)."""
    return simulator.simulator_kick()
