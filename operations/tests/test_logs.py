"""Logs (issue 15): a request id on every line, JSON in production, and no full phone number or
pickup code in any line of a whole booking + callback flow."""

import io
import json
import logging
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from carriers.services.credentials import carrier_credentials_rotate
from orders.models import Order, Status
from orders.tests.carrier_events_support import Sender
from orders.tests.test_api_booking import NOW, SHIPMENT

BASE = Path(__file__).resolve().parents[2]


@pytest.fixture
def log_lines():
    """Everything the configured console handler writes (after its filters and formatter), at DEBUG."""
    root = logging.getLogger()
    handler = next(h for h in root.handlers if isinstance(h, logging.StreamHandler) and h.filters)
    buffer = io.StringIO()
    old_stream, old_level = handler.setStream(buffer), root.level
    root.setLevel(logging.DEBUG)
    try:
        yield lambda: buffer.getvalue()
    finally:
        handler.setStream(old_stream)
        root.setLevel(old_level)


def test_a_booking_and_its_callbacks_log_no_phone_and_no_pickup_code(
    log_lines, demo_carriers, customer, customer_client, client, django_capture_on_commit_callbacks
):
    carrier = demo_carriers["swift-express"]
    with time_machine.travel(NOW, tick=False) as clock:
        secret = carrier_credentials_rotate(carrier=carrier)
        with django_capture_on_commit_callbacks(execute=True):  # outbox and notices, as after a commit
            booked = customer_client.post(
                "/api/v1/orders/",
                {**SHIPMENT, "carrier": carrier.code, "contract_version": "v1"},
                format="json",
            )
        assert booked.status_code == 201, booked.json()
        number, pickup_code = booked.json()["number"], booked.json()["pickup_code"]
        sender = Sender(client, carrier.code, secret)
        courier = {"name": "王师傅", "phone": "13700137000", "employee_id": "SZ1024"}
        steps = [
            ("order.accepted", {"courier": courier}),
            ("order.pickup_exception", {"code": "unreachable", "note": "请回电 13800138000"}),
            ("order.exception_resolved", {"note": "已联系"}),
            (
                "order.picked_up",
                {
                    "waybill_no": "SF1234567890",
                    "weight_kg": "1.6",
                    "fee": {"amount": "23.00", "currency": "CNY"},
                    "pickup_code": pickup_code,
                },
            ),
            ("order.in_transit", {"location": "深圳", "description": "已发出"}),
            ("order.signed", {"signed_by": "李四"}),
        ]
        for kind, data in steps:
            clock.shift(timedelta(minutes=10))
            occurred = (timezone.now() - timedelta(minutes=1)).isoformat()
            with django_capture_on_commit_callbacks(execute=True):
                answer = sender.post({"order": number, "type": kind, "occurred_at": occurred, "data": data})
            assert answer.status_code == 200, (kind, answer.json())
        # A wrong code and a hostile body are logged too: neither may leak.
        sender.post(
            {
                "order": number,
                "type": "order.picked_up",
                "occurred_at": occurred,
                "data": {"pickup_code": "000000"},
            }
        )

    assert Order.objects.get(number=number).status == Status.SIGNED
    text = log_lines()
    # The flow really logged: the outbox push of the booking, the task that sent it, the refusal.
    assert "outbox order.created" in text and "sent to swift-express" in text
    assert "Task delivery.tasks.deliver" in text
    assert "Bad Request: /api/v1/carriers/swift-express/events/" in text
    assert pickup_code not in text
    for phone in ("13800138000", "13900139000", "13700137000"):
        assert phone not in text


def test_the_console_sms_line_shows_a_masked_phone(log_lines):
    from notifications.backends.sms import ConsoleSmsBackend

    ConsoleSmsBackend().send(
        phone="+8613800138000",
        template="reset_code",
        params={"code": "918273"},
        text="取件码 pickup_code: 918273，联系 13900139000",
        language="zh-hans",
    )

    line = log_lines().strip().splitlines()[-1]
    assert line.endswith("SMS to +86 138****8000: 取件码 pickup_code: ******，联系 139****9000")


def test_every_line_carries_the_request_id_and_production_logs_are_json():
    code = (
        "import django; django.setup(); from django.test import Client;"
        "Client().get('/no-such-page/', HTTP_X_REQUEST_ID='req-42');"
        "import logging; logging.getLogger('orders').warning('SMS to %s: code pickup_code=%s', '+8613800138000', '918273')"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DEV_MODE", "DEBUG", "LOG_FORMAT")}
    env.update(
        {
            "SECRET_KEY": "x" * 60,
            "DJANGO_SETTINGS_MODULE": "courier_platform.settings",
            "SECURE_SSL_REDIRECT": "0",
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE, env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    not_found = next(line for line in lines if line["logger"] == "django.request")
    assert not_found["request_id"] == "req-42"
    assert not_found["level"] == "WARNING"
    assert not_found["message"] == "Not Found: /no-such-page/"
    assert {"time", "level", "logger", "request_id", "message"} <= set(not_found)
    outside = lines[-1]
    assert outside["request_id"] == "-"
    assert outside["message"] == "SMS to +86 138****8000: code pickup_code=******"


def test_a_response_answers_its_request_id(client, db):
    given = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a")
    made = client.get("/healthz", HTTP_X_REQUEST_ID="not valid!")

    assert given["X-Request-ID"] == "lb-7f3a"
    assert len(made["X-Request-ID"]) == 32 and made["X-Request-ID"] != "not valid!"
