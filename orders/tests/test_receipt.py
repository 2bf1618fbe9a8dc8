"""The e-waybill receipt (000 4.10, DESIGN §10): a printable page and a PDF once picked up, with the
waybill number as a barcode that decodes back to it."""

import re
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pypdfium2
import pytest
import zxingcpp
from django.conf import settings
from django.urls import reverse
from PIL import Image, ImageDraw

from orders.models import Actor, Status
from orders.tests.factories import OrderEventFactory, OrderFactory

S = Status
SHANGHAI = ZoneInfo("Asia/Shanghai")
PICKED_UP_AT = datetime(2026, 11, 23, 10, 37, tzinfo=SHANGHAI)
WAYBILL = "SF1234567890123"


def picked_up_order(customer, carrier, status=S.PICKED_UP, **fields):
    order = OrderFactory(
        user=customer,
        carrier=carrier,
        contract=carrier.contracts.first(),
        status=status,
        waybill_no=WAYBILL,
        actual_weight_kg=Decimal("1.720"),
        fee_amount=Decimal("18.50"),
        fee_currency="CNY",
        recipient_phone="+85251234567",
        **fields,
    )
    OrderEventFactory(order=order, new_status=S.PLACED, occurred_at=PICKED_UP_AT.replace(hour=8))
    OrderEventFactory(
        order=order,
        kind="order.picked_up",
        old_status=S.ACCEPTED,
        new_status=S.PICKED_UP,
        actor=Actor.CARRIER,
        occurred_at=PICKED_UP_AT,
    )
    return order


@pytest.fixture
def client_en(client, customer):
    client.force_login(customer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _svg_barcode_image(html: str) -> Image.Image:
    """The page's barcode drawn as it is shown: its SVG rectangles, 3 pixels per unit."""
    svg = re.search(r'<svg [^>]*data-testid="barcode".*?</svg>', html, re.S).group(0)
    width = float(re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg).group(1))
    scale, height = 3, 120
    image = Image.new("L", (int(width * scale) + 40, height + 40), 255)
    draw = ImageDraw.Draw(image)
    for x, w in re.findall(r'<rect x="([\d.]+)" y="0" width="([\d.]+)" height="[\d.]+" fill="#000"/>', svg):
        left = 20 + float(x) * scale
        draw.rectangle([left, 20, left + float(w) * scale - 1, 20 + height], fill=0)
    return image


def _decoded(image: Image.Image) -> list[tuple[str, str]]:
    return [(r.text, r.format.name) for r in zxingcpp.read_barcodes(image)]


def test_the_receipt_page_shows_the_waybill_as_a_barcode_that_decodes_back(client_en, customer, carrier):
    order = picked_up_order(customer, carrier)

    response = client_en.get(reverse("orders:receipt", args=[order.number]))

    assert response.status_code == 200
    html = response.content.decode()
    assert _decoded(_svg_barcode_image(html)) == [(WAYBILL, "Code128")]


def test_the_receipt_page_lists_the_parties_masked_the_weight_fee_and_terms(client_en, customer, carrier):
    order = picked_up_order(customer, carrier)
    contract = order.contract

    html = client_en.get(reverse("orders:receipt", args=[order.number])).content.decode()

    rows = dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", html))
    assert rows["Waybill number"] == WAYBILL
    assert rows["Order number"] == order.number
    assert rows["Carrier"] == carrier.name_en
    assert rows["Picked up at"] == "2026-11-23 10:37"
    assert rows["Sender"] == "张三 138****8000"
    assert rows["Recipient"] == "李四 +852 ****4567"
    assert rows["Weight"] == "1.72 kg"
    assert rows["Fee"] == "¥18.50"
    assert rows["Declared value"] == "¥500.00 · insured"
    assert rows["Contract terms accepted"] == f"{contract.title} · {contract.version}"
    assert "13800138000" not in html and "138 0013 8000" not in html
    assert "5123 4567" not in html
    assert "Keep this receipt: for a claim about this parcel you need its waybill number." in html


def test_the_receipt_page_obeys_the_csp_and_prints_without_the_site_chrome(client_en, customer, carrier):
    order = picked_up_order(customer, carrier)

    response = client_en.get(reverse("orders:receipt", args=[order.number]))

    html = response.content.decode()
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert " style=" not in html and "<style" not in html
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts and all(" src=" in tag for tag in scripts)
    assert "/static/css/receipt.css" in html
    css = (settings.BASE_DIR / "static" / "css" / "receipt.css").read_text()
    print_rules = css.split("@media print", 1)[1]
    assert ".topbar, .footer, .messages, .no-print, .actions { display: none !important; }" in print_rules


