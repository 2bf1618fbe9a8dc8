"""The floor the callback benchmark compares against: bare Django doing the least a callback must.

One view, no middleware, no DRF: check the Standard Webhooks HMAC of the body with the carrier's
key, parse the JSON, and in one transaction UPDATE the order and INSERT one row. Served by gunicorn
like the platform (``bench/callbacks.py`` starts it), on the same PostgreSQL database, with the
same persistent connections and health checks.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time

import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-floor-" + "x" * 40,
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    USE_TZ=True,
    DATABASES={
        "default": {
            # Django's own backend, which pings a persistent connection before every request
            # (``bench/callbacks.py --floor-backend platform``: the platform's, which skips the
            # ping for a connection that answered within the last half second).
            "ENGINE": os.environ.get("BENCH_DB_ENGINE", "django.db.backends.postgresql"),
            "NAME": os.environ["BENCH_DB_NAME"],
            "USER": os.environ.get("BENCH_DB_USER", "postgres"),
            "HOST": os.environ.get("BENCH_DB_HOST", "127.0.0.1"),
            "PORT": os.environ.get("BENCH_DB_PORT", "5432"),
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
        }
    },
)
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.http import HttpResponse, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

KEY = base64.b64decode(os.environ["BENCH_SECRET"].removeprefix("whsec_"))


@csrf_exempt
def events(request, code):
    body = request.body
    msg_id = request.headers.get("webhook-id", "")
    timestamp = request.headers.get("webhook-timestamp", "0")
    if abs(time.time() - int(timestamp)) > 300:
        return HttpResponse(status=401)
    expected = hmac.new(KEY, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    sent = [
        base64.b64decode(s.partition(",")[2]) for s in request.headers.get("webhook-signature", "").split()
    ]
    if not any(hmac.compare_digest(expected, s) for s in sent):
        return HttpResponse(status=401)
    event = json.loads(body)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE orders_order SET updated_at = now() WHERE number = %s", [event["order"]])
        cursor.execute(
            "INSERT INTO bench_floor_event (webhook_id, type, payload) VALUES (%s, %s, %s)",
            [msg_id, event["type"], body.decode()],
        )
    return JsonResponse({"result": "recorded"})


urlpatterns = [path("api/v1/carriers/<slug:code>/events/", events)]

application = get_wsgi_application()
