"""Deployment checks (``manage.py check --deploy``) for settings a carrier depends on.

``PLATFORM_URL`` is the address carriers reach this platform at: Kuaidi100 bookings carry it as
their ``callBackUrl`` and claim-document links are built under it. Left at its development default
(``http://127.0.0.1:8000``), every callback of a real carrier would go to the carrier's own loopback
and be lost without an error anywhere, so a deployment must set it to a public HTTPS address.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlparse

from django.conf import settings
from django.core.checks import Error, Tags, register

LOCAL_NAMES = {"localhost", "localhost.localdomain"}


def _is_local(host: str) -> bool:
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_unspecified or address.is_link_local


@register(Tags.security, deploy=True)
def platform_url_is_public_https(app_configs, **kwargs) -> list[Error]:
    url = urlparse(settings.PLATFORM_URL)
    host = (url.hostname or "").lower()
    if url.scheme == "https" and host and not _is_local(host):
        return []
    return [
        Error(
            f"PLATFORM_URL is {settings.PLATFORM_URL!r}: carriers send their callbacks there.",
            hint="Set PLATFORM_URL to this platform's public HTTPS address, e.g. https://courier.example.com.",
            id="operations.E001",
        )
    ]
