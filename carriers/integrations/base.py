"""The interface every carrier integration implements (DESIGN §7.4).

An integration is one protocol a carrier speaks. It has four jobs, all of them about the wire and
none about orders:

- ``send(message)`` delivers one outbound message (``order.created``, ``order.cancelled`` …) in the
  carrier's format and says how it went: :meth:`SendResult.delivered`, :meth:`SendResult.retry`
  (with a reason; the outbox backs off and tries again) or :meth:`SendResult.failed` (for good: a
  business refusal that trying again will not change);
- ``parse(request, carrier=…)`` verifies the inbound request over its raw bytes and turns it into
  zero or more :class:`PlatformEvent` (DESIGN §7.2 types, with ``occurred_at`` and a stable id to
  de-duplicate on). It raises :class:`RequestRefused` when the request is not the carrier's (bad
  signature) and :class:`InvalidRequest` when it is the carrier's but cannot be read;
- ``acknowledge(outcome)`` is the HTTP answer in the carrier's format, given what became of the
  request (:class:`InboundOutcome`);
- ``pulls`` says whether the carrier may fetch its orders from the signed pull API.

The platform validates each event against the event registry and judges it; an integration never
touches orders, so adding a protocol is adding one module and registering it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from django.http import HttpResponse, JsonResponse

from ..models import Carrier

# --- outbound --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboundMessage:
    """One platform → carrier message; ``id`` is unique and the carrier de-duplicates on it."""

    id: str
    type: str  # order.created, order.cancelled, order.expired …
    payload: Mapping[str, Any]
    carrier: Carrier


class SendStatus(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True)
class SendResult:
    status: SendStatus
    reason: str = ""
    # A business refusal of a booking as the user is told it (the carrier's own words): the order
    # is then handled like ``order.dispatch_failed`` (DESIGN §7.5).
    user_reason: str = ""
    # What the carrier answered that the platform keeps (its own order ids, a waybill number).
    references: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def delivered(cls, **references: Any) -> SendResult:
        return cls(SendStatus.DELIVERED, references=references)

    @classmethod
    def retry(cls, reason: str) -> SendResult:
        return cls(SendStatus.RETRY, reason=reason)

    @classmethod
    def failed(cls, reason: str, *, user_reason: str = "") -> SendResult:
        return cls(SendStatus.FAILED, reason=reason, user_reason=user_reason or reason)


# --- inbound ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboundRequest:
    """What arrived at ``/api/v1/carriers/{code}/events/``: the raw bytes, as received."""

    method: str
    full_path: str  # the path with ``?query`` exactly as sent
    headers: Mapping[str, str]  # case-insensitive (carriers.headers.MetaHeaders)
    body: bytes
    content_type: str = ""


@dataclass(frozen=True)
class PlatformEvent:
    """One carrier event in the platform's terms, as the carrier's request gave it.

    ``envelope`` is the event in the platform's own JSON shape (DESIGN §7.2): ``{"order", "type",
    "occurred_at", "data"}`` with the §7.2 type, the order's platform number, ISO 8601 time with its
    offset and the type's data. The platform validates it against the event registry: an
    integration translates, it does not judge. ``id`` is stable across the carrier's retries (a
    duplicate is recognised by it; at most 100 characters). ``payload`` is what the carrier event
    log keeps for this event (the carrier's own message, secrets left out; default the envelope).
    """

    id: str
    envelope: Any
    payload: Any = None


class RequestRefused(Exception):
    """The request is not the carrier's (missing, bad or stale signature): nothing is recorded."""

    def __init__(self, reason: Any):
        self.reason = reason
        super().__init__(str(reason))


class InvalidRequest(Exception):
    """The carrier's request cannot be read (not UTF-8, not JSON, a field the protocol needs).

    ``detail`` is what the answer says (text or field errors), ``message`` the reason in one line for
    the log (default: ``detail``), ``payload`` what the log keeps, and
    ``event_id`` the id the request would have had: a refused request whose id was taken before is a
    re-delivery of an applied event (a duplicate), unless ``check_duplicate`` is off.
    """

    def __init__(
        self,
        detail: Any,
        *,
        message: Any = None,
        payload: Any = None,
        event_id: str = "",
        check_duplicate: bool = True,
    ):
        self.detail = detail
        self.message = str(message if message is not None else detail)
        self.payload = payload
        self.event_id = event_id
        self.check_duplicate = check_duplicate
        super().__init__(str(detail))


@dataclass(frozen=True)
class EventAnswer:
    """What became of one event: ``result`` is a ``CarrierEventResult`` value (applied, recorded,
    duplicate, illegal, not_found, invalid); ``error``/``detail`` explain a refusal and ``status`` is
    the order's current status after an illegal move."""

    result: str
    event_id: str = ""
    error: str = ""
    detail: Any = None
    status: str = ""


@dataclass(frozen=True)
class InboundOutcome:
    """What became of one request: refused as a whole, or one answer per event (maybe none)."""

    answers: tuple[EventAnswer, ...] = ()
    refused: RequestRefused | None = None


def answer_json(data: dict, *, status: int = 200) -> JsonResponse:
    # Byte for byte what the API's JSON renderer writes (compact, UTF-8).
    return JsonResponse(
        data, status=status, json_dumps_params={"ensure_ascii": False, "separators": (",", ":")}
    )


# --- the interface ---------------------------------------------------------------------------------


class Integration:
    """Base class of the integrations; subclasses set ``name`` and implement the four jobs."""

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    # Settings the admin edits for a carrier (``Carrier.integration_settings``), secrets write-only.
    settings_fields: ClassVar[tuple[str, ...]] = ()
    secret_fields: ClassVar[frozenset[str]] = frozenset()
    # Whether the carrier may fetch its orders with the signed pull API (DESIGN §7.2).
    pulls: ClassVar[bool] = False
    # Whether the protocol can carry the platform's pickup code back with ``order.picked_up``
    # (DESIGN §3.2). Where it cannot (§7.5), the pickup code is never required of the carrier and
    # the user confirms the courier by name and phone instead.
    carries_pickup_code: ClassVar[bool] = True
    # Whether an event the platform refuses as an illegal move is kept on the order's timeline as a
    # carrier note and acknowledged. The platform's own protocol answers 409 (a contract its
    # carriers act on); carriers of the published protocols cannot act on a refusal and would
    # re-send the event until they give up, so the event would be lost (DESIGN §7.5).
    keeps_refused_moves: ClassVar[bool] = False

    def send(self, message: OutboundMessage) -> SendResult:
        raise NotImplementedError

    def parse(self, request: InboundRequest, *, carrier: Carrier) -> list[PlatformEvent]:
        raise NotImplementedError

    def acknowledge(self, outcome: InboundOutcome) -> HttpResponse:
        raise NotImplementedError

    def refuse(self, *, status: int, error: str, detail: str) -> HttpResponse:
        """The answer to a request refused before it is read (a body over the size limit, the
        platform unable to serve it now), in the carrier's format; by default the platform's JSON
        error ``{"error", "detail"}``."""
        return answer_json({"error": error, "detail": detail}, status=status)

    def settings_of(self, carrier: Carrier) -> dict[str, Any]:
        """The carrier's settings for this integration (only the known keys)."""
        stored = carrier.integration_settings or {}
        return {key: stored.get(key, "") for key in self.settings_fields}
