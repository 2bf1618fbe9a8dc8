"""Another process that quotes (a second web worker): one line on stdin, one quote on stdout.

Run by ``test_configuration`` with ``DATABASE_URL`` naming the test database. For each line read it
quotes the demo shipment and prints ``{"prices": {code: amount}, "queries": n}`` as one JSON line.
"""

import json
import sys

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from carriers.services import quote_shipment  # noqa: E402
from carriers.tests.helpers import ALLOWED, make_shipment  # noqa: E402

for _line in sys.stdin:
    with CaptureQueriesContext(connection) as queries:
        quotes = quote_shipment(shipment=make_shipment(), screening=ALLOWED)
    prices = {q.carrier.code: str(q.price.amount) for q in quotes if q.price}
    print(json.dumps({"prices": prices, "queries": len(queries)}), flush=True)
