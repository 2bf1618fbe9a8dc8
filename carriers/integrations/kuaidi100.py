"""``kuaidi100``: Kuaidi100 商家寄件, one account that books many carriers (DESIGN §7.5).

Outbound: a form POST to ``{base_url}/order/borderapi.do`` with ``method`` (``bOrder`` books,
``cancel`` cancels), ``key``, ``t`` (ms), ``param`` (JSON text) and ``sign`` = upper-case hex MD5 of
``param + t + key + secret``. The answer's ``taskId`` and ``orderId`` are kept as the carrier's
references (:mod:`carriers.services.references`).

Inbound: a form POST with ``taskId``, ``param`` (JSON text) and ``sign`` = upper-case hex MD5 of
``param + salt``, compared in constant time; one status per request, mapped to a platform event by
:mod:`.kuaidi100_codes` and de-duplicated on ``orderId:status:updateTime``. Kuaidi100 reports by its
own ``orderId``: the platform's order is found through the stored references.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..json_body import InvalidBody, printable
from ..models import Carrier, CarrierEventResult
from ..services.references import (
    carrier_exchange_unanswered,
    carrier_reference_get,
    carrier_reference_order_number,
    carrier_reference_store,
)
from . import kuaidi100_codes as codes
from .base import (
    InboundOutcome,
    InboundRequest,
    Integration,
    InvalidRequest,
    OutboundMessage,
    PlatformEvent,
    RequestRefused,
    SendResult,
    SendStatus,
    answer_json,
)
from .form_wire import (
    TIMEOUT_SECONDS,
    WireAnswer,
    carrier_time,
    form_exchange,
    form_fields,
    json_field,
    masked,
    national_phone,
    signed_with_setting,
)

logger = logging.getLogger(__name__)

PATH = "/order/borderapi.do"
BOOK, CANCEL = "bOrder", "cancel"
DAY_TYPES = ("今天", "明天", "后天")
CURRENCY = "CNY"  # Kuaidi100 books inside mainland China and bills in yuan


def sign_request(*, param: str, t: str, key: str, secret: str) -> str:
    """Upper-case hex MD5 of ``param + t + key + secret`` (the outbound sign)."""
    return hashlib.md5((param + t + key + secret).encode("utf-8")).hexdigest().upper()  # noqa: S324


def sign_callback(*, param: str, salt: str) -> str:
    """Upper-case hex MD5 of ``param + salt`` (the callback sign)."""
    return hashlib.md5((param + salt).encode("utf-8")).hexdigest().upper()  # noqa: S324


def events_url(carrier: Carrier) -> str:
    """The callback URL registered with each booking: this platform's events URL for the carrier."""
    return f"{settings.PLATFORM_URL.rstrip('/')}/api/v1/carriers/{carrier.code}/events/"


def _address(party: dict) -> str:
    return "".join(str(party.get(k) or "") for k in ("province", "city", "district", "address"))


