"""POST /api/v1/screening/ (DESIGN §7.3): public, §5 input fields, clear 400 errors."""

import pytest
from rest_framework.test import APIClient

from .conftest import make_carrier

pytestmark = pytest.mark.django_db
URL = "/api/v1/screening/"


@pytest.fixture
def client():
    return APIClient()


def test_anyone_can_screen_an_item(client):
    response = client.post(URL, {"description": "打火机"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"verdict", "categories", "matches", "conditions", "refused_by", "message"}
    assert (body["verdict"], body["categories"]) == ("prohibited", [4])
    assert body["matches"][0]["clause"] == "禁止寄递物品目录 四、1"


def test_every_input_field(client):
    make_carrier("all", list(range(1, 12)))
    response = client.post(
        URL,
        {
            "description": "书柜",
            "item_type": "daily",
            "quantity": 1,
            "weight_kg": "60",
            "dimensions_cm": {"length": 320, "width": 40, "height": 30},
            "declared_value": "800.00",
            "insured": True,
            "original_packaging": True,
            "keep_upright": False,
            "carrier": "all",
        },
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["verdict"], body["refused_by"]) == ("refused", ["all"])
    assert body["matches"][0]["category"] == 11


def test_dimensions_as_a_list(client):
    response = client.post(URL, {"description": "板材", "dimensions_cm": [600, 10, 10]}, format="json")
    assert response.json()["verdict"] == "refused"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "description"),
        ({"description": ""}, "description"),
        ({"description": "x" * 501}, "description"),
        ({"description": "书", "item_type": "weapons"}, "item_type"),
        ({"description": "书", "quantity": 0}, "quantity"),
        ({"description": "书", "weight_kg": "-1"}, "weight_kg"),
        ({"description": "书", "weight_kg": "heavy"}, "weight_kg"),
        ({"description": "书", "dimensions_cm": {"length": 10}}, "dimensions_cm"),
        ({"description": "书", "dimensions_cm": [10, 0, 10]}, "dimensions_cm"),
        ({"description": "书", "dimensions_cm": "10x10x10"}, "dimensions_cm"),
        ({"description": "书", "declared_value": "-5"}, "declared_value"),
        ({"description": "书", "insured": "maybe"}, "insured"),
        ({"description": "书", "carrier": "nobody"}, "carrier"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(client, payload, field):
    response = client.post(URL, payload, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_the_message_follows_accept_language(client):
    response = client.post(URL, {"description": "打火机"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert "may not be sent" in response.json()["message"]


def test_get_is_not_allowed(client):
    assert client.get(URL).status_code == 405
