"""``sf``: SF Express 丰桥 (Fengqiao) open platform (DESIGN §7.5).

Every request, both ways, is a form POST with ``partnerID``, ``requestID``, ``serviceCode``,
``timestamp`` (ms), ``msgData`` (JSON text) and ``msgDigest`` = Base64 of the MD5 digest of the
URL-encoding (``quote_plus``) of ``msgData + timestamp + check_word``. Outbound books with
``EXP_RECE_CREATE_ORDER`` (``orderId`` is the platform's order number, so a retried create is
refused by SF as a duplicate: delivered) and cancels with ``EXP_RECE_UPDATE_ORDER`` ``dealType`` 2.
Inbound, a route push carries several routes (one event each, de-duplicated on the route ``id``)
and an order-state push several states; they are told apart by their ``msgData``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from decimal import Decimal
from typing import Any
from urllib.parse import quote_plus

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..json_body import InvalidBody, printable
from ..models import Carrier, CarrierEventResult
from ..services.references import carrier_reference_store
from . import sf_codes as codes
from .base import (
    InboundOutcome,
    InboundRequest,
    Integration,
    InvalidRequest,
    OutboundMessage,
    PlatformEvent,
    RequestRefused,
    SendResult,
    answer_json,
)
from .form_wire import (
    TIMEOUT_SECONDS,
    WireAnswer,
    carrier_time,
    form_exchange,
    form_fields,
    json_field,
    local_text,
    masked,
    national_phone,
    signed_with_setting,
)
from .kuaidi100 import detail_text

CREATE, UPDATE = "EXP_RECE_CREATE_ORDER", "EXP_RECE_UPDATE_ORDER"
ENVELOPE = ("partnerID", "requestID", "serviceCode", "timestamp", "msgDigest", "msgData")


def msg_digest(*, msg_data: str, timestamp: str, check_word: str) -> str:
    """Base64(MD5(quote_plus(msgData + timestamp + checkWord))) — SF's msgDigest."""
    encoded = quote_plus(msg_data + timestamp + check_word, encoding="utf-8")
    return base64.b64encode(hashlib.md5(encoded.encode("utf-8")).digest()).decode("ascii")  # noqa: S324


def _number(value: Any) -> float | int:
    amount = Decimal(str(value or "0"))
    return int(amount) if amount == amount.to_integral_value() else float(amount)


