"""Outbound adapters: how a platform → carrier message reaches a carrier (DESIGN §7.1).

The outbox calls ``get_adapter(carrier).send(...)``; ``send`` returns once the carrier has the
message and raises ``DeliveryError`` when it should be retried later. Adapters hold no state
between calls and never retry themselves: backoff belongs to the outbox.

The ``simulator`` adapter plays the carrier against the platform's own orders, so it lives in
``orders.simulator`` and is imported when first used. While ``CARRIER_SIMULATOR`` is on (``make
run``), the demo carriers left on ``manual`` are simulated too.
"""

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from http.client import HTTPException
from typing import Any, Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q, QuerySet
from django.utils import timezone

from .demo import CARRIERS as DEMO_CARRIERS
from .models import Adapter, Carrier
from .services.credentials import carrier_active_secrets
from .webhooks import sign_payload

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 5.0  # seconds, per connect and per read
USER_AGENT = "courier-platform-webhooks/1"


class DeliveryError(Exception):
    """The carrier did not take the message; the outbox retries it. ``status`` is the HTTP status
    when the carrier answered, None when it could not be reached or the send was not attempted."""

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.status = status


class CarrierAdapter(Protocol):
    def send(
        self, *, carrier: Carrier, message_id: str, event_type: str, payload: dict[str, Any]
    ) -> None: ...


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # urllib would follow a 302 from a POST with a GET and report the 200 of wherever it landed
    # (a login page, say) as delivered. A redirect is the carrier's misconfiguration: fail.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class HttpAdapter:
    """Signed JSON POST to ``carrier.endpoint_url`` (Standard Webhooks, newest secret).

    Body: ``{"type": event_type, "timestamp": ISO 8601, "data": payload}``, the payload structure
    Standard Webhooks recommends; ``webhook-id`` is the message id the carrier de-duplicates on.
    """

    def __init__(self, *, timeout: float = DEFAULT_TIMEOUT):
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirects)

    def send(self, *, carrier: Carrier, message_id: str, event_type: str, payload: dict[str, Any]) -> None:
        url = carrier.endpoint_url
        if urlsplit(url).scheme not in ("http", "https"):
            raise DeliveryError(f"carrier {carrier.code} has no http(s) endpoint URL")
        secrets = carrier_active_secrets(carrier)
        if not secrets:
            # Never push unsigned: the carrier could not tell us from anyone else.
            raise DeliveryError(f"carrier {carrier.code} has no webhook secret")

        now = timezone.now()
        body = json.dumps(
            {"type": event_type, "timestamp": now.isoformat(), "data": payload},
            cls=DjangoJSONEncoder,
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")
        headers = sign_payload(secret=secrets[0], msg_id=message_id, timestamp=now, body=body)
        request = urllib.request.Request(  # noqa: S310  (scheme checked above)
            url,
            data=body,
            method="POST",
            headers={**headers, "Content-Type": "application/json", "User-Agent": USER_AGENT},
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            exc.close()
            raise DeliveryError(f"carrier {carrier.code} answered HTTP {exc.code}", status=exc.code) from None
        except (OSError, HTTPException, ValueError) as exc:
            # OSError covers URLError, refused connections and timeouts. The URL is left out of the
            # message: it is stored and shown in the admin, and may carry credentials.
            cause = getattr(exc, "reason", None)
            kind = type(cause if isinstance(cause, BaseException) else exc).__name__
            raise DeliveryError(f"carrier {carrier.code} could not be reached ({kind})") from exc
        if not 200 <= status < 300:
            raise DeliveryError(f"carrier {carrier.code} answered HTTP {status}", status=status)
        logger.info("carrier %s: %s %s delivered", carrier.code, event_type, message_id)


class ManualAdapter:
    """Nothing is pushed: the carrier pulls new orders from the carrier API."""

    def send(self, *, carrier: Carrier, message_id: str, event_type: str, payload: dict[str, Any]) -> None:
        return None


def _simulator() -> CarrierAdapter:
    from orders.simulator import SimulatorAdapter  # orders builds on carriers, not the reverse

    return SimulatorAdapter()


ADAPTERS: dict[str, Callable[[], CarrierAdapter]] = {
    Adapter.HTTP: HttpAdapter,
    Adapter.SIMULATOR: _simulator,
    Adapter.MANUAL: ManualAdapter,
}


def _simulated() -> Q:
    condition = Q(adapter=Adapter.SIMULATOR)
    if settings.CARRIER_SIMULATOR:
        condition |= Q(adapter=Adapter.MANUAL, code__in=list(DEMO_CARRIERS))
    return condition


def simulated_carriers() -> QuerySet[Carrier]:
    """Carriers the built-in simulator works for: adapter ``simulator``, and the demo carriers left
    on ``manual`` while ``CARRIER_SIMULATOR`` is on."""
    return Carrier.objects.filter(_simulated())


def effective_adapter(carrier: Carrier) -> str:
    """The adapter kind ``carrier`` is served by right now (see :func:`simulated_carriers`)."""
    if carrier.adapter == Adapter.MANUAL and settings.CARRIER_SIMULATOR and carrier.code in DEMO_CARRIERS:
        return Adapter.SIMULATOR
    return carrier.adapter


def get_adapter(carrier: Carrier) -> CarrierAdapter:
    """The adapter for ``carrier``; ``LookupError`` if none is registered for its kind."""
    kind = effective_adapter(carrier)
    try:
        factory = ADAPTERS[kind]
    except KeyError:
        raise LookupError(f"no adapter registered for '{kind}' (carrier {carrier.code})") from None
    return factory()
