"""The carrier simulator (DESIGN §2, §7.1, §7.4): signed loopback callbacks, state-driven steps."""

import json
import threading
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from carriers.integrations import OutboundMessage, SendResult, integration_for
from carriers.integrations.manual import Manual
from carriers.integrations.standard_webhooks import StandardWebhooks
from carriers.models import CarrierCredential
from carriers.services import carrier_active_secrets, carrier_credentials_rotate
from carriers.webhooks import verify_carrier_request
from orders.clock import next_local_midnight
from orders.models import CancelReason, Claim, Order, OrderEvent, OutboxMessage, Status
from orders.services import outbox
from orders.services.cancellation import order_cancel
from orders.services.claims import claim_file
from orders.tests.factories import OrderFactory
from simulator import script as simulator
from simulator import tasks
from simulator.integration import Simulator
from simulator.script import simulated_carriers

S = Status
pytestmark = pytest.mark.django_db


class PlatformStub:
    """A loopback HTTP server standing in for the platform's events endpoint: it verifies each
    signature with the carrier's secrets, records the event and answers from ``script``."""

    def __init__(self, carrier, *script):
        self.carrier = carrier
        self.script = list(script)
        self.received: list[dict] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {name.lower(): value for name, value in self.headers.items()}
                # Verified here, in the server thread, against the secrets the test put in the DB.
                stub.received.append(
                    {"path": self.path, "headers": headers, "body": json.loads(body), "raw": body}
                )
                status, answer = stub.script.pop(0) if stub.script else (200, {"result": "applied"})
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def simulated(settings, carrier):
    """The demo carrier ``swift-express`` played by the simulator, posting to a local stub."""
    settings.CARRIER_SIMULATOR = True
    settings.SIMULATOR_STEP_SECONDS = 2
    settings.SIMULATOR_PROBLEM_RATE = 0
    return carrier


def order_for(carrier, **fields):
    fields.setdefault("pickup_code", "654321")
    return OrderFactory(carrier=carrier, contract=carrier.contracts.get(), **fields)


def due_for_pickup(carrier, **fields):
    """An order whose pickup window has just ended: the courier's moment inside it has come."""
    now = timezone.now()
    return order_for(carrier, pickup_start=now - timedelta(hours=2), pickup_end=now, **fields)


# --- the script ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "fields", "done", "expected"),
    [
        (S.PLACED, {}, set(), ("dispatching", "order.dispatching")),
        (S.DISPATCHING, {}, set(), ("accepted", "order.accepted")),
        (S.ACCEPTED, {}, set(), ("picked_up", "order.picked_up")),
        (
            S.ACCEPTED,
            {"exception_code": "unreachable"},
            set(),
            ("exception_resolved", "order.exception_resolved"),
        ),
        (S.PICKED_UP, {}, set(), ("in_transit_1", "order.in_transit")),
        (S.IN_TRANSIT, {}, set(), ("in_transit_2", "order.in_transit")),
        (S.IN_TRANSIT, {}, {"in_transit_2"}, ("out_for_delivery", "order.out_for_delivery")),
        (S.PROBLEM, {}, set(), ("out_for_delivery", "order.out_for_delivery")),
        (S.OUT_FOR_DELIVERY, {}, set(), ("signed", "order.signed")),
    ],
)
def test_the_next_step_follows_from_the_order(simulated, status, fields, done, expected):
    order = order_for(simulated, status=status, **fields)
    step = simulator.next_step(order, done)
    assert (step.name, step.type) == expected


@pytest.mark.parametrize("status", [S.SIGNED, S.REJECTED, S.CANCELLED, S.EXPIRED])
def test_terminal_orders_have_no_next_step(simulated, status):
    assert simulator.next_step(order_for(simulated, status=status), set()) is None


