"""The words of every notice kind, rendered in the active language (``notify`` overrides it).

Each kind has one function that turns the order (if any) and the caller's context into a title and
a body. Missing context is taken from the order where it can be; optional lines appear only when
their value is known. Context keys per kind (all optional unless said):

=========================  ==========================================================================
kind                       context keys
=========================  ==========================================================================
dispatch_failed            ``reason`` (the carrier's own words), ``deadline`` (default ``order.deadline``),
                           ``refused`` (true: the carrier turned the booking down for good)
accepted                   ``courier_name``, ``courier_phone``, ``courier_employee_id`` (default: order)
pickup_exception           ``code`` (a ``PickupException`` code, default ``order.exception_code``),
                           ``note`` (default ``order.exception_note``), ``deadline`` (default
                           ``order.deadline``), ``courier_phone`` (default: order)
picked_up                  ``waybill_no`` (default: order), ``fee`` {``amount``, ``currency``}
                           (default: the order's fee)
problem                    ``description``
signed                     ``signed_by``, ``remark``
rejected                   ``reason`` (``refused`` | ``recipient_not_found`` | ``unacceptable``),
                           ``note``
return_leg                 ``state``: ``returning`` | ``returned`` | ``disposed`` (required);
                           ``fee``, ``proceeds`` {``amount``, ``currency``}
claim_decided              ``decision``: ``approved`` | ``rejected`` (required); ``amount``,
                           ``return_freight``, ``paid_out`` (Decimal), ``currency``, ``note``
cancelled                  ``by``: ``user`` | ``carrier`` | ``system`` | ``admin``; ``reason`` (a
                           ``CancelReason`` code or free text; default ``order.cancel_reason``)
expired                    ``reason``: ``not_accepted`` | ``exception_unresolved`` (default: from
                           ``order.exception_code``)
review_moderated           ``outcome``: ``published`` | ``hidden`` | ``removed`` | ``restored``; ``reason``
restriction_applied        ``scope``: ``ordering`` | ``reviewing`` | ``both`` (required); ``until``
                           (datetime, absent = permanent); ``reason``
agreement_updated          ``version`` (required), ``effective_at`` (required), ``agreement_title``,
                           ``url``, ``agreement_kind`` (``privacy`` for the privacy policy)
service_fee_announcement   ``amount`` (required), ``currency`` (default CNY), ``effective_at`` (required)
feedback_answered          ``reply`` (required), ``text`` (what the user wrote, shortened)
=========================  ==========================================================================

Values may be strings, numbers, ``Decimal``, aware datetimes or lazy translations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from carriers import formats
from notifications.models import Kind

# Kinds about one order: ``notify`` refuses them without one.
ORDER_KINDS: frozenset[str] = frozenset(
    {
        Kind.DISPATCH_FAILED,
        Kind.ACCEPTED,
        Kind.PICKUP_EXCEPTION,
        Kind.PICKED_UP,
        Kind.PROBLEM,
        Kind.SIGNED,
        Kind.REJECTED,
        Kind.CANCELLED,
        Kind.EXPIRED,
        Kind.RETURN_LEG,
        Kind.CLAIM_DECIDED,
    }
)
# Kinds the user must act on: shown in the banner while the thing to act on is open
# (``notifications.selectors.action_banner_for_user``).
ACTION_KINDS: frozenset[str] = frozenset({Kind.DISPATCH_FAILED, Kind.PICKUP_EXCEPTION, Kind.EXPIRED})
# Kinds that always go by SMS to a mainland or Hong Kong mobile, whatever the user chose (DESIGN §9:
# "notices that require action … always go in-app and by SMS").
SMS_ALWAYS_KINDS: frozenset[str] = frozenset(
    {Kind.DISPATCH_FAILED, Kind.PICKUP_EXCEPTION, Kind.EXPIRED, Kind.RESTRICTION_APPLIED}
)


def when(value: Any) -> str:
    """A datetime as the user reads it (Asia/Shanghai, 2026-11-23 00:00); text passes through."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime):
        return formats.local_time(value)
    if isinstance(value, str):
        try:
            return when(datetime.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def money(amount: Any, currency: str = "") -> str:
    """¥20.00 / HK$20.00, as on the pages (``carriers.formats``)."""
    return formats.money(amount, currency or "CNY")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _lines(*lines: str) -> str:
    return "\n".join(line for line in lines if line)


def _optional(template: str, value: str, **extra: str) -> str:
    return template % {"value": value, **extra} if value else ""


# --- one function per kind: (params) -> (title, body) -----------------------------------------


def booking_refused_advice() -> str:
    """What a user whose booking the carrier turned down reads (the notice and the order page)."""
    return _(
        "The carrier turned the booking down, so no courier will come for this order. Cancel it "
        "and book again, with another carrier or with corrected details."
    )


def _dispatch_failed(p: Mapping[str, Any]) -> tuple[str, str]:
    if p.get("refused"):
        # The carrier's words (often in Chinese, whatever the user's language) come after ours,
        # labelled as the carrier's, never as the only explanation.
        title = _("The carrier could not take order %(number)s") % p
        body = _lines(
            booking_refused_advice(),
            _optional(_("Carrier's message (as sent): %(value)s"), _text(p.get("reason"))),
            _optional(_("Unless you cancel it, the order expires at %(value)s."), when(p.get("deadline"))),
        )
        return title, body
    title = _("No courier found yet for order %(number)s") % p
    body = _lines(
        _(
            "The carrier has not been able to assign a courier yet. If no courier accepts the "
            "order in time it expires; you may also cancel it and book with another carrier."
        ),
        _optional(_("Reason given by the carrier: %(value)s"), _text(p.get("reason"))),
        _optional(_("Deadline: %(value)s"), when(p.get("deadline"))),
    )
    return title, body


def _accepted(p: Mapping[str, Any]) -> tuple[str, str]:
    title = _("A courier accepted order %(number)s") % p
    name, phone = _text(p.get("courier_name")), formats.phone(_text(p.get("courier_phone")))
    body = _lines(
        _("Your courier is %(name)s, phone %(phone)s.") % {"name": name, "phone": phone}
        if name and phone
        else _("A courier will come to pick up your parcel."),
        _optional(_("Employee number: %(value)s"), _text(p.get("courier_employee_id"))),
        _(
            "Check the courier's name and employee number at the door, and only then tell "
            "them your pickup code."
        ),
    )
    return title, body


def pickup_advice(code: str) -> str:
    """What the user should do about each pickup exception (DESIGN §3.3): the notice and the
    order page say the same."""
    return {
        "phone_invalid": _(
            "The courier cannot reach you on the order's phone number. Call the courier back, or "
            "cancel and book again with the right number."
        ),
        "cannot_enter": _("Meet the courier at the entrance, or tell them how to get in."),
        "unreachable": _("The courier could not reach you. Please call the courier back."),
        "not_acceptable": _(
            "Ask the courier what must change (packing, contents) before the parcel can be collected."
        ),
        "customer_cancel": _("If you did not ask to cancel, contact the courier at once."),
        "duplicate_order": _("If you booked twice by mistake, cancel the extra order."),
        "other": _(
            "Call the courier to find out what stopped the pickup (the courier's note may say) "
            "and agree on how it can go ahead."
        ),
    }.get(code, _("Please contact the courier to sort it out."))


def _pickup_problem(code: str) -> str:
    """The exception as the user reads it (DESIGN §3.3); an unknown code as it was sent."""
    problems = {
        "phone_invalid": _("the phone number does not work (wrong, unassigned or suspended)"),
        "cannot_enter": _("the courier cannot get to you"),
        "unreachable": _("the courier could not reach you (no answer, unreachable or phone off)"),
        "not_acceptable": _("the parcel does not meet the pickup requirements"),
        "customer_cancel": _("you asked the courier to cancel"),
        "duplicate_order": _("the same pickup was booked twice"),
        "other": _("the courier could not collect the parcel, for another reason"),
    }
    return problems.get(code) or code or _("a problem with the pickup")


def _pickup_exception(p: Mapping[str, Any]) -> tuple[str, str]:
    code = _text(p.get("code"))
    title = _("Pickup problem on order %(number)s") % p
    body = _lines(
        _("Problem reported by the courier: %(problem)s") % {"problem": _pickup_problem(code)},
        _optional(_("Courier's note: %(value)s"), _text(p.get("note"))),
        pickup_advice(code),
        _optional(_("Courier's phone: %(value)s"), formats.phone(_text(p.get("courier_phone")))),
        _("Unless the carrier reports it resolved, the order expires at %(deadline)s.")
        % {"deadline": when(p.get("deadline")) or _("the next midnight")},
    )
    return title, body


def _picked_up(p: Mapping[str, Any]) -> tuple[str, str]:
    title = _("Order %(number)s picked up") % p
    fee = p.get("fee") or {}
    body = _lines(
        _("The courier has collected your parcel."),
        _optional(_("Waybill number: %(value)s"), _text(p.get("waybill_no"))),
        _optional(_("Fee: %(value)s"), money(fee.get("amount"), fee.get("currency", ""))),
    )
    return title, body


def _problem(p: Mapping[str, Any]) -> tuple[str, str]:
    title = _("Delivery problem on order %(number)s") % p
    body = _lines(
        _("The carrier reported a problem delivering your parcel and is handling it."),
        _optional(_("Details: %(value)s"), _text(p.get("description"))),
    )
    return title, body


def _signed(p: Mapping[str, Any]) -> tuple[str, str]:
    title = _("Order %(number)s delivered") % p
    body = _lines(
        _("Your parcel has been delivered and signed for."),
        _optional(_("Signed by: %(value)s"), _text(p.get("signed_by"))),
        _optional(_("Remark at signing: %(value)s"), _text(p.get("remark"))),
    )
    return title, body


def _rejected(p: Mapping[str, Any]) -> tuple[str, str]:
    reason = _text(p.get("reason"))
    if reason == "recipient_not_found":
        title = _("Order %(number)s: the recipient could not be found") % p
        why = _("The carrier could not find the recipient. The parcel goes back to you, at your cost.")
    elif reason == "unacceptable":
        title = _("Order %(number)s could not be delivered") % p
        why = _("The parcel could not be accepted for delivery. It goes back to you, at your cost.")
    else:
        title = _("Order %(number)s refused by the recipient") % p
        why = _("The recipient refused the parcel. It goes back to you, at your cost.")
    return title, _lines(why, _optional(_("Carrier's note: %(value)s"), _text(p.get("note"))))


def _return_leg(p: Mapping[str, Any]) -> tuple[str, str]:
    state = _text(p.get("state"))
    fee, proceeds = p.get("fee") or {}, p.get("proceeds") or {}
    currency = fee.get("currency") or proceeds.get("currency") or ""
    lines = []
    if state == "disposed":
        title = _("Order %(number)s: the parcel was disposed of") % p
        lines.append(_("The carrier could not return the parcel and disposed of it."))
        if proceeds.get("amount") not in (None, ""):
            net = Decimal(str(proceeds["amount"])) - Decimal(str(fee.get("amount") or 0))
            lines.append(
                _("Proceeds %(proceeds)s, less fees %(fee)s: %(net)s is due to you.")
                % {
                    "proceeds": money(proceeds["amount"], currency),
                    "fee": money(fee.get("amount") or 0, currency),
                    "net": money(max(net, Decimal(0)), currency),
                }
            )
    elif state == "returned":
        title = _("Order %(number)s is back with you") % p
        lines.append(_("The parcel has been returned to you."))
    else:
        title = _("Order %(number)s is on its way back to you") % p
        lines.append(_("The parcel is on its way back to you."))
    if state != "disposed" or proceeds.get("amount") in (None, ""):
        lines.append(_optional(_("Return fee, at your cost: %(value)s"), money(fee.get("amount"), currency)))
    return title, _lines(*lines)


def _claim_decided(p: Mapping[str, Any]) -> tuple[str, str]:
    currency = _text(p.get("currency"))
    if p.get("decision") == "approved":
        title = _("Your claim on order %(number)s is approved") % p
        body = _lines(
            _("Compensation: %(value)s") % {"value": money(p.get("amount"), currency)},
            _optional(_("Return freight deducted: %(value)s"), money(p.get("return_freight"), currency))
            if p.get("return_freight") not in (None, "", 0, Decimal(0))
            else "",
            _("Paid to you: %(value)s") % {"value": money(p.get("paid_out"), currency)},
            _optional(_("Carrier's note: %(value)s"), _text(p.get("note"))),
        )
    else:
        title = _("Your claim on order %(number)s is rejected") % p
        body = _lines(
            _("The carrier rejected your claim."),
            _optional(_("Carrier's note: %(value)s"), _text(p.get("note"))),
        )
    return title, body


def _cancel_reason(reason: str) -> str:
    """A cancel reason code as the user reads it; a carrier's free text as it was sent."""
    reasons = {
        "changed_mind": _("change of plans"),
        "wrong_details": _("the order details were wrong"),
        "courier_no_show": _("the courier did not come"),
        "courier_late": _("the courier was late"),
        "courier_asked": _("the courier asked to cancel"),
        "other": _("other"),
    }
    return reasons.get(reason) or reason


def _cancelled(p: Mapping[str, Any]) -> tuple[str, str]:
    title = _("Order %(number)s cancelled") % p
    by = {
        "user": _("You cancelled the order."),
        "carrier": _("The carrier cancelled the order."),
        "system": _("The platform cancelled the order."),
        "admin": _("The platform cancelled the order."),
    }.get(_text(p.get("by")), _("The order was cancelled before pickup."))
    body = _lines(by, _optional(_("Reason: %(value)s"), _cancel_reason(_text(p.get("reason")))))
    return title, body


def _expired(p: Mapping[str, Any]) -> tuple[str, str]:
    title = _("Order %(number)s expired") % p
    if p.get("reason") == "exception_unresolved":
        why = _("The pickup problem was not resolved in time, so the order has expired.")
    else:
        why = _("No courier accepted the order in time, so it has expired.")
    return title, _lines(why, _("Book again if you still need a pickup."))


def _review_moderated(p: Mapping[str, Any]) -> tuple[str, str]:
    outcomes = {
        "published": (_("Your review is published"), _("Your review passed moderation and is now public.")),
        "hidden": (
            _("Your review is hidden"),
            _("After moderation your review is no longer shown publicly."),
        ),
        "removed": (
            _("Your review was removed"),
            _("Your review was removed because it breaks the review rules of the user agreement."),
        ),
        "restored": (_("Your review is restored"), _("Your review is public again.")),
    }
    title, sentence = outcomes.get(
        _text(p.get("outcome")), (_("Your review was moderated"), _("A moderator changed your review."))
    )
    body = _lines(
        _optional(_("Order: %(value)s"), _text(p.get("number"))),
        sentence,
        _optional(_("Reason: %(value)s"), _text(p.get("reason"))),
    )
    return title, body


def _restriction_applied(p: Mapping[str, Any]) -> tuple[str, str]:
    scope, until = _text(p.get("scope")), when(p.get("until"))
    titles = {
        "ordering": _("Booking restricted"),
        "reviewing": _("Reviewing restricted"),
        "both": _("Account suspended"),
    }
    if until:
        sentences = {
            "ordering": _("You cannot book new pickups until %(until)s."),
            "reviewing": _("You cannot post reviews until %(until)s."),
            "both": _("You cannot book pickups or post reviews until %(until)s."),
        }
    else:
        sentences = {
            "ordering": _("You can no longer book new pickups."),
            "reviewing": _("You can no longer post reviews."),
            "both": _("You can no longer book pickups or post reviews."),
        }
    if scope not in titles:
        raise ValueError(f"restriction_applied needs scope ordering, reviewing or both, not {scope!r}")
    body = _lines(
        sentences[scope] % {"until": until},
        _optional(_("Reason: %(value)s"), _text(p.get("reason"))),
        _("Your open orders are not affected."),
    )
    return titles[scope], body


def _agreement_updated(p: Mapping[str, Any]) -> tuple[str, str]:
    if p.get("agreement_kind") == "privacy":
        title = _("The privacy policy is changing")
    else:
        title = _("The user service agreement is changing")
    body = _lines(
        _("Version %(version)s of %(agreement)s takes effect on %(effective_at)s.")
        % {
            "version": _text(p["version"]),
            "agreement": _text(p.get("agreement_title")) or _("the user service agreement"),
            "effective_at": when(p["effective_at"]),
        },
        _(
            "If you go on using the platform after that date you accept it; if you do not agree, "
            "you can delete your account."
        ),
        _optional(_("Read it here: %(value)s"), _text(p.get("url"))),
    )
    return title, body


def _service_fee_announcement(p: Mapping[str, Any]) -> tuple[str, str]:
    title = _("Platform service fee announcement")
    body = _lines(
        _("From %(effective_at)s the platform service fee will be %(fee)s per order.")
        % {
            "effective_at": when(p["effective_at"]),
            "fee": money(p["amount"], _text(p.get("currency")) or "CNY"),
        },
        _("Until then nothing changes. The fee never applies to orders booked before that date."),
    )
    return title, body


def _feedback_answered(p: Mapping[str, Any]) -> tuple[str, str]:
    title = _("We answered your feedback")
    body = _lines(
        _text(p["reply"]),
        _optional(_("You wrote: %(value)s"), _text(p.get("text"))),
    )
    return title, body


RENDERERS: Mapping[str, Callable[[Mapping[str, Any]], tuple[str, str]]] = {
    Kind.DISPATCH_FAILED: _dispatch_failed,
    Kind.ACCEPTED: _accepted,
    Kind.PICKUP_EXCEPTION: _pickup_exception,
    Kind.PICKED_UP: _picked_up,
    Kind.PROBLEM: _problem,
    Kind.SIGNED: _signed,
    Kind.REJECTED: _rejected,
    Kind.CANCELLED: _cancelled,
    Kind.EXPIRED: _expired,
    Kind.REVIEW_MODERATED: _review_moderated,
    Kind.RESTRICTION_APPLIED: _restriction_applied,
    Kind.AGREEMENT_UPDATED: _agreement_updated,
    Kind.SERVICE_FEE_ANNOUNCEMENT: _service_fee_announcement,
    Kind.FEEDBACK_ANSWERED: _feedback_answered,
    Kind.RETURN_LEG: _return_leg,
    Kind.CLAIM_DECIDED: _claim_decided,
}


def order_defaults(*, kind: str, order) -> dict[str, Any]:
    """What the texts can take from the order itself when the caller did not say."""
    if order is None:
        return {"number": ""}
    defaults: dict[str, Any] = {
        "number": order.number,
        "deadline": order.deadline,
        "courier_name": order.courier_name,
        "courier_phone": order.courier_phone,
        "courier_employee_id": order.courier_employee_id,
        "code": order.exception_code,
        "note": order.exception_note,
        "waybill_no": order.waybill_no,
        "fee": {"amount": order.fee_amount, "currency": order.fee_currency}
        if order.fee_amount is not None
        else {},
    }
    if kind == Kind.CANCELLED:
        defaults["reason"] = order.cancel_reason
    elif kind == Kind.REJECTED:
        defaults["reason"] = order.reject_reason
    elif kind == Kind.EXPIRED:
        defaults["reason"] = "exception_unresolved" if order.exception_code else "not_accepted"
    return defaults


def _params(*, kind: str, order, context: Mapping[str, Any] | None) -> dict[str, Any]:
    params = order_defaults(kind=kind, order=order)
    params.update({k: v for k, v in (context or {}).items() if v is not None})
    return params


def render(*, kind: str, order=None, context: Mapping[str, Any] | None = None) -> tuple[str, str]:
    """Title and body of a notice in the active language."""
    return RENDERERS[kind](_params(kind=kind, order=order, context=context))


# Kinds whose texts read nothing of their order but its number and these parameters: a batch of
# them (the midnight expiry's notices) is rendered once per language and value of the parameters,
# and each order's number put in (tests/…: the same texts as ``render`` in every language).
NUMBERED_TEXTS: Mapping[str, tuple[str, ...]] = {Kind.EXPIRED: ("reason",)}
_NUMBER = "\x1fNUMBER\x1f"


def render_in_batch(*, kind: str, order, context: Mapping[str, Any] | None, cache: dict) -> tuple[str, str]:
    """:func:`render` for one notice of a batch in one language: ``cache`` (a dict kept for the
    batch and the active language) holds the texts of :data:`NUMBERED_TEXTS` kinds already made."""
    names = NUMBERED_TEXTS.get(kind)
    if names is None or order is None:
        title, body = render(kind=kind, order=order, context=context)
        return str(title), str(body)
    params = _params(kind=kind, order=order, context=context)
    key = tuple(params.get(name) for name in names)
    texts = cache.get(key)
    if texts is None:
        title, body = RENDERERS[kind]({**dict(zip(names, key, strict=True)), "number": _NUMBER})
        texts = cache[key] = (str(title), str(body))
    number = str(params["number"])
    return texts[0].replace(_NUMBER, number), texts[1].replace(_NUMBER, number)


# The variables of each kind's SMS template (providers send registered templates only, filled with
# short variables): the order number where there is one, plus what the user needs to act.
SMS_VARIABLES: Mapping[str, Callable[[Mapping[str, Any]], dict[str, str]]] = {
    Kind.DISPATCH_FAILED: lambda p: {"deadline": when(p.get("deadline"))},
    Kind.ACCEPTED: lambda p: {
        "courier": _text(p.get("courier_name")),
        "phone": formats.phone(_text(p.get("courier_phone"))),
    },
    Kind.PICKUP_EXCEPTION: lambda p: {
        "problem": _pickup_problem(_text(p.get("code"))),
        "deadline": when(p.get("deadline")) or _("the next midnight"),
    },
    Kind.PICKED_UP: lambda p: {"waybill": _text(p.get("waybill_no"))},
    Kind.CANCELLED: lambda p: {"reason": _cancel_reason(_text(p.get("reason")))},
    Kind.RESTRICTION_APPLIED: lambda p: {"until": when(p.get("until"))},
    Kind.AGREEMENT_UPDATED: lambda p: {
        "version": _text(p.get("version")),
        "date": when(p.get("effective_at")),
    },
    Kind.SERVICE_FEE_ANNOUNCEMENT: lambda p: {
        "fee": money(p.get("amount"), _text(p.get("currency")) or "CNY"),
        "date": when(p.get("effective_at")),
    },
}


def sms_variables(*, kind: str, order=None, context: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The variables of the kind's SMS template, in the active language: ``number`` (the order's,
    or empty) and the kind's own (``SMS_VARIABLES``)."""
    params = _params(kind=kind, order=order, context=context)
    variables = {"number": _text(params.get("number"))}
    if kind in SMS_VARIABLES:
        variables.update(SMS_VARIABLES[kind](params))
    return variables
