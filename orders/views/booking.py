"""Booking pages: the shipment form, then the quotes to choose from and the confirmation."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import RestrictionScope
from accounts.restriction_responses import refuse_when_restricted
from accounts.selectors import address_list_for_user
from accounts.services import address_remember
from carriers.integrations import pickup_code_carried
from carriers.models import Carrier, PricingKind
from carriers.services import estimate_route, pickup_windows, quote_shipment, screen_shipment
from carriers.services.configuration import quote_configuration
from orders.api.serializers import ShipmentSerializer
from orders.forms import (
    SAVE_FIELDS,
    BookingForm,
    EstimateForm,
    QuoteChoiceForm,
    flatten_errors,
    initial_from_payload,
    parties_to_save,
    window_label,
    window_value,
)
from orders.models import Order
from orders.services import booking
from orders.views.common import SESSION_KEY, breakdown_lines, money, order_or_404, service_fee_notice

# --- booking ---------------------------------------------------------------------------------


def _window_choices(now) -> list[tuple[str, str]]:
    """The pickup windows the active carriers' hours allow: today, tomorrow, the day after."""
    carriers = Carrier.objects.filter(active=True).only("pickup_start", "pickup_end")
    today = timezone.localdate(now)
    return [
        (window_value(start, end), window_label(start, end, today))
        for start, end in pickup_windows(carriers=carriers, now=now)
    ]


def _address_book(user) -> list:
    """The user's saved addresses, the default one first."""
    return list(address_list_for_user(user=user))


def _screening_message(screening) -> str | None:
    """The reason goods may not be sent at all, with the clauses it cites; None if they may."""
    if getattr(screening, "verdict", None) != "prohibited":
        return None
    message = getattr(screening, "message", "") or _("These goods cannot be sent.")
    clauses = [_get(m, "clause") for m in getattr(screening, "matches", None) or []]
    clauses = [c for c in dict.fromkeys(clauses) if c and c not in message]
    if clauses:
        message = f"{message} ({'; '.join(clauses)})"
    return message


def _get(obj, name: str):
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


BOOKING_QUERY_FIELDS = tuple(
    f"{party}_{level}" for party in ("sender", "recipient") for level in ("province", "city", "district")
) + ("weight_kg",)


@require_http_methods(["GET"])
def home(request):
    """Prices before sign-up: from, to and weight give every carrier's estimate, ETA and
    eligibility; "book" carries the values through sign-up into the booking form."""
    form = EstimateForm(request.GET or None)
    rows, book_url = [], ""
    if form.is_bound and form.is_valid():
        places = form.places
        quotes = estimate_route(
            origin=places["from"]["place"], destination=places["to"]["place"], weight_kg=places["weight_kg"]
        )
        rows = _quote_rows(quotes, selected=None)
        book_url = reverse("orders:book") + "?" + form.booking_query()
        if not request.user.is_authenticated:
            book_url = reverse("accounts:signup") + "?" + urlencode({"next": book_url})
    return render(
        request,
        "orders/home.html",
        {"form": form, "rows": rows, "book_url": book_url, "fee_notice": service_fee_notice()},
    )


@require_http_methods(["GET", "POST"])
def book(request):
    """The booking form; before sign-up, the home page's estimates."""
    if not request.user.is_authenticated:
        if request.method == "GET":
            return home(request)
        return redirect_to_login(request.get_full_path())
    return _book(request)


@refuse_when_restricted(RestrictionScope.ORDERING)
def _book(request):
    now = timezone.now()
    windows = _window_choices(now)
    addresses = _address_book(request.user)
    rebook_from = None
    if request.method == "POST":
        form = BookingForm(request.POST, windows=windows)
        rebook_from = request.POST.get("rebooked_from") or None
        if form.is_valid():
            # Prohibited goods are refused here, next to the description, with the clause.
            refused = _screening_message(screen_shipment(form.shipment))
            line_errors = (
                booking.customs_line_errors(form.shipment) if refused and form.shipment.items else {}
            )
            if line_errors:  # a customs line is at fault: say so on its row
                for field, message in flatten_errors(line_errors):
                    form.add_error(form.line_field(field), message)
            elif refused:
                form.add_error("description", refused)
            else:
                request.session[SESSION_KEY] = {
                    "shipment": form.shipment_data,
                    "rebooked_from": form.cleaned_data.get("rebooked_from") or "",
                    "save": parties_to_save(form.cleaned_data),
                }
                return redirect("orders:quote")
    else:
        initial: dict = {}
        number = request.GET.get("from")
        if number:
            order = order_or_404(request.user, number)
            initial = initial_from_payload(booking.order_rebook_initial(order=order))
            initial.pop("pickup_window", None)  # the old window has passed: choose a new one
            initial["rebooked_from"] = rebook_from = order.number
        elif request.GET.get("edit") and SESSION_KEY in request.session:
            stored = request.session[SESSION_KEY]
            initial = initial_from_payload(stored.get("shipment", {}))
            initial["rebooked_from"] = rebook_from = stored.get("rebooked_from") or None
            initial.update({SAVE_FIELDS[party]: True for party in stored.get("save", ())})
        else:
            initial = _default_sender(addresses)
            # Values carried from the home page's estimate (through sign-up).
            initial.update({k: request.GET[k] for k in BOOKING_QUERY_FIELDS if request.GET.get(k)})
        form = BookingForm(initial=initial, windows=windows)
    return render(
        request,
        "orders/book.html",
        {
            "form": form,
            "windows": windows,
            "addresses": addresses,
            "rebook_from": rebook_from,
        },
    )


