"""Violations of the agreement recorded on users (DESIGN §3.2, §6).

Admins record them in the admin; carrier reports record them too (prohibited goods found in a
parcel, ``orders.services.carrier_events``), and an upheld complaint about a review records one
on the review's author (``reviews.services.complaints_resolve``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Violation, ViolationKind


def violation_record(
    *,
    user,
    kind: str,
    note: str = "",
    order=None,
    review=None,
    recorded_by=None,
    carrier=None,
) -> Violation:
    """Record that ``user`` broke the agreement: ``kind`` is a ``ViolationKind`` code.

    ``recorded_by`` is the admin who recorded it, ``carrier`` the carrier whose report it comes
    from; both may be empty for the system's own rules.
    """
    if kind not in ViolationKind.values:
        raise ValidationError({"kind": _("Choose a valid kind of violation.")}, code="invalid_kind")
    if user is None:
        raise ValueError("a violation is recorded on a user")
    if order is not None and order.user_id != user.pk:
        raise ValueError("the order of a violation must be the user's")
    if review is not None and review.user_id != user.pk:
        raise ValueError("the review of a violation must be the user's")
    return Violation.objects.create(
        user=user,
        kind=kind,
        note=note,
        order=order,
        review=review,
        recorded_by=recorded_by,
        carrier=carrier,
    )
