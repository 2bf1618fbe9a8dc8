"""Helpers for the carrier API tests: signed posts, event bodies, fixed moments."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.utils import timezone

from carriers.selectors import current_contract
from carriers.webhooks import sign_payload, sign_request
from orders.models import Status
from orders.tests.factories import OrderFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A fixed "now" for the callback tests: events happen in the hour before it.
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)
EVENTS_URL = "/api/v1/carriers/{code}/events/"
ORDERS_URL = "/api/v1/carriers/{code}/orders/"

_ids = itertools.count(1)


def minutes_ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


def body(order, type: str, occurred_at: datetime, data: dict | None = None) -> dict:
    number = order if isinstance(order, str) else order.number
    return {"order": number, "type": type, "occurred_at": occurred_at.isoformat(), "data": data or {}}


def new_msg_id() -> str:
    return f"msg_test_{next(_ids)}"


class Sender:
    """Posts signed callbacks as one carrier."""

    def __init__(self, client, code: str, secret: str):
        self.client, self.code, self.secret = client, code, secret
        self.last_msg_id = ""

    def post(
        self, payload, *, msg_id: str | None = None, headers: dict | None = None, raw: bytes | None = None
    ):
        data = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
        self.last_msg_id = msg_id or new_msg_id()
        signed = sign_payload(
            secret=self.secret, msg_id=self.last_msg_id, timestamp=timezone.now(), body=data
        )
        return self.client.post(
            EVENTS_URL.format(code=self.code),
            data=data,
            content_type="application/json",
            headers={**signed, **(headers or {})},
        )

    def get_orders(self, params: dict | None = None):
        """A signed pull; the signature covers the path and the query string as sent."""
        path = ORDERS_URL.format(code=self.code)
        if params:
            path += "?" + urlencode(params, doseq=True)
        signed = sign_request(
            secret=self.secret, msg_id=new_msg_id(), method="GET", full_path=path, timestamp=timezone.now()
        )
        return self.client.get(path, headers=signed)


COURIER = {"name": "王师傅", "phone": "13700137000", "employee_id": "SZ1024"}
OTHER_COURIER = {"name": "赵师傅", "phone": "13600136000", "employee_id": "SZ2048"}
PICKUP_CODE = "918273"


def picked_up_data(**overrides) -> dict:
    data = {
        "waybill_no": "SF1234567890",
        "weight_kg": "1.6",
        "fee": {"amount": "23.00", "currency": "CNY"},
        "pickup_code": PICKUP_CODE,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def order_at(carrier, user, status: str = Status.PLACED, *, since: datetime | None = None, **fields):
    """An order of ``carrier`` whose current status was set at ``since`` (default: an hour ago)."""
    fields.setdefault("pickup_code", PICKUP_CODE)
    fields.setdefault("contract", current_contract(carrier))
    return OrderFactory(
        carrier=carrier,
        user=user,
        status=status,
        status_changed_at=since or minutes_ago(60),
        **fields,
    )
