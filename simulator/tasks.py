"""Celery tasks of the carrier simulator: thin, by id, safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task

from simulator import script

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def simulator_step(
    order_id: int, expect: str | None = None, done: list[str] | None = None, failures: int = 0, steps: int = 0
) -> None:
    """One step of a simulated carrier's script for one order; schedules the next."""
    after = script.run_step(
        order_id=order_id, expect=expect, done=tuple(done or ()), failures=failures, steps=steps
    )
    if after is not None:
        schedule_step(order_id=order_id, after=after)


@shared_task(ignore_result=True)
def simulator_claim_decide(order_id: int, claim_id: int, failures: int = 0) -> None:
    """The simulated carrier decides a claim it received (``claim.created``); safe to run twice."""
    again = script.run_claim_decision(order_id=order_id, claim_id=claim_id, failures=failures)
    if again is not None:
        simulator_claim_decide.apply_async(
            kwargs={"order_id": order_id, "claim_id": claim_id, "failures": failures + 1}, countdown=again
        )


@shared_task(ignore_result=True)
def simulator_kick() -> int:
    """Periodic (every minute): restart simulated orders whose script was lost (``simulate_carriers``)."""
    return scripts_restart()


def schedule_step(*, order_id: int, after: script.Next | None = None) -> None:
    """Queue the order's next step (``after`` a step) or its first one; raises if the broker does."""
    if after is None:
        simulator_step.apply_async(kwargs={"order_id": order_id}, countdown=script.step_seconds())
        return
    simulator_step.apply_async(
        kwargs={
            "order_id": order_id,
            "expect": after.expect,
            "done": list(after.done),
            "failures": after.failures,
            "steps": after.steps,
        },
        countdown=after.countdown,
    )


def scripts_restart(*, now=None, limit: int = 200) -> int:
    """Restart the scripts that were lost (``script.lost_scripts``); returns how many restarted."""
    kicked = 0
    for order_id in script.lost_scripts(now=now, limit=limit):
        try:
            schedule_step(order_id=order_id)
        except Exception:  # noqa: BLE001  (broker down: the next kick tries again)
            logger.warning("simulator: could not restart order %s", order_id, exc_info=True)
        else:
            kicked += 1
    return kicked