def test_hiccups_come_at_the_configured_rate_and_stick_to_the_order(simulated, settings, monkeypatch):
    orders = [order_for(simulated) for _ in range(40)]
    assert {simulator.hiccup(o) for o in orders} == {""}

    settings.SIMULATOR_PROBLEM_RATE = 1
    chosen = [simulator.hiccup(o) for o in orders]
    assert set(chosen) == {"pickup_exception", "problem"}
    assert chosen == [simulator.hiccup(o) for o in orders]  # the same after a restart

    settings.SIMULATOR_PROBLEM_RATE = 0.25
    share = sum(bool(simulator.hiccup(o)) for o in orders) / len(orders)
    assert 0.05 < share < 0.5


def test_the_pickup_exception_and_the_problem_steps(simulated, monkeypatch):
    order = order_for(simulated, status=S.ACCEPTED)
    monkeypatch.setattr(simulator, "hiccup", lambda o: "pickup_exception")
    step = simulator.next_step(order, set())
    assert (step.name, step.data) == (
        "pickup_exception",
        {"code": "unreachable", "note": "快递员上门时未联系上寄件人"},
    )
    assert simulator.next_step(order, {"pickup_exception"}).name == "picked_up"

    monkeypatch.setattr(simulator, "hiccup", lambda o: "problem")
    order.status = S.IN_TRANSIT
    assert simulator.next_step(order, {"in_transit_2"}).type == "order.problem"
    assert simulator.next_step(order, {"in_transit_2", "problem"}).type == "order.out_for_delivery"


# --- posting -------------------------------------------------------------------------------------


def test_each_event_is_signed_with_the_carriers_current_secret(simulated, settings):
    carrier_credentials_rotate(carrier=simulated)
    newest = carrier_credentials_rotate(carrier=simulated)
    order = order_for(simulated, status=S.ACCEPTED)
    with PlatformStub(simulated) as platform:
        settings.PLATFORM_URL = platform.url + "/"
        step = simulator.next_step(order, set())
        status, answer = simulator.post_event(order=order, step=step)

    assert (status, answer) == (200, {"result": "applied"})
    [request] = platform.received
    assert request["path"] == "/api/v1/carriers/swift-express/events/"
    assert request["headers"]["webhook-id"] == f"sim_{order.number}_picked_up"
    assert request["headers"]["content-type"] == "application/json"
    verify_carrier_request(carrier=simulated, headers=request["headers"], body=request["raw"])
    from standardwebhooks.webhooks import Webhook

    Webhook(newest).verify(request["raw"], request["headers"])
    body = request["body"]
    assert body["order"] == order.number and body["type"] == "order.picked_up"
    assert body["occurred_at"].endswith("+08:00")
    picked_up_at = datetime.fromisoformat(body["occurred_at"])
    assert order.pickup_start < picked_up_at < order.pickup_end
    assert body["data"] == {
        "waybill_no": f"SIM{order.number[-10:]}",
        "weight_kg": "1.50",
        "fee": {"amount": "23.00", "currency": "CNY"},
        "pickup_code": "654321",  # the right one: the simulator reads it from the database
    }


def test_a_demo_carrier_without_a_secret_is_issued_one(simulated, settings):
    assert not CarrierCredential.objects.filter(carrier=simulated).exists()
    order = order_for(simulated)
    with PlatformStub(simulated) as platform:
        settings.PLATFORM_URL = platform.url
        simulator.post_event(order=order, step=simulator.next_step(order, set()))
    [secret] = carrier_active_secrets(simulated)
    verify_carrier_request(
        carrier=simulated, headers=platform.received[0]["headers"], body=platform.received[0]["raw"]
    )
    assert secret.startswith("whsec_")


@pytest.mark.parametrize(
    "url", ["http://carrier.example.com", "http://10.0.0.8:8000", "file:///tmp/x", "ftp://127.0.0.1/"]
)
def test_the_simulator_only_posts_to_this_machine(simulated, settings, url):
    settings.PLATFORM_URL = url
    with pytest.raises(simulator.SimulatorError, match="loopback"):
        simulator.events_url(simulated)


