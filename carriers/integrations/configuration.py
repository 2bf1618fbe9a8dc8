"""Choosing a carrier's integration and its settings (DESIGN §7.4, §7.5).

Used by the admin and by ``manage.py carrier_integration``. Secrets are never shown again once
stored: :func:`integration_settings_masked` is what any screen or printout shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from ..models import Carrier
from .registry import INTEGRATIONS

SECRET_MASK = "********"


class IntegrationSettingsError(ValueError):
    """An unknown integration or setting; the message says which and what is known."""


def integration_settings_masked(name: str, stored: Mapping[str, Any]) -> dict[str, Any]:
    """The settings as shown anywhere: a stored secret is the mask, an unset one stays empty."""
    integration = INTEGRATIONS.get(name)
    secret = integration.secret_fields if integration else frozenset()
    return {key: SECRET_MASK if key in secret and value else value for key, value in stored.items()}


def pickup_code_requirement(*, integration: str, requested: bool) -> bool:
    """The carrier's pickup-code requirement once it speaks ``integration``: off whenever the
    protocol cannot carry the code (DESIGN §7.5), as asked otherwise."""
    chosen = INTEGRATIONS.get(integration)
    return requested and (chosen is None or chosen.carries_pickup_code)


def carrier_integration_configure(
    *, carrier: Carrier, integration: str, values: Mapping[str, str] | None = None
) -> Carrier:
    """Make ``carrier`` speak ``integration`` with ``values`` set (the other settings kept, those
    the integration does not know dropped). Raises ``IntegrationSettingsError``."""
    chosen = INTEGRATIONS.get(integration)
    if chosen is None:
        known = ", ".join(sorted(INTEGRATIONS))
        raise IntegrationSettingsError(f"No integration named {integration!r} (known: {known}).")
    values = dict(values or {})
    unknown = sorted(set(values) - set(chosen.settings_fields))
    if unknown:
        known = ", ".join(chosen.settings_fields) or "none"
        raise IntegrationSettingsError(
            f"{integration} has no setting {', '.join(unknown)} (its settings: {known})."
        )
    stored = carrier.integration_settings or {}
    settings = {key: values.get(key, stored.get(key, "")) for key in chosen.settings_fields}
    with transaction.atomic():
        carrier.integration = integration
        carrier.integration_settings = settings
        fields = ["integration", "integration_settings", "updated_at"]
        required = pickup_code_requirement(integration=integration, requested=carrier.requires_pickup_code)
        if required != carrier.requires_pickup_code:
            carrier.requires_pickup_code = required
            fields.append("requires_pickup_code")
        carrier.save(update_fields=fields)
    return carrier
