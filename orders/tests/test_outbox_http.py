"""The outbox driving the real ``standard_webhooks`` integration against a loopback carrier that
fails, times out, then takes the message (DESIGN §7.1; the integration alone is tested in
carriers/tests/test_integrations_standard.py)."""

import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
import time_machine
from standardwebhooks.webhooks import Webhook

from carriers.integrations import INTEGRATIONS
from carriers.integrations.standard_webhooks import StandardWebhooks
from carriers.services import carrier_credentials_rotate
from delivery import tasks as delivery_tasks
from orders.models import OutboxMessage
from orders.services import booking
from orders.tests.test_outbox import make_shipment

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 22, 15, 30, tzinfo=SHANGHAI)
TIMEOUT = 0.3

pytestmark = pytest.mark.django_db


class CarrierEndpoint:
    """A loopback carrier answering each POST with the next scripted behaviour: a status or "hang"."""

    def __init__(self, *script):
        self.script = list(script)
        self.received: list[dict] = []
        self.release = threading.Event()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {name.lower(): value for name, value in self.headers.items()}
                endpoint.received.append({"headers": headers, "body": body})
                behaviour = endpoint.script.pop(0)
                if behaviour == "hang":
                    endpoint.release.wait(10)
                    return
                self.send_response(behaviour)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/platform/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def http_carrier(carrier, monkeypatch, settings):
    settings.CARRIER_SIMULATOR = False
    carrier.integration = "standard_webhooks"
    carrier.save(update_fields=["integration"])
    monkeypatch.setitem(INTEGRATIONS, "standard_webhooks", StandardWebhooks(timeout=TIMEOUT))
    return carrier


def test_a_push_that_fails_then_times_out_is_delivered_on_the_third_attempt(
    http_carrier, customer, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(booking, "new_pickup_code", lambda: "987654")
    secret = carrier_credentials_rotate(carrier=http_carrier)
    with CarrierEndpoint(500, "hang", 200) as endpoint, time_machine.travel(NOW, tick=False) as clock:
        http_carrier.endpoint_url = endpoint.url
        http_carrier.save(update_fields=["endpoint_url"])

        # Booking commits; the task tries at once and the carrier answers 500.
        with django_capture_on_commit_callbacks(execute=True):
            order = booking.order_place(
                user=customer, shipment=make_shipment(), carrier_code=http_carrier.code, contract_version="v1"
            )
        message = OutboxMessage.objects.get(order=order)
        assert (message.status, message.attempts, message.last_error) == (
            "pending",
            1,
            "carrier swift-express answered HTTP 500",
        )
        assert message.next_attempt_at == NOW + timedelta(seconds=30)

        # The sweeper, 30 s later: the carrier hangs until the timeout.
        clock.shift(timedelta(seconds=29))
        assert delivery_tasks.messages_sweep() == 0
        clock.shift(timedelta(seconds=1))
        assert delivery_tasks.sweep() == 1
        message.refresh_from_db()
        assert (message.status, message.attempts, message.last_error) == (
            "pending",
            2,
            "carrier swift-express could not be reached (TimeoutError)",
        )
        assert message.next_attempt_at == NOW + timedelta(seconds=30 + 60)

        # A minute later it takes the message.
        clock.shift(timedelta(seconds=60))
        assert delivery_tasks.sweep() == 1
        message.refresh_from_db()
        assert (message.status, message.attempts, message.last_error) == ("sent", 3, "")
        assert message.sent_at == NOW + timedelta(seconds=90)

        # Each request carried the same message id and a valid signature over its raw body.
        assert len(endpoint.received) == 3
        for request in endpoint.received:
            assert request["headers"]["webhook-id"] == str(message.pk)
            Webhook(secret).verify(request["body"], request["headers"])
        body = json.loads(endpoint.received[-1]["body"])
        assert (body["type"], body["data"]) == ("order.created", message.payload)
        assert all(b"987654" not in request["body"] for request in endpoint.received)

        # Nothing more is due, and a stray task for it changes nothing.
        clock.shift(timedelta(hours=2))
        assert delivery_tasks.messages_sweep() == 0
        assert delivery_tasks.deliver(str(message.pk)) == "skipped"
    assert len(endpoint.received) == 3
