"""The user's orders: the list with its tabs, one order's page, cancel and delete."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from carriers.integrations import pickup_code_carried
from notifications.texts import booking_refused_advice, pickup_advice
from orders import receipts, selectors
from orders.claim_forms import ClaimDocumentsForm, ClaimForm
from orders.event_registry import (
    DISPATCH_FAILED,
    NOT_ACCEPTED,
    PICKED_UP,
    PICKUP_EXCEPTION,
    REJECTED,
    RETURN_STATE_OF,
    TIMELINE_LABELS,
)
from orders.forms import CancelForm
from orders.models import (
    CancelReason,
    Order,
    OrderEvent,
    PickupException,
    RejectReason,
    ReturnState,
    Status,
)
from orders.services import cancellation, claims, lifecycle, statuses
from orders.views.common import breakdown_lines, money, order_or_404

PAGE_SIZE = 10

# The tabs of "my orders": each is a set of statuses (None: every order).
TABS = {
    "all": None,
    "active": [
        Status.PLACED,
        Status.DISPATCHING,
        Status.ACCEPTED,
        Status.PICKED_UP,
        Status.IN_TRANSIT,
        Status.OUT_FOR_DELIVERY,
        Status.PROBLEM,
    ],
    "done": [Status.SIGNED, Status.REJECTED],
    "closed": [Status.CANCELLED, Status.EXPIRED],
}

# One line under the status on the order page: what it means for the user now.
STATUS_HINTS = {
    Status.PLACED: gettext_lazy("Sent to the carrier. Waiting for a courier to accept it."),
    Status.DISPATCHING: gettext_lazy("The carrier is finding a courier for you."),
    Status.ACCEPTED: gettext_lazy("A courier will come in your pickup time."),
    Status.PICKED_UP: gettext_lazy("The courier has collected the parcel."),
    Status.IN_TRANSIT: gettext_lazy("The parcel is on its way."),
    Status.OUT_FOR_DELIVERY: gettext_lazy("The parcel is out for delivery."),
    Status.PROBLEM: gettext_lazy("The carrier reported a delivery problem and is handling it."),
    Status.SIGNED: gettext_lazy("Delivered and signed for."),
    Status.REJECTED: gettext_lazy("The recipient refused the parcel. It goes back to you at your cost."),
}
# A parcel that goes back for another reason than a refusal (003 §8b).
REJECTED_HINTS = {
    RejectReason.RECIPIENT_NOT_FOUND: gettext_lazy(
        "The recipient could not be found. The parcel goes back to you at your cost."
    ),
    RejectReason.UNACCEPTABLE: gettext_lazy(
        "The parcel could not be accepted for delivery. It goes back to you at your cost."
    ),
    Status.CANCELLED: gettext_lazy("Cancelled before pickup."),
    Status.EXPIRED: gettext_lazy("No courier took the order in time. Book again if you still need a pickup."),
}

# The user's own timeline entries about a claim (the carrier's decision is in the registry).
CLAIM_LABELS = {
    claims.CLAIM_FILED: gettext_lazy("Claim filed"),
    claims.DOCUMENTS_ADDED: gettext_lazy("Claim documents added"),
}

BADGES = {
    Status.PLACED: "badge-warn",
    Status.DISPATCHING: "badge-warn",
    Status.PROBLEM: "badge-danger",
    Status.REJECTED: "badge-danger",
    Status.CANCELLED: "badge-grey",
    Status.EXPIRED: "badge-grey",
}


# --- my orders -------------------------------------------------------------------------------


@login_required
def order_list(request):
    tab = request.GET.get("tab", "all")
    if tab not in TABS:
        tab = "all"
    orders = selectors.order_list_for_user(user=request.user)
    if TABS[tab] is not None:
        orders = orders.filter(status__in=TABS[tab])
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    for order in page.object_list:
        order.badge = BADGES.get(order.status, "")
        order.estimate = money(order.estimate_amount, order.estimate_currency)
    tabs = [
        ("all", _("All")),
        ("active", _("In progress")),
        ("done", _("Delivered")),
        ("closed", _("Cancelled / expired")),
    ]
    return render(request, "orders/list.html", {"page": page, "tab": tab, "tabs": tabs})


# --- one order -------------------------------------------------------------------------------


@login_required
def order_detail(request, number: str):
    order = order_or_404(request.user, number)
    return render(request, "orders/detail.html", detail_context(order))


def _booking_refused(event) -> bool:
    """A "no courier" entry that is the carrier turning the booking down for good (DESIGN §7.5)."""
    return event.kind == DISPATCH_FAILED and (event.data or {}).get("refused") is True


def _event_title(event) -> str:
    """What a timeline entry says: the new status, or what the carrier reported without one.

    Timeline entries without a status change carry the status they were recorded in as both old and
    new status, so only a real change shows the status label.
    """
    if event.new_status and event.new_status != event.old_status:
        return event.get_new_status_display()
    if _booking_refused(event):
        return str(_("Booking turned down by the carrier"))
    if event.kind in TIMELINE_LABELS:  # what the carrier reported (the event registry)
        return str(TIMELINE_LABELS[event.kind])
    if event.kind in CLAIM_LABELS:
        return str(CLAIM_LABELS[event.kind])
    if event.new_status:
        return event.get_new_status_display()
    return str(_("Update"))


def _event_detail(event) -> str:
    """A line under the title for what the carrier reported with it (inspection, reason, fee)."""
    data = event.data or {}
    if event.kind == PICKED_UP and isinstance(data.get("inspection"), dict):
        inspection = data["inspection"]
        head = _("Inspection passed") if inspection.get("passed") else _("Inspection not passed")
        return f"{head}: {inspection['note']}" if inspection.get("note") else str(head)
    if event.kind == PICKUP_EXCEPTION and data.get("code") in PickupException.values:
        return str(PickupException(data["code"]).label)
    if event.kind == REJECTED and data.get("reason") in RejectReason.values:
        return str(RejectReason(data["reason"]).label)
    if event.kind in RETURN_STATE_OF:
        fee, proceeds = data.get("fee") or {}, data.get("proceeds") or {}
        parts = []
        if proceeds:
            parts.append(
                _("Proceeds %(amount)s") % {"amount": money(proceeds["amount"], proceeds["currency"])}
            )
        if fee:
            parts.append(_("Return fee %(amount)s") % {"amount": money(fee["amount"], fee["currency"])})
        return " · ".join(parts)
    return ""


def return_leg_summary(order: Order) -> dict | None:
    """What the return costs the sender and, for a disposed parcel, what is due to them."""
    if order.status != Status.REJECTED:
        return None
    currency = order.return_currency or order.fee_currency or order.currency
    fee = order.return_fee_amount
    summary = {
        "state": ReturnState(order.return_state).label
        if order.return_state
        else _("Not yet on its way back"),
        "reason": RejectReason(order.reject_reason).label if order.reject_reason else "",
        "fee": money(fee, currency) if fee is not None else "",
        "proceeds": "",
        "net": "",
    }
    if order.return_state == ReturnState.DISPOSED and order.disposal_proceeds_amount is not None:
        net = order.disposal_proceeds_amount - (fee or 0)
        summary.update(
            proceeds=money(order.disposal_proceeds_amount, currency), net=money(max(net, 0), currency)
        )
    return summary


def _dispatch_failure(order: Order, events_newest_first: list) -> OrderEvent | None:
    """The carrier's newest "no courier found yet" report while the order is still unaccepted."""
    if order.status not in NOT_ACCEPTED:
        return None
    return next((e for e in events_newest_first if e.kind == DISPATCH_FAILED), None)