@pytest.mark.parametrize(
    ("url", "posted_to"),
    [
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("http://localhost:8000/", "http://localhost:8000"),
        ("http://[::1]:8000", "http://[::1]:8000"),
        ("http://0.0.0.0:8000", "http://127.0.0.1:8000"),  # make run HOST=0.0.0.0
    ],
)
def test_loopback_platform_urls(simulated, settings, url, posted_to):
    settings.PLATFORM_URL = url
    assert simulator.events_url(simulated) == posted_to + "/api/v1/carriers/swift-express/events/"


# --- steps ---------------------------------------------------------------------------------------


def test_a_step_posts_and_schedules_the_next_for_the_new_state(simulated, settings):
    order = order_for(simulated, status=S.PLACED)
    with PlatformStub(simulated) as platform:
        settings.PLATFORM_URL = platform.url
        # The stub does not change the order; the platform would. Do what it would.
        after = simulator.run_step(order_id=order.pk)
    assert [r["body"]["type"] for r in platform.received] == ["order.dispatching"]
    assert after == simulator.Next(
        expect=f"placed:{OrderEvent.objects.filter(order=order).count()}",
        done=("dispatching",),
        failures=0,
        countdown=2.0,
        steps=1,
    )


def test_a_step_scheduled_for_another_state_does_nothing(simulated, settings):
    order = order_for(simulated, status=S.PLACED)
    with PlatformStub(simulated) as platform:
        settings.PLATFORM_URL = platform.url
        assert simulator.run_step(order_id=order.pk, expect="dispatching:1") is None
    assert platform.received == []


def test_a_409_ends_the_script(simulated, settings):
    order = due_for_pickup(simulated, status=S.ACCEPTED)
    with PlatformStub(simulated, (409, {"error": "illegal_transition"})) as platform:
        settings.PLATFORM_URL = platform.url
        assert simulator.run_step(order_id=order.pk) is None
    assert len(platform.received) == 1


def test_a_server_error_retries_the_same_step_later_then_gives_up(simulated, settings):
    order = due_for_pickup(simulated, status=S.ACCEPTED)
    state = simulator.fingerprint(order)
    with PlatformStub(simulated, (500, {}), (502, {}), (503, {})) as platform:
        settings.PLATFORM_URL = platform.url
        first = simulator.run_step(order_id=order.pk)
        second = simulator.run_step(order_id=order.pk, expect=first.expect, failures=first.failures)
        last = simulator.run_step(order_id=order.pk, expect=state, failures=simulator.MAX_FAILURES - 1)

    assert (first.expect, first.failures, first.countdown) == (state, 1, 4.0)
    assert (second.expect, second.failures, second.countdown) == (state, 2, 8.0)
    assert last is None
    ids = {r["headers"]["webhook-id"] for r in platform.received}
    assert ids == {f"sim_{order.number}_picked_up"}  # the same event each time: a retry is a duplicate


def test_an_unreachable_platform_is_retried(simulated, settings):
    order = order_for(simulated)
    with PlatformStub(simulated) as platform:
        url = platform.url
    settings.PLATFORM_URL = url  # nothing listens there any more
    after = simulator.run_step(order_id=order.pk)
    assert (after.failures, after.done) == (1, ())


def test_orders_of_carriers_not_simulated_are_left_alone(carrier, settings):
    settings.CARRIER_SIMULATOR = False
    order = order_for(carrier)
    assert simulator.run_step(order_id=order.pk) is None


def test_the_integration_starts_the_script_on_order_created_only(simulated, monkeypatch):
    order = order_for(simulated)
    started = []
    monkeypatch.setattr(tasks, "schedule_step", lambda *, order_id, after=None: started.append(order_id))
    integration = Simulator()

    integration.send(
        OutboundMessage(id="m1", type="order.cancelled", payload={"order": order.number}, carrier=simulated)
    )
    assert started == []
    integration.send(
        OutboundMessage(id="m2", type="order.created", payload={"order": order.number}, carrier=simulated)
    )
    assert started == [order.pk]


