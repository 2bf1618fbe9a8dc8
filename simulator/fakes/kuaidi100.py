"""A fake Kuaidi100 商家寄件 API (https://api.kuaidi100.com/document/...: 商家寄件 下单 / 取消 / 回调).

What it implements, from Kuaidi100's published protocol:

- ``POST /order/borderapi.do``, form fields ``method`` (``bOrder`` / ``cancel``), ``key``, ``t``,
  ``param`` (JSON text), ``sign`` = MD5(param + t + key + secret), upper-case hex. Answers
  ``{"result": true, "returnCode": "200", "message": "提交成功", "data": {"taskId", "orderId"}}``,
  or ``result: false`` with a ``returnCode`` and ``message``;
- callbacks to the booking's ``callBackUrl``: form fields ``taskId``, ``param`` (JSON text with
  ``kuaidicom``, ``kuaidinum``, ``status``, ``message``, ``data`` {``orderId``, ``status``,
  ``courierName``, ``courierMobile``, ``weight``, ``freight``, ``cancelMsg``, ``updateTime``}) and
  ``sign`` = MD5(param + salt), upper-case hex, with the ``salt`` the booking's param gave (or, for
  a booking without one, the salt configured on the account, if any).

Scripted answers (``script``) make it refuse, fail or hang for the next calls.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from .server import FakeServer, post_form

BEIJING = ZoneInfo("Asia/Shanghai")
BOOK_FIELDS = (
    "kuaidicom",
    "sendManName",
    "sendManMobile",
    "sendManPrintAddr",
    "recManName",
    "recManMobile",
    "recManPrintAddr",
    "cargo",
    "callBackUrl",
)


def md5_upper(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest().upper()  # noqa: S324  (their protocol)


@dataclass
class Booking:
    task_id: str
    order_id: str
    param: dict
    kuaidinum: str = ""
    cancelled: bool = False
    statuses: list[str] = field(default_factory=list)


class FakeKuaidi100(FakeServer):
    """``script``: answers for the next calls, in order — ``"ok"``, ``"hang"`` (no answer, nothing
    done), ``"book_then_hang"`` (the order is booked, the answer never comes), ``"http500"``,
    ``"system"`` (returnCode 500), or ``("refuse", code, message)``."""

    def __init__(self, *, key: str, secret: str, salt: str = "", **kwargs):
        super().__init__(**kwargs)
        self.key, self.secret, self.salt = key, secret, salt
        self.script: list[Any] = []
        self.calls: list[dict[str, str]] = []  # every form received, as received
        self.bookings: dict[str, Booking] = {}  # by orderId
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    # --- the API -----------------------------------------------------------------------------

    def handle(self, path: str, form: dict[str, str]) -> tuple[int, dict | None]:
        with self._lock:
            self.calls.append(form)
            step = self.script.pop(0) if self.script else "ok"
        if step == "hang":
            return 200, None
        if step == "http500":
            return 502, {"message": "Bad Gateway"}
        if step == "system":
            return 200, {"result": False, "returnCode": "500", "message": "服务器错误"}
        if path.split("?")[0] != "/order/borderapi.do":
            return 404, {"result": False, "returnCode": "404", "message": "not found"}
        if form.get("key") != self.key:
            return 200, {"result": False, "returnCode": "601", "message": "key不存在"}
        expected = md5_upper(form.get("param", "") + form.get("t", "") + self.key + self.secret)
        if form.get("sign") != expected:
            return 200, {"result": False, "returnCode": "400", "message": "签名错误"}
        try:
            param = json.loads(form.get("param", ""))
        except ValueError:
            return 200, {"result": False, "returnCode": "400", "message": "param格式错误"}
        if isinstance(step, tuple) and step[0] == "refuse":
            return 200, {"result": False, "returnCode": step[1], "message": step[2]}
        if form.get("method") == "bOrder":
            status, answer = self._book(param)
            return (status, None) if step == "book_then_hang" else (status, answer)
        if form.get("method") == "cancel":
            return self._cancel(param)
        return 200, {"result": False, "returnCode": "400", "message": "method不支持"}

    def _book(self, param: dict) -> tuple[int, dict]:
        missing = [name for name in BOOK_FIELDS if not param.get(name)]
        if missing:
            return 200, {"result": False, "returnCode": "400", "message": f"缺少参数{','.join(missing)}"}
        n = next(self._ids)
        booking = Booking(task_id=f"TASK{n:06d}", order_id=f"K100{n:08d}", param=param)
        with self._lock:
            self.bookings[booking.order_id] = booking
        data = {"taskId": booking.task_id, "orderId": booking.order_id}
        return 200, {"result": True, "returnCode": "200", "message": "提交成功", "data": data}

    def _cancel(self, param: dict) -> tuple[int, dict]:
        booking = self.bookings.get(str(param.get("orderId")))
        if booking is None or booking.task_id != param.get("taskId"):
            return 200, {"result": False, "returnCode": "400", "message": "订单不存在"}
        booking.cancelled = True
        return 200, {"result": True, "returnCode": "200", "message": "取消成功"}

    # --- callbacks -----------------------------------------------------------------------------

    def callback_fields(
        self, booking: Booking, status: str, *, message: str = "", at: datetime | None = None, **data: Any
    ) -> dict[str, str]:
        """The form Kuaidi100 posts for one status of a booking."""
        at = (at or datetime.now(BEIJING)).astimezone(BEIJING)
        if status == "10" and not booking.kuaidinum:
            booking.kuaidinum = f"SF{int(booking.order_id[4:]):012d}"
        param = {
            "kuaidicom": booking.param.get("kuaidicom", ""),
            "kuaidinum": booking.kuaidinum,
            "status": status,
            "message": message,
            "data": {
                "orderId": booking.order_id,
                "status": status,
                "courierName": "",
                "courierMobile": "",
                "weight": "",
                "freight": "",
                "cancelMsg": "",
                "updateTime": at.strftime("%Y-%m-%d %H:%M:%S"),
                **data,
            },
        }
        text = json.dumps(param, ensure_ascii=False, separators=(",", ":"))
        booking.statuses.append(status)
        salt = booking.param.get("salt") or self.salt
        return {"taskId": booking.task_id, "sign": md5_upper(text + salt), "param": text}

    def push(self, booking: Booking, status: str, **kwargs: Any) -> tuple[int, Any]:
        """Post one status to the booking's callBackUrl, as Kuaidi100 does."""
        return post_form(booking.param["callBackUrl"], self.callback_fields(booking, status, **kwargs))
