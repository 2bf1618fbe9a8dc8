"""Celery tasks of the carrier simulator: thin, by carrier code and order number, safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task

from simulator import script

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def simulator_step(
    carrier_code: str,
    number: str,
    created: dict | None = None,
    expect: str | None = None,
    done: list[str] | None = None,
    failures: int = 0,
    steps: int = 0,
) -> None:
    """One step of a simulated carrier's script for one order; schedules the next."""
    after = script.run_step(
        carrier_code=carrier_code,
        number=number,
        created=created,
        expect=expect,
        done=tuple(done or ()),
        failures=failures,
        steps=steps,
    )
    if after is not None:
        schedule_step(carrier_code=carrier_code, number=number, after=after)


@shared_task(ignore_result=True)
def simulator_claim_decide(carrier_code: str, claim: dict, failures: int = 0) -> None:
    """The simulated carrier decides a claim it received (``claim.created``); safe to run twice."""
    again = script.run_claim_decision(carrier_code=carrier_code, claim=claim, failures=failures)
    if again is not None:
        simulator_claim_decide.apply_async(
            kwargs={"carrier_code": carrier_code, "claim": claim, "failures": failures + 1}, countdown=again
        )


@shared_task(ignore_result=True)
def simulator_kick() -> int:
    """Periodic (every minute): restart simulated orders whose script was lost (``simulate_carriers``)."""
    return scripts_restart()


def schedule_step(
    *, carrier_code: str, number: str = "", created: dict | None = None, after: script.Next | None = None
) -> None:
    """Queue the order's next step (``after`` a step), or its first one (from the ``order.created``
    message ``created``, or by pulling the order); raises if the broker does."""
    if after is None:
        number = number or created["order"]
        simulator_step.apply_async(
            kwargs={"carrier_code": carrier_code, "number": number, "created": created},
            countdown=script.step_seconds(),
        )
        return
    simulator_step.apply_async(
        kwargs={
            "carrier_code": carrier_code,
            "number": number,
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
    for carrier_code, number in script.lost_scripts(now=now, limit=limit):
        try:
            schedule_step(carrier_code=carrier_code, number=number)
        except Exception:  # noqa: BLE001  (broker down: the next kick tries again)
            logger.warning("simulator: could not restart order %s", number, exc_info=True)
        else:
            kicked += 1
    return kicked
