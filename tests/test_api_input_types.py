"""Inputs the schemathesis run found the API reading other than its schema says (issue 15)."""

import time_machine

from accounts.models import Feedback
from carriers.services.credentials import carrier_credentials_rotate
from orders.tests.carrier_events_support import NOW, Sender


def test_a_number_where_text_belongs_is_refused(customer_client):
    response = customer_client.post(
        "/api/v1/feedback/",
        {"category": "question", "text": 0},
        format="json",
        headers={"Accept-Language": "en"},
    )

    assert response.status_code == 400
    assert response.json() == {"text": ["Not a valid string."]}
    assert Feedback.objects.count() == 0


def test_text_in_a_form_body_is_still_read(customer_client):
    response = customer_client.post("/api/v1/feedback/", {"category": "question", "text": "0"})

    assert response.status_code == 201
    assert Feedback.objects.get().text == "0"


def test_an_empty_page_parameter_is_an_invalid_page(customer_client):
    response = customer_client.get("/api/v1/notifications/?page=", headers={"Accept-Language": "en"})

    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "detail": "Invalid page."}


def test_an_offset_the_database_cannot_store_is_read_in_utc(client, demo_carriers):
    """updated_since=…-16:45 is a valid ISO 8601 offset that PostgreSQL refuses (was a 500)."""
    carrier = demo_carriers["swift-express"]
    with time_machine.travel(NOW, tick=False):
        sender = Sender(client, carrier.code, carrier_credentials_rotate(carrier=carrier))
        response = sender.get_orders({"updated_since": "0751-01-29T20:45:20.75-16:45"})

    assert response.status_code == 200
    assert response.json()["results"] == []
