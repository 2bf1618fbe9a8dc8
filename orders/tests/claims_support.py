"""Helpers for the claim tests: a picked-up hk-bag parcel at a known time, documents made here."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from reportlab.pdfgen import canvas

from orders.models import Actor, Status
from orders.tests.carrier_events_support import order_at
from orders.tests.factories import OrderEventFactory
from reviews.tests.images import image_bytes

SHANGHAI = ZoneInfo("Asia/Shanghai")
PICKED_AT = datetime(2026, 11, 1, 10, 0, tzinfo=SHANGHAI)
CLAIMS_URL = "/api/v1/orders/{number}/claims/"
DOCUMENTS_URL = "/api/v1/orders/{number}/claims/{claim}/documents/"
S = Status


def pdf_bytes(text: str = "Sale receipt HKD 800") -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, text)
    page.save()
    return out.getvalue()


def pdf_upload(name: str = "receipt.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def jpeg_upload(name: str = "photo.jpg", *, gps: bool = True) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("JPEG", gps=gps), content_type="image/jpeg")


def png_upload(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("PNG"), content_type="image/png")


def picked_up_parcel(
    carrier,
    user,
    status: str = S.PICKED_UP,
    *,
    picked_at: datetime = PICKED_AT,
    signed_remark: str | None = None,
    declared_value: Decimal = Decimal("800.00"),
    fee_paid: bool | None = True,
    **fields,
):
    """An order of ``carrier`` collected at ``picked_at`` (its ``order.picked_up`` on the timeline),
    now in ``status``; a signed one carries its ``order.signed`` with ``signed_remark``."""
    order = order_at(
        carrier,
        user,
        status,
        since=picked_at,
        currency=carrier.currency,
        declared_value=declared_value,
        fee_paid=fee_paid,
        waybill_no="HK123456789",
        **fields,
    )
    OrderEventFactory(
        order=order,
        kind="order.picked_up",
        old_status=S.ACCEPTED,
        new_status=S.PICKED_UP,
        actor=Actor.CARRIER,
        occurred_at=picked_at,
    )
    if status == S.SIGNED:
        data = {"remark": signed_remark} if signed_remark else {"intact": True}
        OrderEventFactory(
            order=order,
            kind="order.signed",
            old_status=S.IN_TRANSIT,
            new_status=S.SIGNED,
            actor=Actor.CARRIER,
            occurred_at=picked_at.replace(day=picked_at.day + 2),
            data=data,
            note=signed_remark or "",
        )
    return order


def claim_post(client, order, *, language: str = "en", documents=(), **fields):
    payload = {"kind": "lost", "amount": "500.00", "description": "包裹整件丢失", **fields}
    if documents:
        payload["documents"] = list(documents)
    return client.post(
        CLAIMS_URL.format(number=order.number), payload, format="multipart", HTTP_ACCEPT_LANGUAGE=language
    )
