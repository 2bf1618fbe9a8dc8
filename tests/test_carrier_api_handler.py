"""The WSGI application sends the signed carrier API through its short middleware chain
(``courier_platform.handlers``) and everything else through the whole one.

Driven through the application as a WSGI server calls it (the test client has its own handler with
the whole chain), outside a test transaction like a real request.
"""

import io
import json
import sys

import pytest
from csp.utils import build_policy
from django.contrib.sessions.middleware import SessionMiddleware

from carriers.services import carrier_credentials_rotate
from carriers.webhooks import sign_payload, sign_request
from courier_platform.handlers import Application
from orders.models import OrderEvent, Status
from orders.tests.carrier_events_support import EVENTS_URL, NOW, ORDERS_URL, body, minutes_ago, order_at

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


def call(app, method: str, path: str, *, data: bytes = b"", headers: dict | None = None):
    path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(data),
        "wsgi.errors": sys.stderr,
        "CONTENT_LENGTH": str(len(data)),
        "CONTENT_TYPE": "application/json" if data else "",
    }
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    started = {}

    def start_response(status, response_headers, exc_info=None):
        started["status"] = int(status.split()[0])
        started["headers"] = response_headers

    result = app(environ, start_response)
    try:
        content = b"".join(result)
    finally:
        result.close()
    return started["status"], started["headers"], content


def names(headers) -> set[str]:
    return {name.lower() for name, _ in headers}


@pytest.fixture
def sessions_opened(monkeypatch) -> list[str]:
    """The paths the session middleware ran for."""
    opened = []
    original = SessionMiddleware.process_request

    def spy(self, request):
        opened.append(request.path)
        return original(self, request)

    monkeypatch.setattr(SessionMiddleware, "process_request", spy)
    return opened


def test_a_callback_takes_the_short_chain_and_keeps_the_answers_headers(carrier, customer, sessions_opened):
    app = Application()
    secret = carrier_credentials_rotate(carrier=carrier)
    order = order_at(carrier, customer, Status.IN_TRANSIT)
    data = json.dumps(
        body(
            order, "order.in_transit", minutes_ago(5), {"location": "深圳转运中心", "description": "已到达"}
        ),
        ensure_ascii=False,
    ).encode()
    signed = sign_payload(secret=secret, msg_id="evt-short-1", body=data)

    status, headers, content = call(
        app, "POST", EVENTS_URL.format(code=carrier.code), data=data, headers=signed
    )

    assert (status, json.loads(content)) == (200, {"result": "recorded"})
    assert OrderEvent.objects.filter(order=order, source_event_id="evt-short-1").count() == 1
    assert sessions_opened == []
    present = names(headers)
    # What every answer carries (the request id, the security headers) and no session machinery.
    assert {
        "x-request-id",
        "content-security-policy",
        "permissions-policy",
        "x-content-type-options",
        "referrer-policy",
        "x-frame-options",
    } <= present
    assert "set-cookie" not in present
    assert {k.lower(): v for k, v in headers}["vary"] == "Accept-Language"
    # The policy built once is the one django-csp builds from the settings.
    assert {k.lower(): v for k, v in headers}["content-security-policy"] == build_policy()


def test_a_pull_takes_the_short_chain(carrier, customer):
    app = Application()
    secret = carrier_credentials_rotate(carrier=carrier)
    placed = order_at(carrier, customer)
    path = ORDERS_URL.format(code=carrier.code) + "?status=placed"

    status, _, content = call(
        app, "GET", path, headers=sign_request(secret=secret, msg_id="pull-1", method="GET", full_path=path)
    )

    assert status == 200
    assert [o["number"] for o in json.loads(content)["results"]] == [placed.number]


def test_an_error_on_the_short_chain_is_in_the_readers_language(carrier):
    app = Application()
    carrier_credentials_rotate(carrier=carrier)

    status, _, content = call(
        app,
        "POST",
        EVENTS_URL.format(code=carrier.code),
        data=b"{}",
        headers={
            "webhook-id": "x",
            "webhook-timestamp": "1",
            "webhook-signature": "v1,AAAA",
            "accept-language": "en",
        },
    )

    assert status == 401
    assert json.loads(content)["detail"] == "Bad or stale signature (Message timestamp too old)."


def test_the_size_ceiling_holds_on_the_short_chain(carrier, settings):
    app = Application()
    settings.REQUEST_MAX_BYTES = 10

    status, _, content = call(
        app, "POST", EVENTS_URL.format(code=carrier.code), data=b'{"order": "0123456789"}'
    )

    assert status == 413
    assert json.loads(content)["error"] == "request_too_large"


def test_pages_keep_the_whole_chain(sessions_opened):
    app = Application()

    status, headers, _ = call(app, "GET", "/accounts/login/")

    assert status == 200
    assert sessions_opened == ["/accounts/login/"]
    # The session and CSRF middleware ran: the login form's CSRF cookie is set.
    assert any(name.lower() == "set-cookie" and "csrftoken=" in value for name, value in headers)
