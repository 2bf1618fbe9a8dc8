"""The e-waybill receipt (000 4.10, DESIGN §10): what the sender keeps for any claim.

Once the courier has collected the parcel, the owner can print a receipt page or download it as a
PDF: the waybill number as a Code 128 barcode, the carrier, the pickup time, both parties with
masked phones, the weight, the fee, who pays and the version of the carrier's terms accepted.
The barcode is drawn by reportlab's barcode module, the same bars on the page (as SVG rectangles)
and in the PDF.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF, shapes
from reportlab.graphics.barcode.widgets import BarcodeCode128
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from carriers.formats import local_time, masked_phone, money, weight
from orders.models import Order, Status
from orders.services.statuses import AFTER_PICKUP

# Module width and height of the bars, in points (PDF) or pixels (page): wide enough for any
# scanner and for a phone camera reading the screen.
BAR_MODULE = 1.2
BAR_HEIGHT = 48
# Adobe's CID fonts every PDF reader has: nothing to embed, Chinese in either script.
PDF_FONTS = {"zh-hant": "MSung-Light", "default": "STSong-Light"}


class ReceiptUnavailable(Exception):
    """The parcel has not been collected yet: there is no waybill to show."""


@dataclass(frozen=True)
class ReceiptParty:
    name: str
    phone: str  # masked
    address: str


@dataclass(frozen=True)
class Bar:
    x: float
    width: float


@dataclass(frozen=True)
class Receipt:
    order_number: str
    waybill_no: str
    carrier: str
    picked_up_at: datetime | None
    sender: ReceiptParty
    recipient: ReceiptParty
    description: str
    quantity: int
    weight: str  # as weighed by the courier, else as booked
    fee: str  # the carrier's fee, or "" while it is not reported yet
    estimate: str
    payer: str  # who pays, in words
    declared_value: str
    insured: bool
    contract_version: str
    contract_title: str

    @property
    def rows(self) -> list[tuple[str, str]]:
        """The receipt's lines as (label, value), in the order both formats show them."""
        picked_up = local_time(self.picked_up_at) if self.picked_up_at else ""
        return [
            (_("Waybill number"), self.waybill_no),
            (_("Order number"), self.order_number),
            (_("Carrier"), self.carrier),
            (_("Picked up at"), picked_up),
            (_("Sender"), f"{self.sender.name} {self.sender.phone}"),
            (_("Sender address"), self.sender.address),
            (_("Recipient"), f"{self.recipient.name} {self.recipient.phone}"),
            (_("Recipient address"), self.recipient.address),
            (_("Contents"), f"{self.description} × {self.quantity}"),
            (_("Weight"), self.weight),
            (
                _("Fee"),
                self.fee
                or _("%(estimate)s (estimate; the carrier confirms the fee)") % {"estimate": self.estimate},
            ),
            (_("Who pays"), self.payer),
            (
                _("Declared value"),
                f"{self.declared_value} · {_('insured')}" if self.insured else self.declared_value,
            ),
            (_("Contract terms accepted"), f"{self.contract_title} · {self.contract_version}"),
        ]


def _party(order: Order, prefix: str) -> ReceiptParty:
    place = " ".join(
        getattr(order, f"{prefix}_{part}") for part in ("province", "city", "district", "address")
    )
    return ReceiptParty(
        name=getattr(order, f"{prefix}_name"),
        phone=masked_phone(getattr(order, f"{prefix}_phone")),
        address=place,
    )


def _picked_up_at(order: Order) -> datetime | None:
    """When the carrier says it collected the parcel: the event that moved the order to picked up."""
    return next(
        (
            event.occurred_at
            for event in order.events.all()
            if event.new_status == Status.PICKED_UP and event.old_status != Status.PICKED_UP
        ),
        None,
    )


