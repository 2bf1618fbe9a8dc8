"""Which integrations exist, and which one serves a carrier (DESIGN §7.4).

The built-in ones register when the carriers app is ready; another app (the development simulator,
a test) registers its own with :func:`integration_register`. ``Carrier.integration`` names one.
"""

from __future__ import annotations

from collections.abc import Callable

from ..models import Carrier
from .base import Integration

# name -> the integration (integrations hold no state between calls: one instance serves all).
INTEGRATIONS: dict[str, Integration] = {}
# Functions that may serve a carrier by another integration than its own (the simulator plays the
# demo carriers while it is on); the first that names one wins.
OVERRIDES: list[Callable[[Carrier], str | None]] = []


def integration_register(integration: Integration, *, replace: bool = False) -> Integration:
    """Make ``integration`` available under its ``name``; registering a name twice is a mistake."""
    if not integration.name:
        raise ValueError(f"{type(integration).__name__} has no name")
    if integration.name in INTEGRATIONS and not replace:
        raise ValueError(f"an integration named {integration.name!r} is registered already")
    INTEGRATIONS[integration.name] = integration
    return integration


def integration_override_register(override: Callable[[Carrier], str | None]) -> None:
    if override not in OVERRIDES:
        OVERRIDES.append(override)


def integration_choices() -> list[tuple[str, str]]:
    """(name, label) of every registered integration, for the admin."""
    return [(name, str(integration.label or name)) for name, integration in sorted(INTEGRATIONS.items())]


def effective_integration_name(carrier: Carrier) -> str:
    """The integration ``carrier`` is served by right now (its own, unless an override says)."""
    for override in OVERRIDES:
        name = override(carrier)
        if name:
            return name
    return carrier.integration


def integration_for(carrier: Carrier) -> Integration:
    """The integration serving ``carrier``; ``LookupError`` if none is registered by that name."""
    name = effective_integration_name(carrier)
    try:
        return INTEGRATIONS[name]
    except KeyError:
        raise LookupError(f"no integration registered for '{name}' (carrier {carrier.code})") from None


def carriers_served_by(name: str) -> list[Carrier]:
    """The active carriers the integration ``name`` serves right now (as their own integration, or
    by an override, as the simulator plays the demo carriers)."""
    return [
        carrier
        for carrier in Carrier.objects.filter(active=True).order_by("code")
        if effective_integration_name(carrier) == name
    ]


def pickup_code_carried(carrier: Carrier) -> bool:
    """Whether the integration serving ``carrier`` can bring the pickup code back (DESIGN §3.2,
    §7.5): where it cannot, the code is neither shown to the user nor required of the carrier."""
    try:
        return integration_for(carrier).carries_pickup_code
    except LookupError:
        return True


def pickup_code_required(carrier: Carrier) -> bool:
    """Whether ``order.picked_up`` from ``carrier`` must bring the order's pickup code."""
    return carrier.requires_pickup_code and pickup_code_carried(carrier)