def _claim_context(order: Order, events: list, extra: dict) -> dict:
    """The claim card: the claim and its outcome, or the form, or why no claim can be made."""
    claim = next(iter(order.claims.all()), None)
    if claim is not None:
        documents = list(claim.documents.all())
        currency = claim.currency
        return {
            "claim": claim,
            "claim_amount": money(claim.amount, currency),
            "claim_documents": documents,
            "claim_compensation": money(claim.compensation, currency),
            "claim_return_freight": money(claim.return_freight, currency) if claim.return_freight else "",
            "claim_paid_out": money(claim.paid_out, currency),
            "claim_documents_open": timezone.now() <= claim.documents_due_at,
            "documents_form": extra.pop("documents_form", None) or ClaimDocumentsForm(),
        }
    if order.status not in statuses.AFTER_PICKUP:
        return {}
    picked_at = claims.pickup_moment(order, events)
    refusal = claims.claim_refusal(order=order, picked_at=picked_at)
    return {
        "claim_refusal": refusal.message if refusal else "",
        "claim_window_ends": claims.claim_window_ends(order, picked_at=picked_at),
        "claim_form": extra.pop("claim_form", None) or ClaimForm(),
    }


def detail_context(order: Order, **extra) -> dict:
    events = list(order.events.all())
    events.reverse()  # newest first, like every parcel-tracking page
    for event in events:
        event.title = _event_title(event)
        event.detail = _event_detail(event)
        # The carrier's own words, shown as sent (often Chinese whatever the page's language).
        event.note_label = _("Carrier's message (as sent)") if _booking_refused(event) else ""
    order.badge = BADGES.get(order.status, "")
    cancellable = order.status in statuses.CANCELLABLE
    dispatch_failed = _dispatch_failure(order, events)
    code_carried = pickup_code_carried(order.carrier)
    return {
        "dispatch_failed": dispatch_failed,
        "booking_refused": booking_refused_advice()
        if dispatch_failed is not None and _booking_refused(dispatch_failed)
        else "",
        "exception_advice": pickup_advice(order.exception_code) if order.exception_code else "",
        # The page asks the API for changes until the order reaches a final status (order.js).
        "live": order.status not in statuses.TERMINAL,
        "order": order,
        "status_hint": REJECTED_HINTS.get(order.reject_reason)
        if order.status == Status.REJECTED and order.reject_reason in REJECTED_HINTS
        else STATUS_HINTS.get(order.status, ""),
        "return_leg": return_leg_summary(order),
        "events": events,
        "signed_by": next(
            (
                e.data.get("signed_by")
                for e in events
                if e.new_status == Status.SIGNED and e.data.get("signed_by")
            ),
            "",
        ),
        "estimate": money(order.estimate_amount, order.estimate_currency),
        "estimate_lines": breakdown_lines(order.estimate_breakdown or {}, order.estimate_currency),
        "customs_lines": [
            {**line, "unit_value": money(line.get("unit_value"), order.currency)} for line in order.items
        ],
        "fee": money(order.fee_amount, order.fee_currency),
        "cancellable": cancellable,
        # The code is for the courier who collects the parcel: useless once it is picked up, and
        # for carriers whose protocol cannot bring it back (DESIGN §7.5), the courier is
        # confirmed by name and phone instead.
        "show_code": cancellable and code_carried,
        "confirm_by_name": cancellable and not code_carried,
        "after_pickup": order.status in statuses.AFTER_PICKUP,
        "courier_known": bool(order.courier_name),
        **_claim_context(order, events, extra),
        "cancel_form": extra.pop("cancel_form", None)
        or CancelForm(initial={"reason": CancelReason.CHANGED_MIND}),
        **extra,
    }


