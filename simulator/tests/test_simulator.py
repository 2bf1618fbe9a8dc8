"""The carrier simulator (DESIGN §2, §7.1, §7.4): a carrier from the outside, state-driven steps.

It knows orders only from ``order.created`` and the signed pull API and moves them by signed
callbacks; the steps are checked against a loopback stub (signing, retries) and against the real
endpoints of a live server (everything else).
"""

import io
import json
import threading
from datetime import datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from carriers.integrations import OutboundMessage, SendResult, integration_for
from carriers.integrations.manual import Manual
from carriers.integrations.standard_webhooks import StandardWebhooks
from carriers.models import CarrierCredential
from carriers.services import carrier_active_secrets, carrier_credentials_rotate
from carriers.webhooks import verify_carrier_request
from orders.api.carrier_serializers import CarrierOrderSerializer
from orders.clock import next_local_midnight
from orders.models import CancelReason, Claim, Order, OrderEvent, OutboxMessage, Status
from orders.services.cancellation import order_cancel
from orders.services.claims import claim_file
from orders.services.outbox import order_created_payload
from orders.tests.factories import OrderFactory
from simulator import script as simulator
from simulator import tasks
from simulator.integration import Simulator
from simulator.script import Card, simulated_carriers

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
    """The demo carrier ``swift-express`` (it requires the pickup code) played by the simulator."""
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


def card(order) -> Card:
    """The order as its carrier pulls it."""
    return Card.from_pull(CarrierOrderSerializer(order).data)


def sim_carrier(carrier) -> simulator.SimulatedCarrier:
    return simulator.simulated_carrier(carrier.code)


# --- what the carrier knows ----------------------------------------------------------------------


def test_the_order_created_message_and_a_pull_tell_the_carrier_the_same(simulated):
    order = order_for(simulated, status=S.PLACED)

    told = Card.from_created(order_created_payload(order))
    pulled = card(order)

    assert told == Card(
        number=order.number,
        status="placed",
        pickup_start=order.pickup_start,
        pickup_end=order.pickup_end,
        weight_kg="1.50",
        estimate={"amount": "23.00", "currency": "CNY"},
        sender_city=order.sender_city,
        recipient_city=order.recipient_city,
    )
    assert told == Card(**{**pulled.__dict__, "updated_at": ""})
    assert pulled.updated_at != ""


