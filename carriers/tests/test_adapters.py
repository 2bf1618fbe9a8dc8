"""Outbound adapters (DESIGN §7.1): the http adapter against a real loopback server."""

import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks.webhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError as PackageVerificationError

from carriers.adapters import DeliveryError, HttpAdapter, ManualAdapter, get_adapter, simulated_carriers
from carriers.models import Adapter
from carriers.services import carrier_active_secrets, carrier_credentials_rotate
from carriers.webhooks import verify_carrier_request

pytestmark = pytest.mark.django_db

PAYLOAD = {"order": "T000000001", "pickup_start": "2026-11-23T10:00:00+08:00", "weight_kg": Decimal("1.5")}
TIMEOUT = 0.3


class CarrierEndpoint:
    """A loopback HTTP server answering each POST with the next scripted behaviour.

    Behaviours: an HTTP status, "hang" (answer nothing until the test ends), or ("redirect", path).
    """

    def __init__(self, *script):
        self.script = list(script)
        self.received: list[dict] = []
        self.release = threading.Event()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                endpoint.received.append(
                    {
                        "path": self.path,
                        # urllib sends "Webhook-id"; HTTP header names are case-insensitive.
                        "headers": {name.lower(): value for name, value in self.headers.items()},
                        "body": self.rfile.read(length),
                    }
                )
                behaviour = endpoint.script.pop(0)
                if behaviour == "hang":
                    endpoint.release.wait(10)
                    return
                if isinstance(behaviour, tuple):
                    self.send_response(302)
                    self.send_header("Location", behaviour[1])
                else:
                    self.send_response(behaviour)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_GET(self):
                endpoint.received.append({"path": self.path, "method": "GET"})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/platform"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def http_carrier(carrier):
    carrier.adapter = Adapter.HTTP
    carrier.save(update_fields=["adapter"])
    return carrier


def send(carrier, message_id="msg_01", timeout=TIMEOUT):
    HttpAdapter(timeout=timeout).send(
        carrier=carrier, message_id=message_id, event_type="order.created", payload=PAYLOAD
    )


def test_http_adapter_fails_times_out_then_delivers(http_carrier):
    secret = carrier_credentials_rotate(carrier=http_carrier)
    with CarrierEndpoint(500, "hang", 200) as endpoint:
        http_carrier.endpoint_url = endpoint.url

        with pytest.raises(DeliveryError, match="answered HTTP 500") as failed:
            send(http_carrier)
        assert failed.value.status == 500

        with pytest.raises(DeliveryError, match=r"could not be reached \(TimeoutError\)") as timed_out:
            send(http_carrier)
        assert timed_out.value.status is None

        send(http_carrier)

    assert len(endpoint.received) == 3
    delivered = endpoint.received[-1]
    assert delivered["path"] == "/hooks/platform"
    assert delivered["headers"]["content-type"] == "application/json"
    assert delivered["headers"]["webhook-id"] == "msg_01"
    # The carrier verifies with the secret it was given, over the raw bytes it received.
    verify_carrier_request(carrier=http_carrier, headers=delivered["headers"], body=delivered["body"])
    Webhook(secret).verify(delivered["body"], delivered["headers"])
    body = json.loads(delivered["body"])
    assert body == {
        "type": "order.created",
        "timestamp": body["timestamp"],
        "data": {"order": "T000000001", "pickup_start": "2026-11-23T10:00:00+08:00", "weight_kg": "1.5"},
    }
    # Every attempt carries the same message id, so the carrier can de-duplicate retries.
    assert {r["headers"]["webhook-id"] for r in endpoint.received} == {"msg_01"}


def test_http_adapter_signs_with_the_newest_secret(http_carrier):
    previous = carrier_credentials_rotate(carrier=http_carrier)
    newest = carrier_credentials_rotate(carrier=http_carrier)
    assert carrier_active_secrets(http_carrier) == [newest, previous]
    with CarrierEndpoint(204) as endpoint:
        http_carrier.endpoint_url = endpoint.url
        send(http_carrier)

    received = endpoint.received[0]
    Webhook(newest).verify(received["body"], received["headers"])
    with pytest.raises(PackageVerificationError):
        Webhook(previous).verify(received["body"], received["headers"])


def test_http_adapter_does_not_follow_redirects(http_carrier):
    carrier_credentials_rotate(carrier=http_carrier)
    with CarrierEndpoint(("redirect", "/login")) as endpoint:
        http_carrier.endpoint_url = endpoint.url
        with pytest.raises(DeliveryError, match="answered HTTP 302") as failed:
            send(http_carrier)

    assert failed.value.status == 302
    assert [r["path"] for r in endpoint.received] == ["/hooks/platform"]


def test_http_adapter_connection_refused(http_carrier):
    carrier_credentials_rotate(carrier=http_carrier)
    with CarrierEndpoint() as endpoint:
        url = endpoint.url
    http_carrier.endpoint_url = url  # the server is closed: nothing listens on the port

    with pytest.raises(DeliveryError, match=r"could not be reached \(ConnectionRefusedError\)"):
        send(http_carrier)


def test_http_adapter_never_sends_unsigned(http_carrier):
    with CarrierEndpoint(200) as endpoint:
        http_carrier.endpoint_url = endpoint.url
        with pytest.raises(DeliveryError, match="no webhook secret"):
            send(http_carrier)

    assert endpoint.received == []


@pytest.mark.parametrize("endpoint_url", ["", "file:///etc/passwd", "ftp://carrier.example/hooks"])
def test_http_adapter_needs_an_http_endpoint(http_carrier, endpoint_url):
    carrier_credentials_rotate(carrier=http_carrier)
    http_carrier.endpoint_url = endpoint_url

    with pytest.raises(DeliveryError, match="no http\\(s\\) endpoint URL"):
        send(http_carrier)


def test_http_adapter_default_timeout_is_five_seconds():
    assert HttpAdapter().timeout == 5.0


def test_manual_adapter_pushes_nothing(carrier):
    carrier_credentials_rotate(carrier=carrier)
    with CarrierEndpoint(200) as endpoint:
        carrier.endpoint_url = endpoint.url
        assert carrier.adapter == Adapter.MANUAL
        adapter = get_adapter(carrier)
        assert isinstance(adapter, ManualAdapter)
        adapter.send(carrier=carrier, message_id="msg_01", event_type="order.created", payload=PAYLOAD)

    assert endpoint.received == []


def test_get_adapter(http_carrier):
    assert isinstance(get_adapter(http_carrier), HttpAdapter)

    http_carrier.adapter = Adapter.SIMULATOR
    assert type(get_adapter(http_carrier)).__name__ == "SimulatorAdapter"

    http_carrier.adapter = "pigeon"
    with pytest.raises(LookupError, match="no adapter registered for 'pigeon'"):
        get_adapter(http_carrier)


def test_demo_carriers_are_simulated_only_while_the_simulator_is_on(carrier, settings):
    settings.CARRIER_SIMULATOR = False
    assert isinstance(get_adapter(carrier), ManualAdapter)
    assert not simulated_carriers().exists()

    settings.CARRIER_SIMULATOR = True
    assert type(get_adapter(carrier)).__name__ == "SimulatorAdapter"
    assert set(simulated_carriers().values_list("code", flat=True)) == {
        "swift-express",
        "econ-post",
        "heavy-freight",
        "hk-bag",
    }
    # A demo carrier an admin switched to real HTTP stays on HTTP.
    carrier.adapter = Adapter.HTTP
    carrier.save(update_fields=["adapter"])
    assert isinstance(get_adapter(carrier), HttpAdapter)
    assert not simulated_carriers().filter(pk=carrier.pk).exists()
