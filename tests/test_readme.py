"""The README's worked example of signing a callback really works against the platform."""

import contextlib
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from carriers.services.credentials import carrier_credentials_rotate
from orders.models import Status
from orders.tests.factories import OrderFactory

README = Path(__file__).resolve().parent.parent / "README.md"


def _signing_example(marker: str = "/events/") -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    [example] = [b for b in blocks if "hmac.new" in b and marker in b]
    return example


@pytest.mark.django_db(transaction=True)
def test_readme_signing_example_applies_an_event(live_server, demo_carriers):
    carrier = demo_carriers["swift-express"]
    secret = carrier_credentials_rotate(carrier=carrier)
    # Booked a minute ago: the example reports the acceptance "now", to the second.
    order = OrderFactory(
        carrier=carrier,
        contract=carrier.contracts.first(),
        status=Status.PLACED,
        status_changed_at=timezone.now() - timedelta(minutes=1),
    )

    code = (
        _signing_example()
        .replace('"whsec_…"', repr(secret))
        .replace("CP261122ABCDEFGHJK", order.number)
        .replace("http://127.0.0.1:8000", live_server.url)
    )
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})  # noqa: S102 (our own README)

    assert out.getvalue().strip() == 'b\'{"result":"applied"}\''
    order.refresh_from_db()
    assert order.status == Status.ACCEPTED
    assert (order.courier_name, order.courier_employee_id) == ("王师傅", "SF-0042")


@pytest.mark.django_db(transaction=True)
def test_readme_pull_example_lists_the_placed_orders(live_server, demo_carriers):
    carrier = demo_carriers["swift-express"]
    secret = carrier_credentials_rotate(carrier=carrier)
    order = OrderFactory(carrier=carrier, contract=carrier.contracts.first(), status=Status.PLACED)
    OrderFactory(carrier=carrier, contract=carrier.contracts.first(), status=Status.CANCELLED)

    code = (
        _signing_example("/orders/?status=placed")
        .replace('"whsec_…"', repr(secret))
        .replace("http://127.0.0.1:8000", live_server.url)
    )
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})  # noqa: S102 (our own README)

    assert out.getvalue().strip() == repr([order.number])