def _default_sender(addresses) -> dict:
    """The sender's side from the default address of the address book, if there is one."""
    default = next((a for a in addresses if a.is_default), None)
    if default is None:
        return {}
    return {
        f"sender_{f}": getattr(default, f)
        for f in ("name", "phone", "province", "city", "district", "address")
    }


# --- quotes and confirmation -----------------------------------------------------------------


def _session_shipment(request):
    """The shipment validated on the booking page, validated again (time has passed since)."""
    stored = request.session.get(SESSION_KEY) or {}
    payload = stored.get("shipment")
    if not payload:
        return None, None
    serializer = ShipmentSerializer(data=payload)
    if not serializer.is_valid():
        return payload, None
    return payload, serializer.to_shipment()


def _rebooked_from(request) -> Order | None:
    """The order being booked again, while it is still the user's and not deleted."""
    number = (request.session.get(SESSION_KEY) or {}).get("rebooked_from")
    if not number:
        return None
    try:
        return order_or_404(request.user, number)
    except Http404:
        return None


def _quote_rows(quotes, selected: str | None) -> list[dict]:
    rows = []
    for q in quotes:
        currency = q.price.currency if q.price else q.carrier.currency
        breakdown = q.breakdown
        bag = breakdown.get("bag", "")
        rows.append(
            {
                "code": q.carrier.code,
                "name": q.carrier.name,
                "eligible": q.eligible,
                "reasons": q.reasons,
                "recommended": q.recommended,
                "price": money(q.price.amount, currency) if q.price else "",
                "currency": currency,
                "breakdown": breakdown_lines(breakdown, currency),
                "capped": bool(breakdown.get("insurance_capped")),
                "insurance_max": money(breakdown.get("insurance_max_value"), currency),
                "bag": bag,
                "bags": list(q.carrier.bag_sizes) if bag else [],
                "contract": q.contract,
                "selected": q.carrier.code == selected,
                "eta": delivery_range(q.delivery),
                "why": q.why,
            }
        )
    return rows


def delivery_range(delivery) -> str:
    """ "Expected 11月25日–11月27日 (an estimate)": the ETA's dates, or "" without one."""
    if not delivery:
        return ""
    first, last = (date_format(day, "MONTH_DAY_FORMAT") for day in delivery)
    dates = first if first == last else f"{first}–{last}"
    return _("Expected delivery %(dates)s (an estimate, not a promise)") % {"dates": dates}


def _conditions(screening) -> list[str]:
    """What the screening says the sender must respect (restricted goods and their limits)."""
    return [str(c) for c in getattr(screening, "conditions", None) or []]


