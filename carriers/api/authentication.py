"""Authentication of carrier API calls by Standard Webhooks signature (DESIGN §7.2).

For views under ``/api/v1/carriers/<code>/…``: the carrier is the one named in the URL, and the
request must be signed with one of its secrets over the raw body, or over the request line
(``"GET /api/v1/carriers/<code>/orders/?status=placed"``) when it has no body. A body over
``MAX_BODY_BYTES`` is refused with 413 before anything else is done with it. Use both classes
together::

    authentication_classes = [CarrierSignatureAuthentication]
    permission_classes = [IsCarrier]

A verified request has ``request.user`` set to a ``CarrierPrincipal``; ``request.auth`` is None.
Replays inside the 5-minute window are not stopped here: the events endpoint de-duplicates by
``request.user.message_id`` (DESIGN §7.2).
"""

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured, RequestDataTooBig
from django.http.request import RawPostDataException
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import status
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import APIException, AuthenticationFailed, NotFound
from rest_framework.permissions import BasePermission

from ..models import Carrier
from ..services.signing_cache import carrier_signing_get
from ..webhooks import ID_HEADER, WebhookVerificationError, carrier_signature_check, signed_content

# The largest body a carrier may send (DESIGN §7.2: 64 KiB). One event is a few hundred bytes.
MAX_BODY_BYTES = 64 * 1024


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"

    def __init__(self):
        detail = _("The body is larger than %(limit)d KiB.") % {"limit": MAX_BODY_BYTES // 1024}
        super().__init__({"error": self.default_code, "detail": detail})


def content_length(request) -> int:
    """The body's declared length (0 when none or unreadable)."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def carrier_request_body(request) -> bytes:
    """The raw body of a carrier's request, refused with 413 over ``MAX_BODY_BYTES`` before it is
    read or hashed (a carrier's events are small)."""
    if content_length(request) > MAX_BODY_BYTES:
        raise PayloadTooLarge()
    try:
        body = request.body
    except RawPostDataException:
        # Something parsed the body before it was verified: the raw bytes are gone.
        raise AuthenticationFailed(_("The request body could not be verified.")) from None
    except RequestDataTooBig:  # sent without a Content-Length
        raise PayloadTooLarge() from None
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge()
    return body


@dataclass(frozen=True)
class CarrierPrincipal:
    """The authenticated caller of a carrier endpoint (stands in for ``request.user``).

    It deliberately has no ``pk``: code that mistakes it for a user fails loudly instead of
    matching rows.
    """

    carrier: Carrier
    message_id: str

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False

    def __str__(self) -> str:
        return f"carrier:{self.carrier.code}"


class CarrierSignatureAuthentication(BaseAuthentication):
    www_authenticate_realm = "carrier-api"

    def authenticate(self, request):
        kwargs = (request.parser_context or {}).get("kwargs") or {}
        code = kwargs.get("code")
        if not code:
            raise ImproperlyConfigured("CarrierSignatureAuthentication needs a <code> URL parameter.")
        signing = carrier_signing_get(code)
        if signing is None:
            raise NotFound(_("No such carrier."))
        body = carrier_request_body(request)
        content = signed_content(method=request.method, full_path=request.get_full_path(), body=body)
        try:
            carrier = carrier_signature_check(code=code, headers=request.headers, content=content)
        except LookupError:
            raise NotFound(_("No such carrier.")) from None
        except WebhookVerificationError as exc:
            raise AuthenticationFailed(_("Bad or stale signature (%(reason)s).") % {"reason": exc}) from None
        return CarrierPrincipal(carrier=carrier, message_id=request.headers[ID_HEADER]), None

    def authenticate_header(self, request) -> str:
        # Any value makes DRF answer 401 rather than 403.
        return f'Webhook-Signature realm="{self.www_authenticate_realm}"'


class IsCarrier(BasePermission):
    """Only the carrier named in the URL, authenticated by ``CarrierSignatureAuthentication``."""

    def has_permission(self, request, view) -> bool:
        principal = request.user
        if not isinstance(principal, CarrierPrincipal):
            return False
        return principal.carrier.code == view.kwargs.get("code")


class CarrierSignatureScheme(OpenApiAuthenticationExtension):
    target_class = "carriers.api.authentication.CarrierSignatureAuthentication"
    name = "carrierSignature"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "webhook-signature",
            "description": (
                "Standard Webhooks signature: send webhook-id, webhook-timestamp (Unix seconds, "
                "within 5 minutes) and webhook-signature = v1,<base64 HMAC-SHA256 of "
                '"{id}.{timestamp}.{raw body}"> keyed with the base64-decoded part of your '
                "whsec_ secret. A request without a body (GET) signs its request line instead of a "
                'body: "{id}.{timestamp}.GET /api/v1/carriers/{code}/orders/?status=placed", with '
                "the path and query exactly as sent."
            ),
        }
