"""Standard Webhooks verification of carrier requests (DESIGN §7.2)."""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from carriers.services import carrier_credentials_rotate
from carriers.webhooks import WebhookVerificationError, sign_payload, verify_carrier_request

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
BODY = json.dumps(
    {"order": "T000000001", "type": "order.accepted", "occurred_at": "2026-11-22T10:00:00+08:00", "data": {}},
    ensure_ascii=False,
).encode()


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def secret(carrier):
    return carrier_credentials_rotate(carrier=carrier)


def _headers(secret, body=BODY, *, at=NOW, msg_id="msg_1"):
    return sign_payload(secret=secret, msg_id=msg_id, timestamp=at, body=body)


def test_sign_payload_follows_the_specification(secret):
    headers = _headers(secret)

    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = hmac.new(key, b"msg_1.%d." % NOW.timestamp() + BODY, hashlib.sha256).digest()
    assert headers == {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(int(NOW.timestamp())),
        "webhook-signature": "v1," + base64.b64encode(expected).decode(),
    }


def test_sign_payload_converts_zoned_timestamps_to_unix_seconds(secret):
    # The package replaces the zone rather than converting: 10:00 in Shanghai must not become 10:00 UTC.
    shanghai = NOW.astimezone(ZoneInfo("Asia/Shanghai"))

    assert _headers(secret, at=shanghai) == _headers(secret, at=NOW)
    assert _headers(secret, at=int(NOW.timestamp())) == _headers(secret, at=NOW)


def test_sign_payload_refuses_naive_timestamps(secret):
    with pytest.raises(ValueError, match="timezone-aware"):
        _headers(secret, at=NOW.replace(tzinfo=None))


def test_valid_signature(carrier, secret):
    verify_carrier_request(carrier=carrier, headers=_headers(secret), body=BODY)


def test_tampered_body(carrier, secret):
    tampered = BODY.replace(b"order.accepted", b"order.signed__")

    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        verify_carrier_request(carrier=carrier, headers=_headers(secret), body=tampered)


def test_tampered_id(carrier, secret):
    headers = {**_headers(secret), "webhook-id": "msg_2"}

    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        verify_carrier_request(carrier=carrier, headers=headers, body=BODY)


@pytest.mark.parametrize(
    ("offset", "reason"),
    [(timedelta(minutes=-6), "too old"), (timedelta(minutes=6), "too new")],
    ids=["stale", "future"],
)
def test_timestamps_more_than_five_minutes_off(carrier, secret, offset, reason):
    with pytest.raises(WebhookVerificationError, match=reason):
        verify_carrier_request(carrier=carrier, headers=_headers(secret, at=NOW + offset), body=BODY)


@pytest.mark.parametrize("offset", [timedelta(minutes=-5), timedelta(minutes=5)], ids=["-5min", "+5min"])
def test_timestamps_within_five_minutes(carrier, secret, offset):
    verify_carrier_request(carrier=carrier, headers=_headers(secret, at=NOW + offset), body=BODY)


def test_non_integer_timestamp_is_refused(carrier, secret):
    headers = {**_headers(secret), "webhook-timestamp": f"{int(NOW.timestamp())}.9"}

    with pytest.raises(WebhookVerificationError, match="Invalid webhook-timestamp"):
        verify_carrier_request(carrier=carrier, headers=headers, body=BODY)


def test_wrong_secret(carrier, other_carrier, secret):
    someone_else = carrier_credentials_rotate(carrier=other_carrier)

    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        verify_carrier_request(carrier=carrier, headers=_headers(someone_else), body=BODY)


def test_previous_secret_valid_after_one_rotation_invalid_after_two(carrier, secret):
    carrier_credentials_rotate(carrier=carrier)
    verify_carrier_request(carrier=carrier, headers=_headers(secret), body=BODY)

    newest = carrier_credentials_rotate(carrier=carrier)

    with pytest.raises(WebhookVerificationError):
        verify_carrier_request(carrier=carrier, headers=_headers(secret), body=BODY)
    verify_carrier_request(carrier=carrier, headers=_headers(newest), body=BODY)


@pytest.mark.parametrize("case", [str.title, str.upper, lambda name: name.replace("webhook", "WebHook")])
def test_headers_in_any_case(carrier, secret, case):
    headers = {case(name): value for name, value in _headers(secret).items()}

    verify_carrier_request(carrier=carrier, headers=headers, body=BODY)


def test_conflicting_spellings_of_a_header_are_refused(carrier, secret):
    headers = {**_headers(secret), "Webhook-Id": "msg_other"}

    with pytest.raises(WebhookVerificationError, match="Conflicting webhook-id"):
        verify_carrier_request(carrier=carrier, headers=headers, body=BODY)


def test_one_of_several_signatures_may_match(carrier, secret):
    headers = _headers(secret)
    headers["webhook-signature"] = "v1,AAAA v2,whatever " + headers["webhook-signature"]

    verify_carrier_request(carrier=carrier, headers=headers, body=BODY)


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_header(carrier, secret, missing):
    headers = _headers(secret)
    del headers[missing]

    with pytest.raises(WebhookVerificationError, match=f"Missing required headers: {missing}"):
        verify_carrier_request(carrier=carrier, headers=headers, body=BODY)


@pytest.mark.parametrize("signature", ["garbage", "v1", "v1,a,b", "v1,!!!"])
def test_malformed_signature_is_a_verification_error(carrier, secret, signature):
    headers = {**_headers(secret), "webhook-signature": signature}

    with pytest.raises(WebhookVerificationError):
        verify_carrier_request(carrier=carrier, headers=headers, body=BODY)


def test_body_that_is_not_utf8_is_refused(carrier, secret):
    with pytest.raises(WebhookVerificationError):
        verify_carrier_request(carrier=carrier, headers=_headers(secret), body=b"\xff\xfe" + BODY)


def test_no_secrets_refuses_everything(carrier):
    forged_secret = "whsec_" + base64.b64encode(b"\0" * 32).decode()

    with pytest.raises(WebhookVerificationError, match="no webhook secret"):
        verify_carrier_request(carrier=carrier, headers=_headers(forged_secret), body=BODY)


def test_revoked_secrets_are_refused_even_when_recent(carrier, secret):
    from carriers.models import CarrierCredential

    CarrierCredential.objects.update(revoked_at=NOW)

    with pytest.raises(WebhookVerificationError, match="no webhook secret"):
        verify_carrier_request(carrier=carrier, headers=_headers(secret), body=BODY)


def test_refusals_are_logged_without_the_secret_or_body(carrier, secret, caplog):
    with pytest.raises(WebhookVerificationError):
        verify_carrier_request(carrier=carrier, headers=_headers(secret), body=BODY + b" ")

    assert "swift-express" in caplog.text and "msg_1" in caplog.text
    assert secret.removeprefix("whsec_") not in caplog.text
    assert "T000000001" not in caplog.text


def test_the_standardwebhooks_package_verifies_what_we_sign(secret):
    from standardwebhooks.webhooks import Webhook

    assert Webhook(secret).verify(BODY, _headers(secret)) == json.loads(BODY)


def test_a_body_that_is_not_utf8_verifies_when_signed_as_sent(carrier, secret):
    # Whether it is UTF-8 is the payload's problem (400), not the signature's (401).
    body = b"\xff\xfe" + BODY

    verify_carrier_request(carrier=carrier, headers=_headers(secret, body=body), body=body)