@login_required
@refuse_when_restricted(RestrictionScope.ORDERING)
@require_http_methods(["GET", "POST"])
def quote(request):
    payload, shipment = _session_shipment(request)
    if payload is None:
        return redirect("orders:book")
    if shipment is None:
        messages.error(
            request,
            _("Some details are no longer valid (the pickup time may have passed). Please check them."),
        )
        return redirect(reverse("orders:book") + "?edit=1")

    rebooked_from = _rebooked_from(request)
    data = request.POST if request.method == "POST" else request.GET
    bag_size = (data.get("bag_size") or "").strip()
    now = timezone.now()
    configuration = quote_configuration()
    screening = screen_shipment(shipment, configuration=configuration)
    refused = _screening_message(screening)
    if refused:
        messages.error(request, refused)
        return redirect(reverse("orders:book") + "?edit=1")
    # A chosen bag size only applies to the bag carrier; price the others without it.
    quotes = quote_shipment(shipment=shipment, screening=screening, now=now, configuration=configuration)
    if bag_size:
        bag_quotes = {
            q.carrier.code: q
            for q in quote_shipment(
                shipment=replace(shipment, bag_size=bag_size),
                screening=screening,
                now=now,
                configuration=configuration,
            )
            if q.carrier.pricing == PricingKind.BAG
        }
        quotes = [bag_quotes.get(q.carrier.code, q) for q in quotes]

    eligible = {q.carrier.code: q.contract.version for q in quotes if q.eligible and q.contract}
    recommended = next((q.carrier.code for q in quotes if q.recommended), None)
    if request.method == "POST":
        form = QuoteChoiceForm(request.POST, eligible=eligible)
        selected = request.POST.get("carrier") if request.POST.get("carrier") in eligible else recommended
        if form.is_valid():
            chosen = next(q for q in quotes if q.carrier.code == form.cleaned_data["carrier"])
            try:
                order = _place(request, form, shipment, chosen, rebooked_from)
            except booking.GoodsProhibited as error:
                messages.error(request, _screening_message(error.screening) or str(error))
                return redirect(reverse("orders:book") + "?edit=1")
            if order is not None:
                stored = request.session.pop(SESSION_KEY, None) or {}
                _remember_addresses(request, payload, stored.get("save", ()))
                messages.success(request, _booked_message(order))
                return redirect("orders:detail", number=order.number)
    else:
        wanted = request.GET.get("carrier") or (rebooked_from.carrier.code if rebooked_from else None)
        selected = wanted if wanted in eligible else recommended
        form = QuoteChoiceForm(initial={"carrier": selected}, eligible=eligible)

    return render(
        request,
        "orders/quote.html",
        {
            "form": form,
            "rows": _quote_rows(quotes, selected),
            "shipment": shipment,
            "window": window_label(shipment.pickup_start, shipment.pickup_end, timezone.localdate(now)),
            "conditions": _conditions(screening),
            "any_eligible": bool(eligible),
            "fee_notice": service_fee_notice(),
        },
    )


def _remember_addresses(request, payload: dict, parties) -> None:
    """Save the addresses the user ticked to the address book; the order is booked either way."""
    for party in parties:
        if party not in SAVE_FIELDS:
            continue
        fields = ("name", "phone", "province", "city", "district", "address")
        try:
            address_remember(user=request.user, **{f: payload[party].get(f, "") for f in fields})
        except ValidationError as error:
            messages.warning(
                request,
                _("The address of %(name)s was not saved to your address book: %(reason)s")
                % {"name": payload[party].get("name", ""), "reason": " ".join(error.messages)},
            )


def _place(request, form, shipment, chosen, rebooked_from) -> Order | None:
    """Book with the chosen carrier; on a refusal, put the reasons on the form and return None.

    Prohibited goods are not handled here: the caller screens before and sends the user back to
    the booking form, and ``GoodsProhibited`` propagates to it the same way.
    """
    cleaned = form.cleaned_data
    if chosen.carrier.pricing == PricingKind.BAG:
        shipment = replace(
            shipment,
            bag_size=cleaned.get("bag_size") or chosen.breakdown.get("bag", ""),
            receipt_attested=bool(cleaned.get("receipt_attested")),
            surcharge_accepted=bool(cleaned.get("surcharge_accepted")),
        )
    try:
        return booking.order_place(
            user=request.user,
            shipment=shipment,
            carrier_code=cleaned["carrier"],
            contract_version=cleaned["contract_version"],
            rebooked_from=rebooked_from,
        )
    except booking.GoodsProhibited:
        raise
    except booking.BookingError as error:
        placed = False
        for field, message in flatten_errors(error.errors):
            if field in ("carrier", "receipt_attested", "surcharge_accepted", "bag_size"):
                form.add_error(field, message)
                placed = True
        if not placed or str(error.message) not in str(form.errors):
            form.add_error(None, str(error.message))
    except PermissionDenied as error:
        form.add_error(None, str(error) or _("You cannot book at the moment."))
    return None


def _booked_message(order: Order) -> str:
    if pickup_code_carried(order.carrier):
        return _("Booked. Your pickup code is %(code)s: tell it to the courier at pickup.") % {
            "code": order.pickup_code
        }
    # Its protocol cannot bring a pickup code back (DESIGN §7.5).
    return _(
        "Booked. This carrier confirms the courier by name and phone: both show on the order page "
        "once a courier accepts the order."
    )