class Kuaidi100(Integration):
    name = "kuaidi100"
    label = gettext_lazy("Kuaidi100 商家寄件")
    settings_fields = ("key", "secret", "salt", "kuaidicom", "base_url")
    secret_fields = frozenset({"key", "secret", "salt"})
    pulls = False
    carries_pickup_code = False
    keeps_refused_moves = True

    def __init__(self, *, timeout: float = TIMEOUT_SECONDS):
        self.timeout = timeout

    # --- outbound ------------------------------------------------------------------------------

    def book_param(self, message: OutboundMessage, *, today=None) -> dict[str, Any]:
        """The ``bOrder`` param, every field from the order (``order.created`` payload)."""
        p = message.payload
        sender, recipient = p["sender"], p["recipient"]
        parcel = p.get("parcel") or {}
        window = p.get("pickup_window") or {}
        start, end = carrier_time(window.get("start")), carrier_time(window.get("end"))
        if start is None or end is None:
            raise ValueError(_("The order has no pickup window."))
        today = today or timezone.localdate()
        days = (timezone.localtime(start).date() - today).days
        if not 0 <= days < len(DAY_TYPES):
            raise ValueError(_("Kuaidi100 books pickups for today, tomorrow or the day after only."))
        declared = (parcel.get("declared_value") or {}).get("amount")
        param = {
            "kuaidicom": self.settings_of(message.carrier)["kuaidicom"],
            "sendManName": sender["name"],
            "sendManMobile": national_phone(sender["phone"]),
            "sendManPrintAddr": _address(sender),
            "recManName": recipient["name"],
            "recManMobile": national_phone(recipient["phone"]),
            "recManPrintAddr": _address(recipient),
            "cargo": parcel.get("description") or parcel.get("item_type") or "",
            "weight": parcel.get("weight_kg") or "",
            "remark": p["order"],
            "callBackUrl": events_url(message.carrier),
            "dayType": DAY_TYPES[days],
            "pickupStartTime": timezone.localtime(start).strftime("%H:%M"),
            "pickupEndTime": timezone.localtime(end).strftime("%H:%M"),
            "payment": "CONSIGNEE" if p.get("payer") == "recipient" else "SHIPPER",
        }
        # Insurance is bought only when the user chose it; the declared value is then its cover.
        if parcel.get("insured") and declared:
            param["valinsPay"] = declared
        # Kuaidi100 signs this booking's callbacks with the salt it is given here (MD5(param + salt)).
        salt = self.settings_of(message.carrier)["salt"]
        if salt:
            param["salt"] = salt
        return param

    def send(self, message: OutboundMessage) -> SendResult:
        number = str(message.payload.get("order") or "")
        if message.type == "order.created":
            try:
                param = self.book_param(message)
            except (KeyError, ValueError) as error:
                reason = (
                    str(error)
                    if isinstance(error, ValueError)
                    else _("The order lacks %(field)s.") % {"field": error}
                )
                return SendResult.failed(reason)
            return self._call(message, method=BOOK, param=param, number=number)
        if message.type in ("order.cancelled", "order.expired"):
            reference = carrier_reference_get(carrier=message.carrier, order_number=number)
            if reference is None:
                # Kuaidi100 never took the booking (refused, or never sent): nothing to cancel.
                return SendResult.delivered()
            reason = message.payload.get("reason") or message.type
            param = {"taskId": reference.task_id, "orderId": reference.external_id, "cancelMsg": reason}
            return self._call(message, method=CANCEL, param=param, number=number)
        # Claims are settled with the carrier outside Kuaidi100's booking API.
        return SendResult.delivered()

    def _call(self, message: OutboundMessage, *, method: str, param: dict, number: str) -> SendResult:
        carrier = message.carrier
        conf = self.settings_of(carrier)
        param_text = json.dumps(param, ensure_ascii=False, separators=(",", ":"))
        t = str(int(time.time() * 1000))
        fields = {
            "method": method,
            "key": conf["key"],
            "t": t,
            "param": param_text,
            "sign": sign_request(param=param_text, t=t, key=conf["key"], secret=conf["secret"]),
        }
        # The salt is a secret: the delivery log keeps the call without it.
        logged = {"method": method, "t": t, "param": masked({k: v for k, v in param.items() if k != "salt"})}
        record = {
            "carrier": carrier,
            "operation": method,
            "request": logged,
            "message_id": message.id,
            "order_number": number,
        }
        return form_exchange(
            record=record,
            protocol="Kuaidi100",
            configured=bool(conf["key"] and conf["secret"] and conf["base_url"]),
            missing="key, secret and base_url",
            url=(conf["base_url"] or "").rstrip("/") + PATH,
            fields=fields,
            timeout=self.timeout,
            read=lambda answer: self._read(
                answer, carrier=carrier, method=method, number=number, message_id=message.id
            ),
        )

    def _read(
        self, answer: WireAnswer, *, carrier: Carrier, method: str, number: str, message_id: str
    ) -> SendResult:
        if answer.status >= 300:
            return SendResult.retry(f"carrier {carrier.code}: Kuaidi100 answered HTTP {answer.status}")
        body = answer.json()
        if not isinstance(body, dict):
            return SendResult.retry(f"carrier {carrier.code}: Kuaidi100 answered something not JSON")
        code = str(body.get("returnCode", ""))
        text = str(body.get("message") or "")
        if code in codes.RETURN_RETRIED:
            return SendResult.retry(f"Kuaidi100 {code} {text}".strip())
        if body.get("result") is not True or code != codes.RETURN_OK:
            return SendResult.failed(f"Kuaidi100 {code} {text}".strip(), user_reason=text)
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
        if method == BOOK:
            carrier_reference_store(
                carrier=carrier,
                order_number=number,
                task_id=str(data.get("taskId") or ""),
                external_id=str(data.get("orderId") or ""),
                waybill_numbers=[data["kuaidinum"]] if data.get("kuaidinum") else [],
            )
            references = {"taskId": data.get("taskId"), "orderId": data.get("orderId")}
            if carrier_exchange_unanswered(carrier=carrier, message_id=message_id, operation=BOOK):
                # bOrder has no idempotency key (DESIGN §7.5): the unanswered attempt may have been
                # booked too. Its callbacks will name an orderId we never stored (answered 404 and
                # kept in the carrier's log); the admin cancels that booking in Kuaidi100's console.
                warning = (
                    f"Kuaidi100 booked {number} as {references['orderId']} after an attempt that got "
                    "no answer: it may hold a second booking of this order"
                )
                logger.warning("carrier %s: %s", carrier.code, warning)
                return SendResult(SendStatus.DELIVERED, reason=warning, references=references)
            return SendResult.delivered(**references)
        return SendResult.delivered()

    # --- inbound -------------------------------------------------------------------------------

    def parse(self, request: InboundRequest, *, carrier: Carrier) -> list[PlatformEvent]:
        try:
            fields = form_fields(request.body, required=("param", "sign"))
        except InvalidBody as invalid:
            raise InvalidRequest(
                invalid.message, payload={"raw": printable(request.body)}, check_duplicate=False
            ) from None

        def signed(salt: str) -> bool:
            expected = sign_callback(param=fields["param"], salt=salt)
            return hmac.compare_digest(expected.encode(), fields["sign"].encode())

        if not signed_with_setting(carrier, "salt", signed):
            raise RequestRefused(_("The sign does not match."))
        logged = {"taskId": fields.get("taskId", ""), "param": fields["param"]}
        try:
            param = json_field(fields["param"])
        except InvalidBody as invalid:
            raise InvalidRequest(invalid.message, payload=logged, check_duplicate=False) from None
        data = param.get("data") if isinstance(param, dict) else None
        if not isinstance(data, dict):
            raise InvalidRequest(_("param has no data object."), payload=logged, check_duplicate=False)
        status = str(data.get("status", param.get("status", "")))
        order_id = str(data.get("orderId") or "")
        update_time = str(data.get("updateTime") or "")
        event_id = f"{order_id}:{status}:{update_time}"
        occurred_at = carrier_time(update_time)
        logged = {"taskId": fields.get("taskId", ""), "param": masked(param)}
        if not order_id or not status or occurred_at is None:
            raise InvalidRequest(
                _("param.data needs orderId, status and updateTime."), payload=logged, event_id=event_id
            )
        number = carrier_reference_order_number(carrier=carrier, external_id=order_id)
        kind = codes.STATUSES.get(status)
        envelope = {
            # Unknown to us: the platform answers "no such order", and Kuaidi100 retries later.
            "order": number or order_id,
            "type": kind.event if kind else codes.NOTE,
            "occurred_at": occurred_at.isoformat(),
            "data": event_data(status=status, param=param, data=data),
        }
        if kind is None:
            logger.info("carrier %s: Kuaidi100 status %s kept as a note", carrier.code, status)
        return [PlatformEvent(id=event_id, envelope=envelope, payload=logged)]

    def refuse(self, *, status: int, error: str, detail: str) -> HttpResponse:
        return answer_json({"result": False, "returnCode": str(status), "message": detail}, status=status)

    def acknowledge(self, outcome: InboundOutcome) -> HttpResponse:
        if outcome.refused is not None:
            message = str(outcome.refused.reason)
            return answer_json({"result": False, "returnCode": "401", "message": message}, status=401)
        for answer in outcome.answers:
            if answer.result == CarrierEventResult.INVALID:
                detail = detail_text(answer.detail)
                return answer_json({"result": False, "returnCode": "400", "message": detail}, status=400)
            if answer.result in (CarrierEventResult.NOT_FOUND, CarrierEventResult.ILLEGAL):
                # Kuaidi100 tries again later: the booking's answer or an earlier status may be
                # what is missing.
                status = 404 if answer.result == CarrierEventResult.NOT_FOUND else 409
                return answer_json(
                    {
                        "result": False,
                        "returnCode": str(status),
                        "message": str(answer.detail or answer.error),
                    },
                    status=status,
                )
        return answer_json(codes.ACK_OK)


