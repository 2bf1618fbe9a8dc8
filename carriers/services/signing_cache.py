"""The carriers that sign API calls and their HMAC keys, cached in this process (DESIGN §7.2).

Every carrier API call needs the carrier named in the URL and its valid secrets; reading both from
the database on every callback was a fifth of the callback's time. The cache is per process and
per carrier code. It is dropped

- in this process, when a carrier or one of its secrets is saved or deleted, once that commits
  (signals below; a rotation's revocation commits together with the new secret), and
- in every process, after ``CARRIER_CACHE_SECONDS`` (default 30), so an admin edit made in another
  process (deactivating a carrier, a rotation that revokes the oldest secret) holds everywhere
  within that time.

A newly issued secret works everywhere at once: a signature that fails against cached keys is
checked again against fresh ones before it is refused (``carrier_signing_get(fresh=True)``).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from ..models import Carrier, CarrierCredential
from .credentials import carrier_active_secrets, secret_key


@dataclass(frozen=True)
class CarrierSigning:
    """An active carrier and the HMAC keys of its valid secrets, newest first."""

    carrier: Carrier
    keys: tuple[bytes, ...]


# code -> (the entry, or None for no such active carrier; when it was loaded)
_entries: dict[str, tuple[CarrierSigning | None, float]] = {}
_lock = threading.Lock()


def carrier_signing_get(code: str, *, fresh: bool = False) -> CarrierSigning | None:
    """The active carrier ``code`` and its keys, or None when there is no such active carrier."""
    now = time.monotonic()
    cached = _entries.get(code)
    if not fresh and cached is not None and now - cached[1] < settings.CARRIER_CACHE_SECONDS:
        return cached[0]
    carrier = Carrier.objects.filter(code=code, active=True).first()
    entry = None
    if carrier is not None:
        entry = CarrierSigning(
            carrier=carrier, keys=tuple(secret_key(s) for s in carrier_active_secrets(carrier))
        )
    with _lock:
        _entries[code] = (entry, now)
    return entry


def carrier_signing_forget() -> None:
    """Drop every cached entry (a carrier's code may change, so not one by one)."""
    with _lock:
        _entries.clear()


@receiver([post_save, post_delete], sender=Carrier, dispatch_uid="carrier_signing_carrier_changed")
def _carrier_changed(sender, instance: Carrier, **kwargs) -> None:
    # Now, and again after commit: a request reloading before then would cache the old rows.
    carrier_signing_forget()
    transaction.on_commit(carrier_signing_forget)


@receiver([post_save, post_delete], sender=CarrierCredential, dispatch_uid="carrier_signing_secret_changed")
def _secret_changed(sender, instance: CarrierCredential, **kwargs) -> None:
    # The rotation's revocation (a queryset update, no signal) commits together with the new row.
    carrier_signing_forget()
    transaction.on_commit(carrier_signing_forget)