def test_the_integration_retries_the_message_when_the_broker_is_down(simulated, monkeypatch):
    order = order_for(simulated)

    def broker_down(**kwargs):
        raise OSError("Connection refused")

    monkeypatch.setattr(tasks, "schedule_step", broker_down)
    sent = Simulator().send(
        OutboundMessage(id="m", type="order.created", payload={"order": order.number}, carrier=simulated)
    )
    assert sent == SendResult.retry("simulator: could not schedule the first step (OSError)")
    assert "could not schedule" in sent.reason


def test_kick_restarts_only_quiet_orders_the_carrier_was_told_about(simulated, monkeypatch):
    started = []
    monkeypatch.setattr(tasks, "schedule_step", lambda *, order_id, after=None: started.append(order_id))
    quiet = due_for_pickup(simulated, status=S.ACCEPTED)
    busy = due_for_pickup(simulated, status=S.ACCEPTED)
    waiting = order_for(simulated, status=S.ACCEPTED)  # its window is tomorrow: nothing is lost
    untold = order_for(simulated, status=S.PLACED)
    done = order_for(simulated, status=S.SIGNED)
    with transaction.atomic():
        for order in (quiet, busy, waiting, done):
            outbox.outbox_message_add(
                order_id=order.pk, carrier_id=simulated.pk, event_type="order.created", payload={}
            )
    OutboxMessage.objects.update(status="sent")
    Order.objects.filter(pk__in=[quiet.pk, waiting.pk, untold.pk, done.pk]).update(
        updated_at=timezone.now() - timedelta(minutes=5)
    )

    assert tasks.scripts_restart() == 1
    assert started == [quiet.pk]
    call_command("simulate_carriers")
    assert started == [quiet.pk, quiet.pk]


# --- against the real events endpoint (part A of issue 3) ----------------------------------------


@pytest.fixture
def live_simulator(simulated, settings, live_server):
    settings.PLATFORM_URL = live_server.url
    return simulated


def _book(customer):
    from orders.services import booking
    from orders.tests.test_outbox import make_shipment

    start = next_local_midnight(timezone.now()) + timedelta(hours=10)  # tomorrow 10:00
    return booking.order_place(
        user=customer,
        shipment=make_shipment(pickup_start=start, pickup_end=start + timedelta(hours=2)),
        carrier_code="swift-express",
        contract_version="v1",
    )


def collect_in_the_window(order):
    with time_machine.travel(order.pickup_end, tick=True):
        Order.objects.filter(pk=order.pk).update(updated_at=timezone.now() - timedelta(minutes=5))
        assert tasks.scripts_restart() == 1
    picked_up = OrderEvent.objects.get(order=order, new_status=S.PICKED_UP)
    assert order.pickup_start <= picked_up.occurred_at <= order.pickup_end
    assert picked_up.occurred_at == simulator.pickup_time(order)


def timeline(order) -> list[tuple[str, str, str]]:
    return list(
        OrderEvent.objects.filter(order=order)
        .order_by("occurred_at", "id")
        .values_list("kind", "new_status", "source_event_id")
    )