def test_the_receipt_pdf_carries_the_same_barcode_and_details(client_en, customer, carrier):
    order = picked_up_order(customer, carrier)

    response = client_en.get(reverse("orders:receipt_pdf", args=[order.number]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="receipt-{WAYBILL}.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    document = pypdfium2.PdfDocument(response.content)
    assert len(document) == 1
    page = document[0]
    assert _decoded(page.render(scale=3).to_pil()) == [(WAYBILL, "Code128")]
    text = page.get_textpage().get_text_range()
    for expected in (
        "E-waybill receipt",
        order.number,
        "2026-11-23 10:37",
        "张三 138****8000",
        "李四 +852 ****4567",
        "1.72 kg",
        "¥18.50",
        order.contract.version,
        "Keep this receipt",
    ):
        assert expected in text
    assert "13800138000" not in text and "5123 4567" not in text


def test_the_pdf_is_in_the_users_language(client, customer, carrier):
    order = picked_up_order(customer, carrier)
    client.force_login(customer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hant"

    response = client.get(reverse("orders:receipt_pdf", args=[order.number]))

    text = pypdfium2.PdfDocument(response.content)[0].get_textpage().get_text_range()
    assert "電子運單憑據" in text
    assert "請保留本憑據" in text


def test_before_its_fee_is_reported_the_receipt_shows_the_estimate(client_en, customer, carrier):
    order = picked_up_order(customer, carrier)
    order.fee_amount, order.fee_currency = None, ""
    order.save(update_fields=["fee_amount", "fee_currency"])

    html = client_en.get(reverse("orders:receipt", args=[order.number])).content.decode()

    rows = dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", html))
    assert rows["Fee"] == "¥23.00 (estimate; the carrier confirms the fee)"


@pytest.mark.parametrize("status", [S.IN_TRANSIT, S.SIGNED, S.REJECTED])
def test_the_receipt_stays_after_pickup(client_en, customer, carrier, status):
    order = picked_up_order(customer, carrier, status=status)

    assert client_en.get(reverse("orders:receipt", args=[order.number])).status_code == 200
    assert client_en.get(reverse("orders:receipt_pdf", args=[order.number])).status_code == 200


@pytest.mark.parametrize("status", [S.PLACED, S.ACCEPTED, S.CANCELLED, S.EXPIRED])
@pytest.mark.parametrize("name", ["orders:receipt", "orders:receipt_pdf"])
def test_before_pickup_there_is_no_receipt_and_the_order_page_says_why(
    client_en, customer, carrier, status, name
):
    order = OrderFactory(user=customer, carrier=carrier, contract=carrier.contracts.first(), status=status)

    response = client_en.get(reverse(name, args=[order.number]), follow=True)

    assert response.redirect_chain == [(reverse("orders:detail", args=[order.number]), 302)]
    assert "The receipt is ready once the courier has collected the parcel." in response.content.decode()


def test_the_order_page_links_the_receipt_once_picked_up(client_en, customer, carrier):
    order = picked_up_order(customer, carrier)
    placed = OrderFactory(user=customer, carrier=carrier, contract=carrier.contracts.first())

    picked_html = client_en.get(reverse("orders:detail", args=[order.number])).content.decode()
    placed_html = client_en.get(reverse("orders:detail", args=[placed.number])).content.decode()

    assert (
        f'href="{reverse("orders:receipt", args=[order.number])}" data-testid="receipt-link"' in picked_html
    )
    assert 'data-testid="receipt-link"' not in placed_html


@pytest.mark.parametrize("name", ["orders:receipt", "orders:receipt_pdf"])
def test_nobody_else_sees_the_receipt(client, customer, other_customer, carrier, name):
    order = picked_up_order(customer, carrier)
    client.force_login(other_customer)

    assert client.get(reverse(name, args=[order.number])).status_code == 404


@pytest.mark.parametrize("name", ["orders:receipt", "orders:receipt_pdf"])
def test_the_receipt_needs_a_login(client, customer, carrier, name):
    order = picked_up_order(customer, carrier)

    response = client.get(reverse(name, args=[order.number]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_waybill_number_with_odd_characters_stays_out_of_the_download_header(client_en, customer, carrier):
    order = picked_up_order(customer, carrier)
    order.waybill_no = 'SF"1\r\n2'
    order.save(update_fields=["waybill_no"])

    response = client_en.get(reverse("orders:receipt_pdf", args=[order.number]))

    assert response["Content-Disposition"] == 'attachment; filename="receipt-SF12.pdf"'
