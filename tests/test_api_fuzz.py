"""schemathesis against the live schema of the running platform (issue 15), on PostgreSQL.

schemathesis reads the schema the platform serves (``/api/schema/``, through its WSGI application,
in-process) and sends every operation generated requests: valid ones (positive) and ones that break
the schema (negative), plus its boundary cases and undeclared methods (405), each answer checked
against the schema (status code, content type, body, headers), for a 5xx, and for credentials that
are not enforced. User operations carry a customer's token; carrier operations are signed with the
carrier's secret like a real carrier's, so the fuzzer gets past authentication.

A stateful run then books an order and acts on it (reads, cancels, deletes, reviews it; the carrier
reports events about it), following the links schemathesis finds between operations.

Bounded: a fixed seed (``derandomize``), a fixed number of examples per operation and of scenarios
(about 3,000 requests and 15 scenarios, a minute or two). At the end it prints what it ran: the
cases by generation mode, the answers by status class, the failed checks, and the stateful
scenarios and their calls (the figures the README quotes).
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import quote

import hypothesis
import pytest
import schemathesis
import time_machine
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection
from hypothesis import HealthCheck
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.generation.stateful import run_state_machine_as_test
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from carriers.services.credentials import carrier_credentials_rotate
from carriers.webhooks import sign_payload, sign_request
from orders.tests.test_api_booking import NOW, SHIPMENT

pytestmark = [pytest.mark.postgres]

EXAMPLES_PER_OPERATION = 20
STATEFUL_SCENARIOS = 15
CARRIER_PREFIX = "/api/v1/carriers/"
# Checked by every run: no 5xx, and each answer's status, content type, headers and body as the
# schema documents them; schema-breaking input refused with a 4xx. Not positive_data_acceptance:
# the schema cannot say everything the platform checks (a phone number, a region, the goods'
# screening, a carrier's contract version), so a schema-valid request may rightly get its
# documented 400.
EXCLUDED_CHECKS = [positive_data_acceptance]

SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
)


SIGN_ME = "sign-me"


@dataclass
class Tally:
    """What the run did; printed when the module ends."""

    operations: set[str] = field(default_factory=set)
    cases: Counter = field(default_factory=Counter)  # by generation mode
    answers: Counter = field(default_factory=Counter)  # by status class: "2xx", "4xx", "5xx"
    failures: int = 0  # cases whose answer failed a check (Hypothesis' shrinking steps included)
    scenarios: int = 0
    calls: int = 0  # the stateful scenarios' calls
    stateful_failures: int = 0

    def count(self, response) -> None:
        self.answers[f"{response.status_code // 100}xx"] += 1

    def summary(self) -> str:
        def figures(counter: Counter) -> str:
            return ", ".join(f"{key} {value:,}" for key, value in sorted(counter.items()))

        return (
            f"schemathesis: {sum(self.cases.values()):,} cases ({figures(self.cases)}) over "
            f"{len(self.operations)} operations, answers {figures(self.answers)}, "
            f"{self.failures} failures; stateful: {self.scenarios} scenarios, {self.calls} calls, "
            f"{self.stateful_failures} failures"
        )


TALLY = Tally()


@pytest.fixture(scope="module", autouse=True)
def _summary(request):
    yield
    if TALLY.cases or TALLY.scenarios:
        plugins = request.config.pluginmanager
        reporter = plugins.get_plugin("terminalreporter")
        # Output is captured while fixtures tear down; this line is for the terminal.
        with plugins.get_plugin("capturemanager").global_and_fixture_disabled():
            reporter.ensure_newline()
            reporter.write_line(TALLY.summary())


class SignedCarrier:
    """WSGI middleware in front of the platform: signs a request to the carrier API that asks for
    it (``webhook-signature: sign-me``) over the bytes actually sent (body, or request line for a
    GET), as the carrier does. A request schemathesis sends without credentials, to check that
    they are required, keeps none. Requests reach the platform in-process, inside the test's
    transaction, so the data a test makes is the data the platform sees."""

    def __init__(self, app, *, code: str, secret: str):
        self.app, self.code, self.secret = app, code, secret
        self.sent = 0

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if (
            path.startswith(f"{CARRIER_PREFIX}{self.code}/")
            and environ.get("HTTP_WEBHOOK_SIGNATURE") == SIGN_ME
        ):
            self.sent += 1
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
            msg_id = f"msg_fuzz_{self.sent}"
            if environ["REQUEST_METHOD"] == "GET":
                query = environ.get("QUERY_STRING", "")
                full_path = quote(path) + (f"?{query}" if query else "")
                signed = sign_request(secret=self.secret, msg_id=msg_id, method="GET", full_path=full_path)
            else:
                signed = sign_payload(secret=self.secret, msg_id=msg_id, body=body)
            for name, value in signed.items():
                environ["HTTP_" + name.upper().replace("-", "_")] = value
        # As Django's test client does: a request must not close the test's connection.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            return self.app(environ, start_response)
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


@dataclass
class World:
    app: SignedCarrier
    carrier_code: str
    token: str


@pytest.fixture
def world(demo_carriers, customer, settings):
    settings.DEBUG = False
    carrier = demo_carriers["swift-express"]
    app = SignedCarrier(
        get_wsgi_application(),
        code=carrier.code,
        secret=carrier_credentials_rotate(carrier=carrier),
    )
    return World(app=app, carrier_code=carrier.code, token=Token.objects.create(user=customer).key)


@pytest.fixture
def api_schema(world):
    loaded = schemathesis.openapi.from_wsgi("/api/schema/", world.app)
    loaded.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=EXAMPLES_PER_OPERATION
    )
    return loaded


@pytest.fixture(autouse=True)
def _needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass of CI")


@pytest.fixture(autouse=True)
def _node_id(request):
    # schemathesis' lazy loader names each operation's subtest through the node's `_nodeid`,
    # which pytest 9 keeps elsewhere.
    request.node._nodeid = request.node.nodeid


schema = schemathesis.pytest.from_fixture("api_schema")


def _credentials(case, world: World) -> dict[str, str]:
    """A carrier operation is signed by the carrier (and goes to it: a random carrier code only
    ever meets the 404 of an unknown carrier, which has its own test); any other carries the
    customer's token."""
    if case.path.startswith(CARRIER_PREFIX) and case.path_parameters and "code" in case.path_parameters:
        if case.meta is None or case.meta.generation.mode == GenerationMode.POSITIVE:
            case.path_parameters["code"] = world.carrier_code
        return {"webhook-signature": SIGN_ME}
    return {"Authorization": f"Token {world.token}"}


