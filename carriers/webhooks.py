"""Standard Webhooks signing and verification between the platform and carriers (DESIGN §7.2).

Headers ``webhook-id``, ``webhook-timestamp`` (Unix seconds) and ``webhook-signature``
(``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{raw body}">``, several space-separated allowed).
The ``standardwebhooks`` package does the cryptography and the 5-minute tolerance (both ways);
this module adds what it leaves to the caller: which secrets to try, strict header parsing, and
turning every malformed input into ``WebhookVerificationError`` rather than a 500.
"""

import logging
from collections.abc import Mapping
from datetime import UTC, datetime

from standardwebhooks.webhooks import EmptyWebhookSecretError, Webhook
from standardwebhooks.webhooks import WebhookVerificationError as _PackageVerificationError

from .models import Carrier
from .services.credentials import carrier_active_secrets

logger = logging.getLogger(__name__)

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"


class WebhookVerificationError(Exception):
    """The request is not signed by the carrier (missing, malformed, stale or wrong signature)."""


def _signature_headers(headers: Mapping[str, str]) -> dict[str, str]:
    found: dict[str, str] = {}
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


def verify_carrier_request(*, carrier: Carrier, headers: Mapping[str, str], body: bytes) -> None:
    """Raise ``WebhookVerificationError`` unless ``body`` is signed with one of the carrier's secrets.

    ``body`` must be the raw request bytes, exactly as received. Header names match in any case.
    A carrier without a valid secret is refused, never let through.
    """
    signed = _signature_headers(headers)
    secrets = carrier_active_secrets(carrier)
    if not secrets:
        raise WebhookVerificationError("The carrier has no webhook secret")
    reason = "No matching signature found"
    for secret in secrets:
        try:
            Webhook(secret).verify(body, signed, json_parse=False)
        except _PackageVerificationError as exc:
            reason = str(exc)
        except (ValueError, EmptyWebhookSecretError):
            # ValueError covers a body that is not UTF-8 and a malformed signature list
            # ("v1" without a comma, bad base64); neither can match any secret.
            reason = "Malformed signature or body"
        else:
            return
    logger.warning("carrier %s: webhook %r refused: %s", carrier.code, signed[ID_HEADER][:100], reason)
    raise WebhookVerificationError(reason)


def sign_payload(
    *, secret: str, msg_id: str, timestamp: datetime | int | None = None, body: bytes
) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body`` (UTF-8 bytes), signed with ``secret``.

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
    moment = moment.replace(microsecond=0)
    signature = Webhook(secret).sign(msg_id=msg_id, timestamp=moment, data=body.decode("utf-8"))
    return {
        ID_HEADER: msg_id,
        TIMESTAMP_HEADER: str(int(moment.timestamp())),
        SIGNATURE_HEADER: signature,
    }
