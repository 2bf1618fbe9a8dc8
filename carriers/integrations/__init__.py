"""Carrier integrations as plug-ins (DESIGN §7.4): one module per protocol, one registry.

The interface is in :mod:`.base`; :mod:`.standard_webhooks` is the platform's own protocol
(DESIGN §7.1–7.2) and :mod:`.manual` the same without pushing (the carrier pulls).
"""

from .base import (
    EventAnswer,
    InboundOutcome,
    InboundRequest,
    Integration,
    InvalidRequest,
    OutboundMessage,
    PlatformEvent,
    RequestRefused,
    SendResult,
    SendStatus,
)
from .registry import (
    INTEGRATIONS,
    carriers_served_by,
    effective_integration_name,
    integration_choices,
    integration_for,
    integration_override_register,
    integration_register,
    pickup_code_carried,
    pickup_code_required,
)

__all__ = [
    "INTEGRATIONS",
    "EventAnswer",
    "InboundOutcome",
    "InboundRequest",
    "Integration",
    "InvalidRequest",
    "OutboundMessage",
    "PlatformEvent",
    "RequestRefused",
    "SendResult",
    "SendStatus",
    "carriers_served_by",
    "effective_integration_name",
    "integration_choices",
    "integration_for",
    "integration_override_register",
    "integration_register",
    "pickup_code_carried",
    "pickup_code_required",
]
