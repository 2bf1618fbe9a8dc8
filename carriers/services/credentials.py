"""Carrier webhook secrets (DESIGN §7.2): issue, rotate, and list the ones that verify.

A carrier signs callbacks (and we sign pushes to it) with a Standard Webhooks secret
``whsec_<base64>``. Rotation must not break a carrier mid-deploy, so the previous secret stays
valid: exactly the two newest unrevoked secrets verify, and issuing a third revokes the oldest.
"""

import base64
import binascii
import logging
import secrets

from django.db import transaction
from django.utils import timezone

from ..models import Carrier, CarrierCredential

logger = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"
# RFC 2104 discourages HMAC keys shorter than the hash output (32 bytes for SHA-256).
SECRET_BYTES = 32
VALID_SECRETS = 2


def _new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def carrier_credentials_rotate(*, carrier: Carrier) -> str:
    """Issue a new secret for ``carrier`` and return it; it is shown once and never logged."""
    secret = _new_secret()
    now = timezone.now()
    with transaction.atomic():
        # Lock the carrier so two concurrent rotations cannot leave three secrets valid.
        Carrier.objects.select_for_update().filter(pk=carrier.pk).exists()
        CarrierCredential.objects.create(carrier=carrier, secret=secret, created_at=now)
        unrevoked = CarrierCredential.objects.filter(carrier=carrier, revoked_at__isnull=True)
        # Newest by primary key, not created_at: a clock stepping back must not revoke the new one.
        keep = list(unrevoked.order_by("-pk").values_list("pk", flat=True)[:VALID_SECRETS])
        revoked = unrevoked.exclude(pk__in=keep).update(revoked_at=now)
    logger.info("webhook secret rotated for carrier %s (%d revoked)", carrier.code, revoked)
    return secret


def carrier_active_secrets(carrier: Carrier) -> list[str]:
    """The secrets that verify for ``carrier``, newest first (at most two)."""
    return list(
        CarrierCredential.objects.filter(carrier=carrier, revoked_at__isnull=True)
        .order_by("-pk")
        .values_list("secret", flat=True)[:VALID_SECRETS]
    )


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_<base64>`` secret (what the package derives on every call)."""
    try:
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX) + "==")
    except (binascii.Error, ValueError):
        return b""