class SF(Integration):
    name = "sf"
    label = gettext_lazy("SF Express 丰桥")
    settings_fields = ("partner_id", "check_word", "base_url", "monthly_card", "express_type_id")
    secret_fields = frozenset({"check_word"})
    pulls = False
    carries_pickup_code = False
    keeps_refused_moves = True

    def __init__(self, *, timeout: float = TIMEOUT_SECONDS):
        self.timeout = timeout

    # --- outbound ------------------------------------------------------------------------------

    def create_msg_data(self, message: OutboundMessage) -> dict[str, Any]:
        """``EXP_RECE_CREATE_ORDER`` msgData, every field from the order."""
        p = message.payload
        conf = self.settings_of(message.carrier)
        parcel = p.get("parcel") or {}
        start = carrier_time((p.get("pickup_window") or {}).get("start"))
        if start is None:
            raise ValueError(_("The order has no pickup window."))

        def contact(kind: int, party: dict) -> dict:
            return {
                "contactType": kind,
                "contact": party["name"],
                "mobile": national_phone(party["phone"]),
                "province": party["province"],
                "city": party["city"],
                "county": party["district"],
                "address": party["address"],
            }

        weight = _number(parcel.get("weight_kg"))
        data: dict[str, Any] = {
            "language": "zh-CN",
            "orderId": p["order"],
            "contactInfoList": [contact(1, p["sender"]), contact(2, p["recipient"])],
            "cargoDetails": [
                {
                    "name": parcel.get("description") or parcel.get("item_type") or "",
                    "count": parcel.get("quantity") or 1,
                    "weight": weight,
                }
            ],
            "totalWeight": weight,
            "payMethod": 2 if p.get("payer") == "recipient" else 1,
            "isDocall": 1,
            "sendStartTm": local_text(start),
            "expressTypeId": int(conf["express_type_id"] or 1),
            "monthlyCard": conf["monthly_card"],
            "remark": parcel.get("description") or "",
        }
        return data

    def send(self, message: OutboundMessage) -> SendResult:
        number = str(message.payload.get("order") or "")
        if message.type == "order.created":
            try:
                data = self.create_msg_data(message)
            except (KeyError, ValueError) as error:
                return SendResult.failed(str(error))
            return self._call(message, service=CREATE, data=data, number=number)
        if message.type in ("order.cancelled", "order.expired"):
            data = {"orderId": number, "dealType": 2, "language": "zh-CN"}
            return self._call(message, service=UPDATE, data=data, number=number)
        return SendResult.delivered()  # claims are settled with SF outside the booking API

    def _call(self, message: OutboundMessage, *, service: str, data: dict, number: str) -> SendResult:
        carrier = message.carrier
        conf = self.settings_of(carrier)
        msg_data = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        timestamp = str(int(time.time() * 1000))
        fields = {
            "partnerID": conf["partner_id"],
            "requestID": str(uuid.uuid4()),
            "serviceCode": service,
            "timestamp": timestamp,
            "msgData": msg_data,
            "msgDigest": msg_digest(msg_data=msg_data, timestamp=timestamp, check_word=conf["check_word"]),
        }
        record = {
            "carrier": carrier,
            "operation": service,
            "request": {
                **{k: fields[k] for k in ("requestID", "serviceCode", "timestamp")},
                "msgData": masked(data),
            },
            "message_id": message.id,
            "order_number": number,
        }
        return form_exchange(
            record=record,
            protocol="SF",
            configured=bool(conf["partner_id"] and conf["check_word"] and conf["base_url"]),
            missing="partner_id, check_word and base_url",
            url=conf["base_url"],
            fields=fields,
            timeout=self.timeout,
            read=lambda answer: self._read(answer, carrier=carrier, service=service, number=number),
        )

    def _read(self, answer: WireAnswer, *, carrier: Carrier, service: str, number: str) -> SendResult:
        if answer.status >= 300:
            return SendResult.retry(f"carrier {carrier.code}: SF answered HTTP {answer.status}")
        body = answer.json()
        if not isinstance(body, dict):
            return SendResult.retry(f"carrier {carrier.code}: SF answered something not JSON")
        if body.get("apiResultCode") != codes.API_OK:
            return SendResult.retry(f"SF {body.get('apiResultCode')} {body.get('apiErrorMsg') or ''}".strip())
        try:
            result = json.loads(body.get("apiResultData") or "")
        except (TypeError, ValueError):
            return SendResult.retry(f"carrier {carrier.code}: SF apiResultData is not JSON")
        if not isinstance(result, dict):
            return SendResult.retry(f"carrier {carrier.code}: SF apiResultData is not an object")
        code, text = str(result.get("errorCode") or ""), str(result.get("errorMsg") or "")
        if result.get("success") is not True:
            if service == CREATE and code in codes.DUPLICATE_ORDER_CODES:
                # Our retry of a create SF took the first time (it answered too late).
                return SendResult.delivered()
            return SendResult.failed(f"SF {code} {text}".strip(), user_reason=text)
        if service == CREATE:
            msg = result.get("msgData") if isinstance(result.get("msgData"), dict) else {}
            waybills = [
                str(item.get("waybillNo"))
                for item in msg.get("waybillNoInfoList") or []
                if isinstance(item, dict) and item.get("waybillNo")
            ]
            carrier_reference_store(carrier=carrier, order_number=number, waybill_numbers=waybills)
            return SendResult.delivered(waybill_numbers=waybills)
        return SendResult.delivered()

    # --- inbound -------------------------------------------------------------------------------

    def parse(self, request: InboundRequest, *, carrier: Carrier) -> list[PlatformEvent]:
        try:
            fields = form_fields(request.body, required=("timestamp", "msgDigest", "msgData"))
        except InvalidBody as invalid:
            raise InvalidRequest(
                invalid.message, payload={"raw": printable(request.body)}, check_duplicate=False
            ) from None

        def signed(check_word: str) -> bool:
            expected = msg_digest(
                msg_data=fields["msgData"], timestamp=fields["timestamp"], check_word=check_word
            )
            return hmac.compare_digest(expected.encode(), fields["msgDigest"].encode())

        if not signed_with_setting(carrier, "check_word", signed):
            raise RequestRefused(_("The msgDigest does not match."))
        partner = fields.get("partnerID")
        if partner and partner != self.settings_of(carrier)["partner_id"]:
            # Signed with our check word but for another 顾客编码: not this carrier's push.
            raise RequestRefused(_("The partnerID is not this carrier's."))
        # The timestamp is not checked for age: SF re-pushes what was not acknowledged, and a
        # replayed route or state is a duplicate of its id (DESIGN §7.5), so it changes nothing.
        try:
            data = json_field(fields["msgData"])
        except InvalidBody as invalid:
            raise InvalidRequest(
                invalid.message, payload={"msgData": fields["msgData"]}, check_duplicate=False
            ) from None
        routes = (data.get("Body") or {}).get("WaybillRoute") if isinstance(data, dict) else None
        if isinstance(data, dict) and isinstance(data.get("Body"), dict) and isinstance(routes, list):
            return [self._route_event(route) for route in routes]
        if isinstance(data, dict) and isinstance(data.get("orderState"), list):
            return [self._state_event(state) for state in data["orderState"]]
        raise InvalidRequest(
            _("msgData is neither a route push (Body.WaybillRoute) nor an order-state push (orderState)."),
            payload={"msgData": masked(data)},
            check_duplicate=False,
        )

    def _route_event(self, route: Any) -> PlatformEvent:
        if not isinstance(route, dict):
            return PlatformEvent(id="", envelope={}, payload={"route": route})
        op = str(route.get("opCode") or "")
        kind = codes.ROUTES.get(op, codes.IN_TRANSIT)
        remark = str(route.get("remark") or "")[:300]
        if kind == "order.picked_up":
            data: dict[str, Any] = {"waybill_no": str(route.get("mailno") or "")}
        elif kind == "order.problem":
            data = {"description": remark or op}
        elif kind == "order.returning":
            data = {"reason": remark}
        elif kind == codes.IN_TRANSIT:
            data = {"location": str(route.get("acceptAddress") or "")[:200], "description": remark}
        else:
            data = {}
        occurred = carrier_time(route.get("acceptTime"))
        envelope = {
            "order": str(route.get("orderid") or ""),
            "type": kind,
            "occurred_at": occurred.isoformat() if occurred else None,
            "data": data,
        }
        return PlatformEvent(id=str(route.get("id") or ""), envelope=envelope, payload={"route": route})

    def _state_event(self, state: Any) -> PlatformEvent:
        if not isinstance(state, dict):
            return PlatformEvent(id="", envelope={}, payload={"orderState": state})
        code = str(state.get("orderStateCode") or "")
        desc = str(state.get("orderStateDesc") or "")
        if code == codes.COURIER_ASSIGNED:
            emp = str(state.get("empCode") or "")
            phone = str(state.get("empPhone") or "")
            kind, data = "order.accepted", {"courier": {"name": emp, "phone": phone, "employee_id": emp}}
        elif code in codes.PICKUP_EXCEPTIONS:
            kind, data = "order.pickup_exception", {"code": codes.PICKUP_EXCEPTIONS[code], "note": desc[:500]}
        elif codes.is_cancellation(code, desc):
            kind, data = "order.cancelled", {"reason": desc[:500]}
        else:
            kind, data = codes.NOTE, {"code": f"sf:{code}"[:40], "description": desc[:500]}
        occurred = carrier_time(state.get("lastTime"))
        envelope = {
            "order": str(state.get("orderNo") or ""),
            "type": kind,
            "occurred_at": occurred.isoformat() if occurred else None,
            "data": data,
        }
        # SF's order states have no id of their own: the order, the state and its time are one.
        event_id = f"{state.get('orderNo')}:{code}:{state.get('lastTime')}"
        return PlatformEvent(id=event_id, envelope=envelope, payload={"orderState": masked(state)})

    def refuse(self, *, status: int, error: str, detail: str) -> HttpResponse:
        return answer_json({"return_code": codes.ACK_REFUSED, "return_msg": detail}, status=status)

    def acknowledge(self, outcome: InboundOutcome) -> HttpResponse:
        if outcome.refused is not None:
            return answer_json(
                {"return_code": codes.ACK_BAD_DIGEST, "return_msg": str(outcome.refused.reason)}, status=401
            )
        for answer in outcome.answers:
            if answer.result == CarrierEventResult.INVALID:
                return answer_json(
                    {"return_code": "1000", "return_msg": detail_text(answer.detail)}, status=400
                )
        refused = [
            a
            for a in outcome.answers
            if a.result in (CarrierEventResult.NOT_FOUND, CarrierEventResult.ILLEGAL)
        ]
        if refused:
            # SF pushes again later: the event each refusal waits for may have arrived by then.
            message = "; ".join(f"{a.event_id}: {detail_text(a.detail or a.error)}" for a in refused)
            return answer_json({"return_code": "1000", "return_msg": message}, status=409)
        return answer_json(codes.ACK_OK)
