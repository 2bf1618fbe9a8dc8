"""``MetaHeaders``: a request's headers read from the environ, as ``request.headers`` reads them."""

import pytest
from django.http.request import HttpHeaders
from django.test import RequestFactory

from carriers.headers import MetaHeaders

META = {
    "HTTP_WEBHOOK_ID": "msg_1",
    "HTTP_WEBHOOK_TIMESTAMP": "1700000000",
    "CONTENT_TYPE": "application/json",
    "CONTENT_LENGTH": "12",
    "REMOTE_ADDR": "127.0.0.1",
    "wsgi.input": None,
}


@pytest.mark.parametrize(
    "name", ["webhook-id", "Webhook-Id", "webhook_id", "WEBHOOK-TIMESTAMP", "content-type", "Content-Length"]
)
def test_a_header_by_any_spelling_is_what_django_reads(name):
    assert MetaHeaders(META)[name] == HttpHeaders(META)[name]


@pytest.mark.parametrize("name", ["webhook-signature", "remote-addr", "wsgi.input", "http-webhook-id"])
def test_what_django_does_not_call_a_header_is_missing(name):
    assert MetaHeaders(META).get(name) is None
    assert HttpHeaders(META).get(name) is None
    with pytest.raises(KeyError):
        MetaHeaders(META)[name]


def test_iterating_gives_django_s_names_and_values():
    headers = MetaHeaders(META)

    assert dict(headers.items()) == dict(HttpHeaders(META).items())
    assert len(headers) == 4 and "Webhook-Id" in headers


def test_a_real_request_s_headers():
    request = RequestFactory().post("/x/", b"{}", content_type="application/json", HTTP_WEBHOOK_ID="msg_2")

    assert MetaHeaders(request.META)["webhook-id"] == request.headers["webhook-id"] == "msg_2"
    assert dict(MetaHeaders(request.META)) == dict(request.headers)