def receipt_for(*, order: Order) -> Receipt:
    """The receipt of ``order``; :class:`ReceiptUnavailable` before pickup (no waybill yet)."""
    if order.status not in AFTER_PICKUP or not order.waybill_no:
        raise ReceiptUnavailable(_("The receipt is ready once the courier has collected the parcel."))
    return Receipt(
        order_number=order.number,
        waybill_no=order.waybill_no,
        carrier=order.carrier.name,
        picked_up_at=_picked_up_at(order),
        sender=_party(order, "sender"),
        recipient=_party(order, "recipient"),
        description=order.description,
        quantity=order.quantity,
        weight=weight(order.actual_weight_kg if order.actual_weight_kg is not None else order.weight_kg),
        fee=money(order.fee_amount, order.fee_currency),
        estimate=money(order.estimate_amount, order.estimate_currency),
        payer=str(order.get_payer_display()),
        declared_value=money(order.declared_value, order.currency),
        insured=order.insured,
        contract_version=order.contract.version,
        contract_title=order.contract.title,
    )


# --- the barcode -------------------------------------------------------------------------------


def _barcode(value: str) -> BarcodeCode128:
    return BarcodeCode128(
        value=value, barWidth=BAR_MODULE, barHeight=BAR_HEIGHT, humanReadable=False, quiet=True
    )


def barcode_bars(value: str) -> tuple[list[Bar], float]:
    """The dark bars of ``value`` in Code 128 (with its quiet zones) and the symbol's width."""
    widget = _barcode(value)

    def rects(group):
        for item in group.contents:
            if isinstance(item, shapes.Group):
                yield from rects(item)
            elif isinstance(item, shapes.Rect) and item.fillColor == widget.barFillColor:
                yield item  # a bar (the symbol's unfilled background is a rectangle too)

    bars = [Bar(x=round(float(r.x), 2), width=round(float(r.width), 2)) for r in rects(widget.draw())]
    return bars, float(widget.width)


# --- the PDF -------------------------------------------------------------------------------------


def _pdf_font() -> str:
    name = PDF_FONTS.get((get_language() or "").lower(), PDF_FONTS["default"])
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(name))
    return name


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of ``text`` no wider than ``width``, broken anywhere (Chinese has no spaces)."""
    lines, line = [], ""
    for char in text:
        if pdfmetrics.stringWidth(line + char, font, size) > width and line:
            lines.append(line)
            line = char
        else:
            line += char
    return [*lines, line]


def receipt_pdf(receipt: Receipt) -> bytes:
    """The receipt as a one-page A4 PDF, in the active language."""
    font = _pdf_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(_("E-waybill receipt %(waybill)s") % {"waybill": receipt.waybill_no})
    pdf.setAuthor(receipt.carrier)
    page_width, page_height = A4
    left, top = 20 * mm, page_height - 20 * mm

    pdf.setFont(font, 18)
    pdf.drawString(left, top, _("E-waybill receipt"))
    pdf.setFont(font, 10)
    pdf.drawString(left, top - 16, receipt.carrier)

    drawing = shapes.Drawing()
    widget = _barcode(receipt.waybill_no)
    drawing.add(widget)
    drawing.width, drawing.height = widget.width, widget.height
    y = top - 30 - BAR_HEIGHT
    renderPDF.draw(drawing, pdf, left, y)
    pdf.setFont(font, 12)
    pdf.drawString(left, y - 14, receipt.waybill_no)

    y -= 40
    value_left = left + 45 * mm
    value_width = page_width - value_left - 20 * mm
    for label, value in receipt.rows:
        pdf.setFont(font, 9)
        pdf.setFillColor(colors.grey)
        pdf.drawString(left, y, label)
        pdf.setFillColor(colors.black)
        pdf.setFont(font, 11)
        for line in _wrap(value, font, 11, value_width):
            pdf.drawString(value_left, y, line)
            y -= 15
        y -= 3

    y -= 10
    pdf.setFont(font, 10)
    for line in _wrap(keep_note(), font, 10, page_width - 40 * mm):
        pdf.drawString(left, y, line)
        y -= 14
    pdf.setFont(font, 8)
    pdf.setFillColor(colors.grey)
    pdf.drawString(left, 15 * mm, _("Printed %(time)s") % {"time": local_time(timezone.now())})
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def keep_note() -> str:
    return _(
        "Keep this receipt: for a claim about this parcel you need its waybill number. Check it "
        "against the courier's paper waybill when you hand the parcel over."
    )
