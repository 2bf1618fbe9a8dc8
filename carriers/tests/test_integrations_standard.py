"""The ``standard_webhooks`` and ``manual`` integrations sending (DESIGN §7.1, §7.4): against a real
loopback server."""

import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks.webhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError as PackageVerificationError

from carriers.integrations import OutboundMessage, SendResult, integration_for
from carriers.integrations.manual import Manual
from carriers.integrations.standard_webhooks import StandardWebhooks
from carriers.services import carrier_active_secrets, carrier_credentials_rotate
from carriers.webhooks import verify_carrier_request
from simulator.integration import Simulator

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
    carrier.integration = "standard_webhooks"
    carrier.save(update_fields=["integration"])
    return carrier


def message(carrier, message_id="msg_01"):
    return OutboundMessage(id=message_id, type="order.created", payload=PAYLOAD, carrier=carrier)


def send(carrier, message_id="msg_01", timeout=TIMEOUT) -> SendResult:
    return StandardWebhooks(timeout=timeout).send(message(carrier, message_id))


def test_standard_webhooks_fails_times_out_then_delivers(http_carrier):
    secret = carrier_credentials_rotate(carrier=http_carrier)
    with CarrierEndpoint(500, "hang", 200) as endpoint:
        http_carrier.endpoint_url = endpoint.url

        assert send(http_carrier) == SendResult.retry("carrier swift-express answered HTTP 500")
        assert send(http_carrier) == SendResult.retry(
            "carrier swift-express could not be reached (TimeoutError)"
        )
        assert send(http_carrier) == SendResult.delivered()

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


def test_standard_webhooks_signs_with_the_newest_secret(http_carrier):
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


def test_standard_webhooks_does_not_follow_redirects(http_carrier):
    carrier_credentials_rotate(carrier=http_carrier)
    with CarrierEndpoint(("redirect", "/login")) as endpoint:
        http_carrier.endpoint_url = endpoint.url
        assert send(http_carrier) == SendResult.retry("carrier swift-express answered HTTP 302")

    assert [r["path"] for r in endpoint.received] == ["/hooks/platform"]


def test_standard_webhooks_connection_refused(http_carrier):
    carrier_credentials_rotate(carrier=http_carrier)
    with CarrierEndpoint() as endpoint:
        url = endpoint.url
    http_carrier.endpoint_url = url  # the server is closed: nothing listens on the port

    assert send(http_carrier) == SendResult.retry(
        "carrier swift-express could not be reached (ConnectionRefusedError)"
    )


def test_standard_webhooks_never_sends_unsigned(http_carrier):
    with CarrierEndpoint(200) as endpoint:
        http_carrier.endpoint_url = endpoint.url
        assert send(http_carrier) == SendResult.retry("carrier swift-express has no webhook secret")

    assert endpoint.received == []


@pytest.mark.parametrize("endpoint_url", ["", "file:///etc/passwd", "ftp://carrier.example/hooks"])
def test_standard_webhooks_needs_an_http_endpoint(http_carrier, endpoint_url):
    carrier_credentials_rotate(carrier=http_carrier)
    http_carrier.endpoint_url = endpoint_url

    assert send(http_carrier) == SendResult.retry("carrier swift-express has no http(s) endpoint URL")


def test_standard_webhooks_default_timeout_is_five_seconds():
    assert StandardWebhooks().timeout == 5.0


def test_manual_pushes_nothing(carrier):
    carrier_credentials_rotate(carrier=carrier)
    with CarrierEndpoint(200) as endpoint:
        carrier.endpoint_url = endpoint.url
        assert carrier.integration == "manual"
        integration = integration_for(carrier)
        assert isinstance(integration, Manual)
        assert integration.send(message(carrier)) == SendResult.delivered()

    assert endpoint.received == []


def test_integration_for(http_carrier):
    assert isinstance(integration_for(http_carrier), StandardWebhooks)

    http_carrier.integration = "simulator"
    assert isinstance(integration_for(http_carrier), Simulator)

    http_carrier.integration = "pigeon"
    with pytest.raises(LookupError, match="no integration registered for 'pigeon'"):
        integration_for(http_carrier)
