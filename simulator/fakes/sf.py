"""A fake SF Express 丰桥 open platform (https://open.sf-express.com: 下订单接口, 订单确认/取消接口,
路由推送, 订单状态推送).

From SF's published protocol: every request is a form POST with ``partnerID``, ``requestID``,
``serviceCode``, ``timestamp``, ``msgData`` (JSON text) and ``msgDigest`` = Base64(MD5(URL-encoded
(msgData + timestamp + checkWord))), the URL-encoding as Java's ``URLEncoder`` (space → ``+``).
Answers ``{"apiResultCode": "A1000", "apiErrorMsg": "", "apiResponseID": …, "apiResultData":
"<JSON text>"}`` with ``success`` / ``errorCode`` / ``errorMsg`` / ``msgData`` inside; a second
create with the same ``orderId`` is refused with errorCode 8016 (重复下单).

Scripted answers (``script``) for the next calls: ``"ok"``, ``"hang"`` (no answer, nothing done),
``"book_then_hang"`` (the order is taken, the answer never comes), ``"system"`` (A1011),
``("refuse", code, message)``.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

from .server import FakeServer, post_form

BEIJING = ZoneInfo("Asia/Shanghai")


def digest(msg_data: str, timestamp: str, check_word: str) -> str:
    text = quote_plus(msg_data + timestamp + check_word, encoding="utf-8")
    return base64.b64encode(hashlib.md5(text.encode("utf-8")).digest()).decode()  # noqa: S324


@dataclass
class SFOrder:
    order_id: str
    waybill_no: str
    msg_data: dict
    cancelled: bool = False


class FakeSF(FakeServer):
    def __init__(self, *, partner_id: str, check_word: str, **kwargs):
        super().__init__(**kwargs)
        self.partner_id, self.check_word = partner_id, check_word
        self.script: list[Any] = []
        self.calls: list[dict[str, str]] = []
        self.orders: dict[str, SFOrder] = {}
        self._ids = itertools.count(1)
        self._routes = itertools.count(1)
        self._lock = threading.Lock()

    @staticmethod
    def _answer(success: bool, *, code: str = "S0000", message: str | None = None, data: Any = None) -> dict:
        inner = {"success": success, "errorCode": code, "errorMsg": message, "msgData": data}
        return {
            "apiResultCode": "A1000",
            "apiErrorMsg": "",
            "apiResponseID": uuid.uuid4().hex.upper(),
            "apiResultData": json.dumps(inner, ensure_ascii=False),
        }

    def handle(self, path: str, form: dict[str, str]) -> tuple[int, dict | None]:
        with self._lock:
            self.calls.append(form)
            step = self.script.pop(0) if self.script else "ok"
        if step == "hang":
            return 200, None
        if step == "system":
            return 200, {"apiResultCode": "A1011", "apiErrorMsg": "系统繁忙", "apiResultData": None}
        if form.get("partnerID") != self.partner_id:
            return 200, {"apiResultCode": "A1001", "apiErrorMsg": "partnerID不存在", "apiResultData": None}
        expected = digest(form.get("msgData", ""), form.get("timestamp", ""), self.check_word)
        if form.get("msgDigest") != expected:
            return 200, {"apiResultCode": "A1006", "apiErrorMsg": "数字签名无效", "apiResultData": None}
        msg = json.loads(form["msgData"])
        if isinstance(step, tuple) and step[0] == "refuse":
            return 200, self._answer(False, code=step[1], message=step[2])
        service = form.get("serviceCode")
        if service == "EXP_RECE_CREATE_ORDER":
            answer = self._create(msg)
        elif service == "EXP_RECE_UPDATE_ORDER":
            answer = self._update(msg)
        else:
            return 200, {"apiResultCode": "A1003", "apiErrorMsg": "服务代码不存在", "apiResultData": None}
        return (200, None) if step == "book_then_hang" else (200, answer)

    def _create(self, msg: dict) -> dict:
        order_id = str(msg.get("orderId") or "")
        with self._lock:
            if order_id in self.orders:
                return self._answer(False, code="8016", message="重复下单")
            if not order_id or len(msg.get("contactInfoList") or []) != 2:
                return self._answer(False, code="1010", message="寄件地址不能为空")
            order = SFOrder(order_id, f"SF{next(self._ids):013d}", msg)
            self.orders[order_id] = order
        info = [{"waybillType": 1, "waybillNo": order.waybill_no}]
        return self._answer(True, data={"orderId": order_id, "waybillNoInfoList": info, "filterResult": 2})

    def _update(self, msg: dict) -> dict:
        order = self.orders.get(str(msg.get("orderId")))
        if order is None:
            return self._answer(False, code="8037", message="订单不存在")
        if msg.get("dealType") == 2:
            order.cancelled = True
        return self._answer(True, data={"orderId": order.order_id, "resStatus": 2})

    # --- pushes -------------------------------------------------------------------------------

    def envelope(self, msg_data: dict, service: str) -> dict[str, str]:
        text = json.dumps(msg_data, ensure_ascii=False, separators=(",", ":"))
        timestamp = str(int(datetime.now(BEIJING).timestamp() * 1000))
        return {
            "partnerID": self.partner_id,
            "requestID": str(uuid.uuid4()),
            "serviceCode": service,
            "timestamp": timestamp,
            "msgDigest": digest(text, timestamp, self.check_word),
            "msgData": text,
        }

    def route(
        self, order: SFOrder, op_code: str, *, remark: str = "", address: str = "深圳市", at=None
    ) -> dict:
        at = (at or datetime.now(BEIJING)).astimezone(BEIJING)
        return {
            "id": f"{next(self._routes):018d}",
            "mailno": order.waybill_no,
            "orderid": order.order_id,
            "acceptTime": at.strftime("%Y-%m-%d %H:%M:%S"),
            "acceptAddress": address,
            "remark": remark,
            "opCode": op_code,
        }

    def routes_fields(self, routes: list[dict]) -> dict[str, str]:
        return self.envelope({"Body": {"WaybillRoute": routes}}, "RoutePushService")

    def state_fields(self, order: SFOrder, code: str, desc: str, *, emp=("", ""), at=None) -> dict[str, str]:
        at = (at or datetime.now(BEIJING)).astimezone(BEIJING)
        state = {
            "orderNo": order.order_id,
            "waybillNo": order.waybill_no,
            "orderStateCode": code,
            "orderStateDesc": desc,
            "empCode": emp[0],
            "empPhone": emp[1],
            "lastTime": at.strftime("%Y-%m-%d %H:%M:%S"),
        }
        return self.envelope(
            {
                "requestId": uuid.uuid4().hex,
                "timestamp": at.strftime("%Y-%m-%d %H:%M:%S"),
                "orderState": [state],
            },
            "EXP_RECE_PUSH_ORDER_STATE",
        )

    def push(self, url: str, fields: dict[str, str]) -> tuple[int, Any]:
        return post_form(url, fields)
