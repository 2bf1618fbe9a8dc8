"""SF 丰桥: route operation codes, order states and answer codes (DESIGN §7.5), declared once.

``ROUTES`` maps a route push's ``opCode`` to a platform event; every other code is a scan on the
way (``order.in_transit``). Each row is tested against a recorded sample message
(``carriers/tests/data/sf_pushes.json``).
"""

from __future__ import annotations

IN_TRANSIT = "order.in_transit"
NOTE = "order.carrier_note"

ROUTES: dict[str, str] = {
    "50": "order.picked_up",  # 已揽收
    "44": "order.out_for_delivery",  # 派送中
    "204": "order.out_for_delivery",
    "80": "order.signed",  # 已签收
    "8000": "order.signed",
    "70": "order.problem",  # 派送失败
    "33": "order.problem",  # 滞留
    "99": "order.returning",  # 退回
    "648": "order.returning",
}

# Order-state push: a courier assigned; the pickup exceptions of DESIGN §3.3 by SF's own codes.
COURIER_ASSIGNED = "04-40001"
PICKUP_EXCEPTIONS: dict[str, str] = {
    "04-40002-40021": "phone_invalid",
    "04-40002-40022": "cannot_enter",
    "04-40002-40004": "unreachable",
    "04-40002-40031": "not_acceptable",
    "04-40002-40014": "customer_cancel",
    "04-40002-40015": "duplicate_order",
}
# The order states that say SF cancelled the order, by code or by exact description
# (orderStateDesc). Never by a word inside a description: "取消订单失败" is not a cancellation.
# Not yet confirmed against a real account's pushes (docs/carriers.md says so).
CANCELLED_STATES = frozenset({"04-40037"})
CANCELLED_DESCRIPTIONS = frozenset({"订单已取消", "已取消", "客户取消", "客户取消寄件"})


def is_cancellation(code: str, description: str) -> bool:
    return code in CANCELLED_STATES or description.strip() in CANCELLED_DESCRIPTIONS


# Answers: apiResultCode A1000 is "the call went through"; anything else is SF's own failure
# (retried). Inside, success false is a business refusal, except a duplicate of the same orderId.
API_OK = "A1000"
DUPLICATE_ORDER_CODES = frozenset({"8016"})  # 重复下单

# The acknowledgement of a push.
ACK_OK = {"return_code": "0000", "return_msg": "成功"}
ACK_BAD_DIGEST = "1000"
ACK_REFUSED = "1000"  # any push not taken (too large, unreadable, refused): SF pushes it again
