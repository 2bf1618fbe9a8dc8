"""Standard Webhooks signing and verification between the platform and carriers (DESIGN §7.2).

Headers ``webhook-id``, ``webhook-timestamp`` (Unix seconds) and ``webhook-signature``
(``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{raw body}">``, several space-separated allowed).
A request without a body (a pull) signs its request line instead: ``"{METHOD} {path}"`` with
``?{query}`` appended when there is one, exactly as sent (``signed_content``), so a captured
signature cannot be replayed with another query string.

Signing and verification are done here over the raw bytes, with the rules of the
``standardwebhooks`` package (HMAC-SHA256, ``v1`` signatures, 5 minutes of tolerance both ways;
the tests check that the package verifies what we sign): the package decodes the body as UTF-8
first, which would turn a non-UTF-8 body that is correctly signed into a signature failure instead
of the invalid payload it is, and it re-derives the key on every call. This module also decides which secrets to try, parses the headers strictly, and turns
every malformed input into ``WebhookVerificationError`` rather than a 500.
"""

import base64
import binascii
import hashlib
import hmac
import logging
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from .headers import MetaHeaders
from .models import Carrier
from .services.credentials import carrier_active_secrets, secret_key
from .services.signing_cache import carrier_signing_get

logger = logging.getLogger(__name__)

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
# Timestamps further than this from the platform's clock are refused (both ways).
TOLERANCE_SECONDS = 5 * 60


class WebhookVerificationError(Exception):
    """The request is not signed by the carrier (missing, malformed, stale or wrong signature)."""


def _signature_headers(headers: Mapping[str, str]) -> dict[str, str]:
    found: dict[str, str] = {}
    if isinstance(headers, MetaHeaders):  # one spelling per name: the three are read by name
        headers = {h: v for h in (ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER) if (v := headers.get(h))}
    for name, value in headers.items():
        key = name.lower()
        if key not in (ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER):
            continue
        # Two spellings of one header with different values: which one was signed is ambiguous.
        if key in found and found[key] != value:
            raise WebhookVerificationError(f"Conflicting {key} headers")
        found[key] = value
    missing = [h for h in (ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER) if not found.get(h)]
    if missing:
        raise WebhookVerificationError(f"Missing required headers: {', '.join(missing)}")
    # The package parses the timestamp as a float and signs its floor, so "1700000000.9" would
    # verify against a signature over "1700000000"; the specification says integer seconds.
    timestamp = found[TIMESTAMP_HEADER]
    if not (timestamp.isascii() and timestamp.isdigit()):
        raise WebhookVerificationError("Invalid webhook-timestamp")
    return found


# Methods whose requests carry no body: they sign the request line instead.
BODYLESS_METHODS = frozenset({"GET", "HEAD"})


def signed_content(*, method: str, full_path: str, body: bytes) -> bytes:
    """What the signature covers: the raw body, or for a GET or HEAD its request line."""
    method = method.upper()
    if method in BODYLESS_METHODS:
        return f"{method} {full_path}".encode()
    return body


def _signatures(header: str) -> list[bytes]:
    found = []
    for versioned in header.split(" "):
        version, sep, encoded = versioned.partition(",")
        if not sep or "," in encoded:
            raise WebhookVerificationError("Malformed signature")
        if version != "v1":
            continue
        try:
            found.append(base64.b64decode(encoded, validate=True))
        except (binascii.Error, ValueError):
            raise WebhookVerificationError("Malformed signature") from None
    return found


def verify_signature(*, keys: Iterable[bytes], headers: Mapping[str, str], content: bytes) -> None:
    """Raise ``WebhookVerificationError`` unless ``content`` is signed with one of ``keys``."""
    signed = _signature_headers(headers)
    timestamp = int(signed[TIMESTAMP_HEADER])
    now = time.time()
    if timestamp < now - TOLERANCE_SECONDS:
        raise WebhookVerificationError("Message timestamp too old")
    if timestamp > now + TOLERANCE_SECONDS:
        raise WebhookVerificationError("Message timestamp too new")
    sent = _signatures(signed[SIGNATURE_HEADER])
    prefix = f"{signed[ID_HEADER]}.{timestamp}.".encode()
    for key in keys:
        if not key:
            continue
        expected = hmac.new(key, prefix + content, hashlib.sha256).digest()
        if any(hmac.compare_digest(expected, signature) for signature in sent):
            return
    raise WebhookVerificationError("No matching signature found")


