"""The user's order pages: book, quote and confirm, my orders, one order (DESIGN §3.2, §4).

The pages only translate between HTML and the services: the shipment is validated by the API's
``ShipmentSerializer``, priced by ``carriers.services.quote_shipment`` and booked by
``orders.services.booking.order_place``; cancel and delete go through
``orders.services.cancellation``. ``booking`` holds the booking pages, ``orders`` the order pages;
``orders.urls`` and the tests import the views from here.
"""

from orders.views.booking import book, quote
from orders.views.claims import claim_document, claim_document_link, claim_documents_add, claim_file
from orders.views.common import SESSION_KEY
from orders.views.orders import (
    order_cancel,
    order_delete,
    order_detail,
    order_list,
    order_receipt,
    order_receipt_pdf,
)

__all__ = [
    "SESSION_KEY",
    "book",
    "claim_document",
    "claim_document_link",
    "claim_documents_add",
    "claim_file",
    "order_cancel",
    "order_delete",
    "order_detail",
    "order_list",
    "order_receipt",
    "order_receipt_pdf",
    "quote",
]