def detail_text(detail: Any) -> str:
    """A refusal's detail (text or field errors) as one line of the acknowledgement."""
    if isinstance(detail, dict | list):
        return json.dumps(detail, ensure_ascii=False, default=str)
    return str(detail or "")


def _money(value: Any) -> str | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return str(amount) if amount.is_finite() and amount >= 0 else None


def _weight(value: Any) -> str | None:
    amount = _money(value)
    return amount if amount is not None and Decimal(amount) > 0 else None


def event_data(*, status: str, param: dict, data: dict) -> dict[str, Any]:
    """The platform event's data for one Kuaidi100 status (DESIGN §7.5's table)."""
    message = str(param.get("message") or "")[:500]
    kind = codes.STATUSES.get(status)
    event = kind.event if kind else codes.NOTE
    weight, freight = _weight(data.get("weight")), _money(data.get("freight"))
    fee = {"amount": freight, "currency": CURRENCY} if freight is not None else None
    if event == "order.dispatch_failed":  # 610 下单失败: Kuaidi100 will not book it
        return {"reason": message, "refused": True}
    if event == "order.accepted":
        mobile = str(data.get("courierMobile") or "")
        # Kuaidi100 names the courier by name and mobile; the mobile is the one id it gives.
        return {"courier": {"name": data.get("courierName") or "", "phone": mobile, "employee_id": mobile}}
    if event == "order.pickup_exception":
        return {"code": codes.PICKUP_FAILED_CODE, "note": message}
    if event == "order.picked_up":
        picked: dict[str, Any] = {"waybill_no": param.get("kuaidinum") or data.get("kuaidinum") or ""}
        if weight is not None:
            picked["weight_kg"] = weight
        if fee is not None:
            picked["fee"] = fee
        return picked
    if event == "order.fee_settled":
        return {"weight_kg": weight, "fee": fee}
    if event == "order.in_transit":
        return {"location": "", "description": message}
    if event == "order.signed":
        return {"remark": message} if status == "14" else {}
    if event == "order.returned":
        return {"reason": message}
    if event == "order.cancelled":
        return {"reason": str(data.get("cancelMsg") or message)[:500]}
    if event == codes.NOTE:
        meaning = kind.meaning if kind else ""
        return {"code": f"kuaidi100:{status}"[:40], "description": message or meaning}
    return {}