@pytest.mark.django_db(transaction=True)
def test_a_booked_order_is_worked_to_signed_through_the_real_endpoint(live_simulator, customer):
    # Eager Celery: booking's commit delivers order.created, whose adapter runs every step in turn
    # up to the courier's acceptance; the courier comes inside the window, and the kick resumes it.
    order = _book(customer)
    order.refresh_from_db()
    assert order.status == S.ACCEPTED
    collect_in_the_window(order)

    order.refresh_from_db()
    assert order.status == S.SIGNED
    assert (order.courier_name != "", order.waybill_no) == (True, f"SIM{order.number[-10:]}")
    assert order.fee_amount == order.estimate_amount
    sim = f"sim_{order.number}_"
    # (status after the event, the simulator step that caused it; the booking has none)
    assert [(status, source.removeprefix(sim)) for _kind, status, source in timeline(order)] == [
        (S.PLACED, ""),
        (S.DISPATCHING, "dispatching"),
        (S.ACCEPTED, "accepted"),
        (S.PICKED_UP, "picked_up"),
        (S.IN_TRANSIT, "in_transit_1"),
        (S.IN_TRANSIT, "in_transit_2"),  # a second scan: a timeline entry without a status change
        (S.OUT_FOR_DELIVERY, "out_for_delivery"),
        (S.SIGNED, "signed"),
    ]
    assert OutboxMessage.objects.get(order=order).status == "sent"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("complication", ["pickup_exception", "problem"])
def test_a_complicated_order_still_reaches_signed(live_simulator, customer, monkeypatch, complication):
    monkeypatch.setattr(simulator, "hiccup", lambda order: complication)
    order = _book(customer)
    collect_in_the_window(order)

    order.refresh_from_db()
    assert (order.status, order.exception_code) == (S.SIGNED, "")
    steps = [source.removeprefix(f"sim_{order.number}_") for _k, _s, source in timeline(order)]
    if complication == "pickup_exception":
        assert steps[3:6] == ["pickup_exception", "exception_resolved", "picked_up"]
    else:
        assert steps[6:8] == ["problem", "out_for_delivery"]
    assert steps[-1] == "signed"


def test_an_accepted_order_waits_for_its_pickup_window(simulated, settings):
    order = order_for(simulated, status=S.ACCEPTED)  # window tomorrow 10:00–12:00
    with PlatformStub(simulated) as platform:
        settings.PLATFORM_URL = platform.url
        assert simulator.run_step(order_id=order.pk) is None
        assert platform.received == []
        with time_machine.travel(simulator.pickup_time(order) - timedelta(seconds=1), tick=False):
            assert simulator.run_step(order_id=order.pk) is None
        assert platform.received == []
        with time_machine.travel(simulator.pickup_time(order), tick=False):
            assert simulator.run_step(order_id=order.pk) is not None
    [request] = platform.received
    assert request["body"]["type"] == "order.picked_up"
    assert datetime.fromisoformat(request["body"]["occurred_at"]) == simulator.pickup_time(order)


def test_the_pickup_time_lies_inside_the_window_and_sticks_to_the_order(simulated):
    for _ in range(30):
        order = order_for(simulated)
        at = simulator.pickup_time(order)
        assert order.pickup_start + timedelta(minutes=12) <= at <= order.pickup_end - timedelta(minutes=48)
        assert simulator.pickup_time(Order.objects.get(pk=order.pk)) == at