@schema.parametrize()
@SETTINGS
def test_every_operation_answers_as_its_schema_says(case, world):
    headers = _credentials(case, world)
    TALLY.operations.add(case.operation.label)
    TALLY.cases[case.meta.generation.mode.value if case.meta else "explicit"] += 1
    try:
        response = case.call_and_validate(headers=headers, excluded_checks=EXCLUDED_CHECKS)
    except Exception:
        TALLY.failures += 1
        raise
    TALLY.count(response)


def test_the_unknown_carrier_404_is_documented_with_its_error(db, client):
    response = client.post(
        "/api/v1/carriers/no-such-carrier/events/",
        {"order": "CP1", "type": "order.dispatching", "occurred_at": "x"},
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )

    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "detail": "No such carrier."}
    served = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    documented = served["paths"]["/api/v1/carriers/{code}/events/"]["post"]["responses"]["404"]
    variants = documented["content"]["application/json"]["schema"]["anyOf"]
    assert {"$ref": "#/components/schemas/Error"} in variants
    assert served["components"]["schemas"]["Error"]["required"] == ["detail", "error"]


BOOKING = "POST /api/v1/orders/"
EVENTS = "POST /api/v1/carriers/{code}/events/"


def test_a_stateful_run_books_and_acts_on_the_booked_order(world, api_schema):
    """Scenarios that follow the schema's links from a booking to what can be done with the
    booked order (read, cancel, delete, review it) and to the carrier's events about it.

    A random booking cannot pass screening, eligibility and the contract version, so the machine
    books with a real shipment; everything after that is generated.
    """
    seen: Counter = Counter()
    booked: list[str] = []
    # The credentials the test gives, not generated ones.
    api_schema.config.generation.update(with_security_parameters=False)

    class Scenario(api_schema.as_state_machine()):
        def before_call(self, case):
            if case.operation.label == BOOKING:
                case.body = {**SHIPMENT, "carrier": world.carrier_code, "contract_version": "v1"}
                case.media_type = "application/json"
            elif case.operation.label == EVENTS and booked and isinstance(case.body, dict):
                case.body["order"] = booked[-1]

        def get_call_kwargs(self, case):
            return {"headers": _credentials(case, world)}

        def after_call(self, response, case):
            super().after_call(response, case)
            seen[(case.operation.label, response.status_code)] += 1
            TALLY.calls += 1
            if case.operation.label == BOOKING and response.status_code == 201:
                booked.append(response.json()["number"])

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            try:
                case.validate_response(
                    response,
                    # The booking step's body is replaced by a real one: a generated negative
                    # booking would be judged by what it no longer is. Negative input is the run
                    # above's.
                    excluded_checks=[*EXCLUDED_CHECKS, negative_data_rejection],
                    headers=kwargs.get("headers"),
                    transport_kwargs=kwargs,
                )
            except Exception:
                TALLY.stateful_failures += 1
                raise

        def teardown(self):
            TALLY.scenarios += 1
            super().teardown()

    with time_machine.travel(NOW, tick=True):
        run_state_machine_as_test(
            Scenario,
            settings=hypothesis.settings(
                max_examples=STATEFUL_SCENARIOS,
                stateful_step_count=6,
                derandomize=True,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
                phases=[hypothesis.Phase.generate],
            ),
        )

    assert booked, seen
    acted_on = {label for (label, status) in seen if "{number}" in label and status < 300}
    assert acted_on, seen