# --- the script ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "fields", "done", "expected"),
    [
        (S.PLACED, {}, set(), ("dispatching", "order.dispatching")),
        (S.DISPATCHING, {}, set(), ("accepted", "order.accepted")),
        (S.ACCEPTED, {}, set(), ("picked_up", "order.picked_up")),
        (
            S.ACCEPTED,
            {"exception_code": "unreachable", "exception_note": "无人接听"},
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
    step = simulator.next_step(card(order_for(simulated, status=status, **fields)), done)
    assert (step.name, step.type) == expected


@pytest.mark.parametrize("status", [S.SIGNED, S.REJECTED, S.CANCELLED, S.EXPIRED])
def test_terminal_orders_have_no_next_step(simulated, status):
    assert simulator.next_step(card(order_for(simulated, status=status)), set()) is None


def test_hiccups_come_at_the_configured_rate_and_stick_to_the_order(simulated, settings):
    numbers = [f"CP2611220000{i:04d}" for i in range(40)]
    assert {simulator.hiccup(n) for n in numbers} == {""}

    settings.SIMULATOR_PROBLEM_RATE = 1
    chosen = [simulator.hiccup(n) for n in numbers]
    assert set(chosen) == {"pickup_exception", "problem"}
    assert chosen == [simulator.hiccup(n) for n in numbers]  # the same after a restart

    settings.SIMULATOR_PROBLEM_RATE = 0.25
    share = sum(bool(simulator.hiccup(n)) for n in numbers) / len(numbers)
    assert 0.05 < share < 0.5


def test_the_pickup_exception_and_the_problem_steps(simulated, monkeypatch):
    accepted = card(order_for(simulated, status=S.ACCEPTED))
    monkeypatch.setattr(simulator, "hiccup", lambda number: "pickup_exception")
    step = simulator.next_step(accepted, set())
    assert (step.name, step.data) == (
        "pickup_exception",
        {"code": "unreachable", "note": "快递员上门时未联系上寄件人"},
    )
    assert simulator.next_step(accepted, {"pickup_exception"}).name == "picked_up"

    monkeypatch.setattr(simulator, "hiccup", lambda number: "problem")
    in_transit = card(order_for(simulated, status=S.IN_TRANSIT))
    assert simulator.next_step(in_transit, {"in_transit_2"}).type == "order.problem"
    assert simulator.next_step(in_transit, {"in_transit_2", "problem"}).type == "order.out_for_delivery"


def test_the_pickup_is_reported_with_the_code_only_when_the_sender_told_it(simulated):
    accepted = card(order_for(simulated, status=S.ACCEPTED))
    without = simulator.next_step(accepted, set())
    told = simulator.next_step(accepted, set(), pickup_code="654321")

    expected = {"waybill_no": f"SIM{accepted.number[-10:]}", "weight_kg": "1.50"}
    expected["fee"] = {"amount": "23.00", "currency": "CNY"}
    assert without.data == expected
    assert told.data == {**expected, "pickup_code": "654321"}
    assert simulator.waits_for_pickup_code(sim_carrier(simulated), accepted, without, "") is True
    assert simulator.waits_for_pickup_code(sim_carrier(simulated), accepted, told, "654321") is False


# --- posting -------------------------------------------------------------------------------------


def test_each_event_is_signed_with_the_carriers_current_secret(simulated, settings):
    carrier_credentials_rotate(carrier=simulated)
    newest = carrier_credentials_rotate(carrier=simulated)
    accepted = card(order_for(simulated, status=S.ACCEPTED))
    with PlatformStub(simulated) as platform:
        settings.PLATFORM_URL = platform.url + "/"
        step = simulator.next_step(accepted, set(), pickup_code="654321")
        status, answer = simulator.post_event(
            carrier=sim_carrier(simulated), number=accepted.number, step=step
        )

    assert (status, answer) == (200, {"result": "applied"})
    [request] = platform.received
    assert request["path"] == "/api/v1/carriers/swift-express/events/"
    assert request["headers"]["webhook-id"] == f"sim_{accepted.number}_picked_up"
    assert request["headers"]["content-type"] == "application/json"
    verify_carrier_request(carrier=simulated, headers=request["headers"], body=request["raw"])
    from standardwebhooks.webhooks import Webhook

    Webhook(newest).verify(request["raw"], request["headers"])
    body = request["body"]
    assert body["order"] == accepted.number and body["type"] == "order.picked_up"
    assert body["occurred_at"].endswith("+08:00")
    picked_up_at = datetime.fromisoformat(body["occurred_at"])
    assert accepted.pickup_start < picked_up_at < accepted.pickup_end
    assert body["data"] == {
        "waybill_no": f"SIM{accepted.number[-10:]}",
        "weight_kg": "1.50",
        "fee": {"amount": "23.00", "currency": "CNY"},
        "pickup_code": "654321",
    }


def test_a_demo_carrier_without_a_secret_is_issued_one(simulated, settings):
    assert not CarrierCredential.objects.filter(carrier=simulated).exists()
    placed = card(order_for(simulated))
    with PlatformStub(simulated) as platform:
        settings.PLATFORM_URL = platform.url
        simulator.post_event(
            carrier=sim_carrier(simulated), number=placed.number, step=simulator.next_step(placed, set())
        )
    [secret] = carrier_active_secrets(simulated)
    verify_carrier_request(
        carrier=simulated, headers=platform.received[0]["headers"], body=platform.received[0]["raw"]
    )
    assert secret.startswith("whsec_")


@pytest.mark.parametrize(
    "url", ["http://carrier.example.com", "http://10.0.0.8:8000", "file:///tmp/x", "ftp://127.0.0.1/"]
)
def test_the_simulator_only_calls_this_machine(simulated, settings, url):
    settings.PLATFORM_URL = url
    with pytest.raises(simulator.SimulatorError, match="loopback"):
        simulator.events_url(simulated.code)


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
    assert simulator.events_url(simulated.code) == posted_to + "/api/v1/carriers/swift-express/events/"


# --- steps that fail -----------------------------------------------------------------------------


def test_a_server_error_retries_the_same_step_later_then_gives_up(simulated, settings):
    order = order_for(simulated, status=S.PLACED)
    created = order_created_payload(order)
    with PlatformStub(simulated, (500, {}), (502, {}), (503, {})) as platform:
        settings.PLATFORM_URL = platform.url
        run = {"carrier_code": simulated.code, "number": order.number, "created": created}
        first = simulator.run_step(**run)
        second = simulator.run_step(**run, failures=first.failures)
        last = simulator.run_step(**run, failures=simulator.MAX_FAILURES - 1)

    assert (first.expect, first.failures, first.countdown, first.done) == ("placed:", 1, 4.0, ())
    assert (second.failures, second.countdown) == (2, 8.0)
    assert last is None
    ids = {r["headers"]["webhook-id"] for r in platform.received}
    assert ids == {f"sim_{order.number}_dispatching"}  # the same event each time: a retry is a duplicate


def test_an_unreachable_platform_is_retried(simulated, settings):
    order = order_for(simulated)
    with PlatformStub(simulated) as platform:
        url = platform.url
    settings.PLATFORM_URL = url  # nothing listens there any more
    after = simulator.run_step(carrier_code=simulated.code, number=order.number)
    assert (after.failures, after.done, after.expect) == (1, (), "")


def test_orders_of_carriers_not_simulated_are_left_alone(carrier, settings):
    settings.CARRIER_SIMULATOR = False
    order = order_for(carrier)
    assert simulator.run_step(carrier_code=carrier.code, number=order.number) is None


# --- the integration and the tasks ---------------------------------------------------------------


def test_the_integration_starts_the_script_on_order_created_only(simulated, monkeypatch):
    order = order_for(simulated)
    payload = order_created_payload(order)
    started = []
    monkeypatch.setattr(tasks, "schedule_step", lambda **kwargs: started.append(kwargs))
    integration = Simulator()

    integration.send(
        OutboundMessage(id="m1", type="order.cancelled", payload={"order": order.number}, carrier=simulated)
    )
    assert started == []
    integration.send(OutboundMessage(id="m2", type="order.created", payload=payload, carrier=simulated))
    assert started == [{"carrier_code": "swift-express", "created": payload}]


def test_the_integration_retries_the_message_when_the_broker_is_down(simulated, monkeypatch):
    order = order_for(simulated)

    def broker_down(**kwargs):
        raise OSError("Connection refused")

    monkeypatch.setattr(tasks, "schedule_step", broker_down)
    sent = Simulator().send(
        OutboundMessage(id="m", type="order.created", payload=order_created_payload(order), carrier=simulated)
    )
    assert sent == SendResult.retry("simulator: could not schedule the first step (OSError)")


def test_the_task_schedules_itself(simulated, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    queued = []
    monkeypatch.setattr(
        tasks.simulator_step, "apply_async", lambda kwargs, countdown: queued.append((kwargs, countdown))
    )
    monkeypatch.setattr(
        simulator,
        "run_step",
        lambda **kw: simulator.Next(
            expect="dispatching:2026-11-22T10:00:00+08:00",
            done=("dispatching",),
            failures=0,
            countdown=2.0,
            steps=1,
        ),
    )
    tasks.simulator_step("swift-express", "CP1", created={"order": "CP1"})
    assert queued == [
        (
            {
                "carrier_code": "swift-express",
                "number": "CP1",
                "expect": "dispatching:2026-11-22T10:00:00+08:00",
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
    assert simulated_carriers() == []

    settings.CARRIER_SIMULATOR = True
    assert isinstance(integration_for(carrier), Simulator)
    assert [(c.code, c.pickup_code_required) for c in simulated_carriers()] == [
        ("econ-post", False),
        ("heavy-freight", False),
        ("hk-bag", False),
        ("swift-express", True),
    ]
    # A demo carrier an admin switched to real HTTP stays on HTTP.
    carrier.integration = "standard_webhooks"
    carrier.save(update_fields=["integration"])
    assert isinstance(integration_for(carrier), StandardWebhooks)
    assert carrier.code not in [c.code for c in simulated_carriers()]


# --- against the platform's real endpoints -------------------------------------------------------


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


def quiet_since(order, minutes: float = 5) -> None:
    Order.objects.filter(pk=order.pk).update(updated_at=timezone.now() - timedelta(minutes=minutes))


def collect_in_the_window(order):
    """The courier's moment in the window comes; at the door the sender tells the pickup code."""
    with time_machine.travel(order.pickup_end, tick=True):
        # Quiet since the booking, but at the door, waiting for the code: nothing to restart.
        assert tasks.scripts_restart() == 0
        call_command(
            "simulate_carriers", order=order.number, pickup_code=order.pickup_code, stdout=io.StringIO()
        )
        picked_up = OrderEvent.objects.get(order=order, new_status=S.PICKED_UP)
        assert order.pickup_start <= picked_up.occurred_at <= order.pickup_end
        assert picked_up.occurred_at == simulator.pickup_time(card(order))
        quiet_since(order)
        assert tasks.scripts_restart() == 1  # beat's kick carries it on


def timeline(order) -> list[tuple[str, str, str]]:
    return list(
        OrderEvent.objects.filter(order=order)
        .order_by("occurred_at", "id")
        .values_list("kind", "new_status", "source_event_id")
    )


@pytest.mark.django_db(transaction=True)
def test_a_booked_order_is_worked_to_signed_through_the_real_endpoints(live_simulator, customer):
    # Eager Celery: booking's commit delivers order.created, whose integration runs every step in
    # turn up to the courier's acceptance; the courier comes inside the window, and the kick resumes it.
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
    monkeypatch.setattr(simulator, "hiccup", lambda number: complication)
    order = _book(customer)
    order.refresh_from_db()
    # A pickup exception is reported and resolved right after the acceptance.
    assert (order.status, order.exception_code) == (S.ACCEPTED, "")
    collect_in_the_window(order)

    order.refresh_from_db()
    assert (order.status, order.exception_code) == (S.SIGNED, "")
    steps = [source.removeprefix(f"sim_{order.number}_") for _k, _s, source in timeline(order)]
    if complication == "pickup_exception":
        assert steps[3:6] == ["pickup_exception", "exception_resolved", "picked_up"]
    else:
        assert steps[6:8] == ["problem", "out_for_delivery"]
    assert steps[-1] == "signed"


@pytest.mark.django_db(transaction=True)
def test_a_step_scheduled_for_another_state_does_nothing(live_simulator, customer, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    order = order_for(live_simulator, user=customer, status=S.PLACED)
    assert (
        simulator.run_step(carrier_code=live_simulator.code, number=order.number, expect="dispatching:x")
        is None
    )
    assert timeline(order) == []


@pytest.mark.django_db(transaction=True)
def test_an_accepted_order_waits_for_its_pickup_window(live_simulator, customer, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    order = order_for(live_simulator, user=customer, status=S.ACCEPTED)  # window tomorrow 10:00–12:00
    at = simulator.pickup_time(card(order))
    run = {"carrier_code": live_simulator.code, "number": order.number, "pickup_code": "654321"}
    assert simulator.run_step(**run) is None
    with time_machine.travel(at - timedelta(seconds=1), tick=False):
        assert simulator.run_step(**run) is None
    assert timeline(order) == []
    with time_machine.travel(at, tick=False):
        assert simulator.run_step(**run) is not None
    [(kind, status, source)] = timeline(order)
    assert (kind, status, source) == ("order.picked_up", S.PICKED_UP, f"sim_{order.number}_picked_up")
    assert OrderEvent.objects.get(order=order).occurred_at == at


def test_the_pickup_time_lies_inside_the_window_and_sticks_to_the_order(simulated):
    for _ in range(30):
        order = order_for(simulated)
        at = simulator.pickup_time(card(order))
        assert order.pickup_start + timedelta(minutes=12) <= at <= order.pickup_end - timedelta(minutes=48)
        assert simulator.pickup_time(card(Order.objects.get(pk=order.pk))) == at


@pytest.mark.django_db(transaction=True)
def test_a_wrong_pickup_code_is_refused_and_ends_the_script(live_simulator, customer, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    order = due_for_pickup(live_simulator, user=customer, status=S.ACCEPTED)
    run = {"carrier_code": live_simulator.code, "number": order.number}
    assert simulator.run_step(**run) is None  # no code: the courier waits at the door
    assert simulator.run_step(**run, pickup_code="000000") is None  # 409 pickup_code_mismatch
    order.refresh_from_db()
    assert (order.status, timeline(order)) == (S.ACCEPTED, [])


@pytest.mark.django_db(transaction=True)
def test_a_cancel_by_the_user_ends_the_script(live_simulator, customer, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # steps are run by hand here
    order = order_for(live_simulator, user=customer)
    run = {"carrier_code": live_simulator.code, "number": order.number}
    first = simulator.run_step(**run)  # → dispatching
    second = simulator.run_step(**run, expect=first.expect, done=first.done)  # → accepted
    order.refresh_from_db()
    assert order.status == S.ACCEPTED
    assert second is not None

    order_cancel(order=order, actor_user=customer, reason=CancelReason.CHANGED_MIND)
    events = len(timeline(order))
    assert simulator.run_step(**run, expect=second.expect) is None  # the order moved: posts nothing
    assert simulator.run_step(**run) is None  # sees the terminal status: posts nothing
    assert len(timeline(order)) == events

    # Cancelled between the simulator's pull and its post: the endpoint's 409 ends the script.
    other = due_for_pickup(live_simulator, user=customer, status=S.DISPATCHING)
    step = simulator.next_step(card(other), set())
    order_cancel(order=other, actor_user=customer, reason=CancelReason.CHANGED_MIND)
    status, _answer = simulator.post_event(
        carrier=sim_carrier(live_simulator), number=other.number, step=step
    )
    assert status == 409


@pytest.mark.django_db(transaction=True)
def test_a_step_run_twice_is_a_duplicate(live_simulator, customer, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    order = order_for(live_simulator, user=customer, status=S.PICKED_UP)
    step = simulator.next_step(card(order), set())
    carrier = sim_carrier(live_simulator)
    assert simulator.post_event(carrier=carrier, number=order.number, step=step) == (
        200,
        {"result": "applied"},
    )
    assert simulator.post_event(carrier=carrier, number=order.number, step=step) == (
        200,
        {"result": "duplicate"},
    )
    assert OrderEvent.objects.filter(order=order).count() == 1


@pytest.mark.django_db(transaction=True)
def test_kick_restarts_only_quiet_orders_still_moving(live_simulator, customer, monkeypatch):
    started = []
    monkeypatch.setattr(tasks, "schedule_step", lambda **kwargs: started.append(kwargs))
    quiet = order_for(live_simulator, user=customer, status=S.PICKED_UP)
    busy = order_for(live_simulator, user=customer, status=S.PICKED_UP)
    waiting = order_for(live_simulator, user=customer, status=S.ACCEPTED)  # its window is tomorrow
    at_the_door = due_for_pickup(live_simulator, user=customer, status=S.ACCEPTED)  # needs the code
    done = order_for(live_simulator, user=customer, status=S.SIGNED)
    for order in (quiet, waiting, at_the_door, done):
        quiet_since(order)

    assert tasks.scripts_restart() == 1
    assert started == [{"carrier_code": "swift-express", "number": quiet.number}]
    call_command("simulate_carriers", stdout=io.StringIO())
    assert [kwargs["number"] for kwargs in started] == [quiet.number, quiet.number]
    assert busy.number not in [kwargs["number"] for kwargs in started]


# --- claims ----------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_claim_on_a_simulated_order_is_decided_through_the_real_endpoint(live_simulator, customer):
    # Eager Celery: the claim's commit delivers claim.created to the simulator, which posts its
    # signed claim.decided to the live server, decided from the message alone.
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


@pytest.mark.parametrize(
    ("claimed", "declared", "decided"),
    [("9999.00", "300.00", "300.00"), ("120.00", "300.00", "120.00"), ("99999.00", "0.00", "30000.00")],
)
def test_the_decision_is_the_lowest_of_amount_declared_value_and_cap(simulated, claimed, declared, decided):
    claim = {
        "claim": 7,
        "order": "CP1",
        "amount": {"amount": claimed, "currency": "CNY"},
        "declared_value": {"amount": declared, "currency": "CNY"},
    }

    step = simulator.claim_decision(carrier=sim_carrier(simulated), claim=claim)

    assert (step.name, step.type) == ("claim_7", "claim.decided")
    assert step.data == {
        "claim": 7,
        "decision": "approved",
        "amount": decided,
        "return_freight": "0.00",
        "note": "模拟快递公司：已核实",
    }


@pytest.mark.django_db(transaction=True)
def test_a_claim_decided_twice_changes_nothing_the_second_time(live_simulator, customer, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    order = order_for(live_simulator, user=customer, status=S.SIGNED)
    claim = claim_file(order=order, user=customer, kind="lost", amount=Decimal("10.00"), description="丢失")
    message = {
        "claim": claim.pk,
        "order": order.number,
        "amount": {"amount": "10.00", "currency": "CNY"},
        "declared_value": {"amount": str(order.declared_value), "currency": "CNY"},
    }

    assert simulator.run_claim_decision(carrier_code=live_simulator.code, claim=message) is None
    assert simulator.run_claim_decision(carrier_code=live_simulator.code, claim=message) is None
    claim.refresh_from_db()
    assert (claim.status, claim.compensation) == ("approved", Decimal("10.00"))
    assert OrderEvent.objects.filter(order=order, kind="claim.decided").count() == 1