@pytest.mark.django_db(transaction=True)
def test_a_cancel_by_the_user_ends_the_script(live_simulator, customer, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # steps are run by hand here
    carrier_credentials_rotate(carrier=live_simulator)
    order = order_for(live_simulator, user=customer)
    first = simulator.run_step(order_id=order.pk)  # → dispatching
    second = simulator.run_step(order_id=order.pk, expect=first.expect, done=first.done)  # → accepted
    order.refresh_from_db()
    assert order.status == S.ACCEPTED
    assert second is not None

    order_cancel(order=order, actor_user=customer, reason=CancelReason.CHANGED_MIND)
    assert simulator.run_step(order_id=order.pk) is None  # sees the terminal status: posts nothing

    # Cancelled between the simulator's read and its post: the endpoint's 409 ends the script.
    other = due_for_pickup(live_simulator, user=customer, status=S.ACCEPTED)
    step = replace(simulator.next_step(other, set()), occurred_at=None)  # posted when it happens
    order_cancel(order=other, actor_user=customer, reason=CancelReason.CHANGED_MIND)
    status, answer = simulator.post_event(order=other, step=step)
    assert status == 409


@pytest.mark.django_db(transaction=True)
def test_a_step_run_twice_is_a_duplicate(live_simulator, customer, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    carrier_credentials_rotate(carrier=live_simulator)
    order = order_for(live_simulator, user=customer, status=S.PICKED_UP)
    step = simulator.next_step(order, set())
    assert simulator.post_event(order=order, step=step) == (200, {"result": "applied"})
    assert simulator.post_event(order=order, step=step) == (200, {"result": "duplicate"})
    assert OrderEvent.objects.filter(order=order).count() == 1


def test_the_task_schedules_itself(simulated, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    order = order_for(simulated)
    queued = []
    monkeypatch.setattr(
        tasks.simulator_step, "apply_async", lambda kwargs, countdown: queued.append((kwargs, countdown))
    )
    monkeypatch.setattr(
        simulator,
        "run_step",
        lambda **kw: simulator.Next(
            expect="dispatching:2", done=("dispatching",), failures=0, countdown=2.0, steps=1
        ),
    )
    tasks.simulator_step(order.pk)
    assert queued == [
        (
            {
                "order_id": order.pk,
                "expect": "dispatching:2",
                "done": ["dispatching"],
                "failures": 0,
                "steps": 1,
            },
            2.0,
        )
    ]


def test_demo_carriers_are_simulated_only_while_the_simulator_is_on(carrier, settings):
    settings.CARRIER_SIMULATOR = False
    assert isinstance(integration_for(carrier), Manual)
    assert not simulated_carriers().exists()

    settings.CARRIER_SIMULATOR = True
    assert isinstance(integration_for(carrier), Simulator)
    assert set(simulated_carriers().values_list("code", flat=True)) == {
        "swift-express",
        "econ-post",
        "heavy-freight",
        "hk-bag",
    }
    # A demo carrier an admin switched to real HTTP stays on HTTP.
    carrier.integration = "standard_webhooks"
    carrier.save(update_fields=["integration"])
    assert isinstance(integration_for(carrier), StandardWebhooks)
    assert not simulated_carriers().filter(pk=carrier.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_claim_on_a_simulated_order_is_decided_through_the_real_endpoint(live_simulator, customer):
    # Eager Celery: the claim's commit delivers claim.created to the simulator, which posts its
    # signed claim.decided to the live server.
    order = _book(customer)
    collect_in_the_window(order)
    order.refresh_from_db()
    assert order.status == S.SIGNED

    claim = claim_file(
        order=order, user=customer, kind="lost", amount=Decimal("9999.00"), description="包裹内件丢失"
    )

    claim.refresh_from_db()
    # Approved at the most the carrier may pay: the declared value, below the amount and the cap.
    assert (claim.status, claim.compensation, claim.return_freight) == (
        "approved",
        order.declared_value,
        Decimal("0.00"),
    )
    assert OrderEvent.objects.get(order=order, kind="claim.decided").source_event_id == (
        f"sim_{order.number}_claim_{claim.pk}"
    )
    assert list(Claim.objects.filter(order=order).values_list("decided_by", flat=True)) == ["carrier"]


def test_a_decided_claim_is_not_posted_again(simulated, monkeypatch):
    posted = []
    monkeypatch.setattr(simulator, "post_event", lambda **kw: posted.append(kw) or (200, {}))
    order = order_for(simulated, status=S.SIGNED)
    claim = Claim.objects.create(
        order=order,
        kind="lost",
        amount=Decimal("10"),
        currency="CNY",
        description="x",
        created_at=timezone.now(),
        documents_due_at=timezone.now(),
        status="rejected",
    )

    assert simulator.run_claim_decision(order_id=order.pk, claim_id=claim.pk) is None
    assert posted == []