def verify_carrier_request(
    *, carrier: Carrier, headers: Mapping[str, str], body: bytes, keys: Iterable[bytes] | None = None
) -> None:
    """Raise ``WebhookVerificationError`` unless ``body`` is signed with one of the carrier's secrets.

    ``body`` is what was signed: the raw request bytes exactly as received, or the request line of a
    request without a body (``signed_content``). Header names match in any case. A carrier without
    a valid secret is refused, never let through. ``keys`` are the carrier's HMAC keys when the
    caller has them already (the in-process carrier cache); otherwise they are read here.
    """
    if keys is None:
        keys = [secret_key(secret) for secret in carrier_active_secrets(carrier)]
    keys = list(keys)
    try:
        if not keys:
            raise WebhookVerificationError("The carrier has no webhook secret")
        verify_signature(keys=keys, headers=headers, content=body)
    except WebhookVerificationError as exc:
        webhook_id = str(headers.get(ID_HEADER) or headers.get("Webhook-Id") or "")
        logger.warning("carrier %s: webhook %r refused: %s", carrier.code, webhook_id[:100], exc)
        raise


def carrier_signature_check(*, code: str, headers: Mapping[str, str], content: bytes) -> Carrier:
    """Verify a request of the active carrier ``code`` against its cached keys, then (perhaps it was
    signed with a secret issued since this process cached them) against fresh ones.

    Returns the carrier as verified; raises ``WebhookVerificationError``, or ``LookupError`` when
    there is no such active carrier.
    """
    signing = carrier_signing_get(code)
    if signing is None:
        raise LookupError(code)
    try:
        verify_signature(keys=signing.keys, headers=headers, content=content)
    except WebhookVerificationError:
        fresh = carrier_signing_get(code, fresh=True)
        if fresh is None:
            raise LookupError(code) from None
        verify_carrier_request(carrier=fresh.carrier, headers=headers, body=content, keys=fresh.keys)
        return fresh.carrier
    return signing.carrier


def sign_payload(
    *, secret: str, msg_id: str, timestamp: datetime | int | None = None, body: bytes
) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body`` (the exact bytes sent), signed with ``secret``.

    Signs the bytes as they are, like ``verify_signature`` checks them, so a test can sign a body
    that is not UTF-8; for UTF-8 bodies this is exactly ``standardwebhooks.Webhook(secret).sign``.

    ``timestamp`` is an aware datetime or Unix seconds; it defaults to now.
    """
    if not msg_id:
        raise ValueError("msg_id is required")
    if timestamp is None:
        moment = datetime.now(tz=UTC)
    elif isinstance(timestamp, datetime):
        if timestamp.tzinfo is None:
            raise ValueError("timestamp must be timezone-aware")
        # The package replaces (not converts) the zone with UTC, so convert first.
        moment = timestamp.astimezone(UTC)
    else:
        moment = datetime.fromtimestamp(int(timestamp), tz=UTC)
    seconds = int(moment.timestamp())
    digest = hmac.new(secret_key(secret), f"{msg_id}.{seconds}.".encode() + body, hashlib.sha256).digest()
    return {
        ID_HEADER: msg_id,
        TIMESTAMP_HEADER: str(seconds),
        SIGNATURE_HEADER: "v1," + base64.b64encode(digest).decode("ascii"),
    }


def sign_request(
    *, secret: str, msg_id: str, method: str, full_path: str, timestamp: datetime | int | None = None
) -> dict[str, str]:
    """The headers of a request without a body (a pull), signed over its request line.

    ``full_path`` is the path with ``?query`` exactly as it will be sent, e.g.
    ``/api/v1/carriers/swift-express/orders/?status=placed``.
    """
    content = signed_content(method=method, full_path=full_path, body=b"")
    return sign_payload(secret=secret, msg_id=msg_id, timestamp=timestamp, body=content)