@login_required
@require_POST
def order_cancel(request, number: str):
    order = order_or_404(request.user, number)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return render(request, "orders/detail.html", detail_context(order, cancel_form=form), status=400)
    try:
        cancellation.order_cancel(order=order, actor_user=request.user, reason=form.cleaned_data["reason"])
    except lifecycle.OrderError as error:
        messages.error(request, str(error))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The order is cancelled. We have told the carrier."))
    return redirect("orders:detail", number=order.number)


@login_required
@require_http_methods(["GET", "POST"])
def order_delete(request, number: str):
    order = order_or_404(request.user, number)
    if request.method == "POST":
        cancellation.order_delete(order=order, user=request.user)
        messages.success(
            request, _("Order %(number)s was deleted from your list.") % {"number": order.number}
        )
        return redirect("orders:list")
    return render(
        request,
        "orders/delete.html",
        {"order": order, "cancellable": order.status in statuses.CANCELLABLE},
    )


# --- the e-waybill receipt (000 4.10) ------------------------------------------------------------


def _receipt_or_back(request, number: str):
    """The order's receipt, or a redirect to its page saying why there is none yet."""
    order = order_or_404(request.user, number)
    try:
        return receipts.receipt_for(order=order), None
    except receipts.ReceiptUnavailable as error:
        messages.error(request, str(error))
        return None, redirect("orders:detail", number=order.number)


@login_required
@require_http_methods(["GET"])
def order_receipt(request, number: str):
    receipt, back = _receipt_or_back(request, number)
    if back:
        return back
    bars, width = receipts.barcode_bars(receipt.waybill_no)
    return render(
        request,
        "orders/receipt.html",
        {
            "receipt": receipt,
            "bars": bars,
            "barcode_width": width,
            "barcode_height": receipts.BAR_HEIGHT,
            "keep_note": receipts.keep_note(),
        },
    )


@login_required
@require_http_methods(["GET"])
def order_receipt_pdf(request, number: str):
    receipt, back = _receipt_or_back(request, number)
    if back:
        return back
    response = HttpResponse(receipts.receipt_pdf(receipt), content_type="application/pdf")
    # The waybill number is the carrier's text: only its letters and digits go into the header.
    name = re.sub(r"[^A-Za-z0-9_-]", "", receipt.waybill_no) or receipt.order_number
    response["Content-Disposition"] = f'attachment; filename="receipt-{name}.pdf"'
    # Personal data: never kept by a shared cache or the browser's back-forward cache.
    response["Cache-Control"] = "private, no-store"
    return response
