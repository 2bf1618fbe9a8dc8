"""Kuaidi100 商家寄件: its status codes and answer codes (DESIGN §7.5), declared once.

``STATUSES`` maps a callback's ``data.status`` to the platform event it gives; a code not listed is
kept on the order's timeline as a carrier note, never a failed callback. Each row is tested
against a recorded sample message (``carriers/tests/data/kuaidi100``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Status:
    code: str
    meaning: str  # Kuaidi100's own name for it
    event: str  # the platform event type (DESIGN §7.2)


NOTE = "order.carrier_note"
# 揽货失败 (11) says only that the courier could not collect, never why: the pickup exception code
# ``other`` (DESIGN §3.3), with Kuaidi100's message as the note.
PICKUP_FAILED_CODE = "other"

STATUSES: dict[str, Status] = {
    s.code: s
    for s in (
        Status("0", "下单成功", "order.dispatching"),
        Status("610", "下单失败", "order.dispatch_failed"),
        Status("1", "已接单", "order.accepted"),
        Status("2", "收件中", NOTE),
        Status("11", "揽货失败", "order.pickup_exception"),
        Status("10", "已取件", "order.picked_up"),
        Status("15", "已结算", "order.fee_settled"),
        Status("155", "修改重量", "order.fee_settled"),
        Status("101", "运输中", "order.in_transit"),
        Status("13", "已签收", "order.signed"),
        Status("14", "异常签收", "order.signed"),
        Status("12", "已退回", "order.returned"),
        Status("9", "用户主动取消", "order.cancelled"),
        Status("99", "订单已取消", "order.cancelled"),
    )
}

# The answer to book and cancel: ``returnCode`` "200" with ``result`` true is done; "500" is
# Kuaidi100's own failure (retried); anything else with ``result`` false is a business refusal.
RETURN_OK = "200"
RETURN_RETRIED = frozenset({"500"})

# The acknowledgement of a callback (byte for byte what Kuaidi100 expects).
ACK_OK = {"result": True, "returnCode": "200", "message": "成功"}
