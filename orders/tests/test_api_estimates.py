"""Prices before sign-up: ``POST /api/v1/estimates/`` (DESIGN §4) — no login, throttled."""

from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from carriers.models import TransitTime
from carriers.tests.helpers import local

pytestmark = pytest.mark.django_db

URL = "/api/v1/estimates/"
SHENZHEN = {"province": "广东省", "city": "深圳市", "district": "南山区"}
BEIJING = {"province": "北京市", "city": "北京市", "district": "朝阳区"}


def estimate(client, **body):
    payload = {"from": SHENZHEN, "to": BEIJING, "weight_kg": "1.5", **body}
    return client.post(URL, payload, format="json")


def test_the_url_is_the_contract():
    assert reverse("api-estimates") == URL


@time_machine.travel(local(2026, 11, 23, 9, 30), tick=False)
def test_every_carrier_without_login(api_client, demo_carriers):
    response = estimate(api_client)
    assert response.status_code == 200
    estimates = response.json()["estimates"]
    by_code = {e["carrier"]: e for e in estimates}
    assert set(by_code) == {"swift-express", "econ-post", "heavy-freight", "hk-bag"}
    assert set(estimates[0]) == {
        "carrier",
        "name",
        "eligible",
        "reasons",
        "recommended",
        "why",
        "price",
        "eta",
    }
    # 深圳 → 北京 is "other province": the demo transit times of each carrier.
    assert by_code["swift-express"]["eta"] == {"min_days": 2, "max_days": 3}
    assert by_code["econ-post"]["eta"] == {"min_days": 3, "max_days": 5}
    assert by_code["econ-post"]["price"] == {"amount": "17.00", "currency": "CNY"}
    assert by_code["swift-express"]["price"] == {"amount": "24.00", "currency": "CNY"}
    # hk-bag picks up only in Hong Kong: listed, not eligible, with the reason.
    assert by_code["hk-bag"]["eligible"] is False
    assert by_code["hk-bag"]["reasons"] == ["不在广东省上门揽收。"]
    recommended = [e for e in estimates if e["recommended"]]
    assert [e["carrier"] for e in recommended] == ["econ-post"]
    assert recommended[0]["why"] == "推荐理由：最便宜。"
    assert estimates[0]["carrier"] == "econ-post"


@time_machine.travel(local(2026, 11, 23, 19, 30), tick=False)
def test_late_in_the_evening_the_hours_of_tomorrow_count(api_client, demo_carriers):
    # No window is left today for any carrier; every domestic carrier still offers tomorrow.
    estimates = estimate(api_client).json()["estimates"]
    assert {e["carrier"] for e in estimates if e["eligible"]} == {
        "swift-express",
        "econ-post",
        "heavy-freight",
    }


def test_a_weight_over_a_carriers_limit_is_a_reason(api_client, demo_carriers):
    by_code = {e["carrier"]: e for e in estimate(api_client, weight_kg="40").json()["estimates"]}
    assert by_code["econ-post"]["eligible"] is False
    assert by_code["swift-express"]["eligible"] is True
    assert by_code["heavy-freight"]["eligible"] is True


def test_a_carrier_without_a_transit_time_has_no_eta(api_client, demo_carriers):
    TransitTime.objects.filter(carrier=demo_carriers["econ-post"]).delete()
    by_code = {e["carrier"]: e for e in estimate(api_client).json()["estimates"]}
    assert by_code["econ-post"]["eta"] is None
    assert by_code["swift-express"]["eta"] == {"min_days": 2, "max_days": 3}


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"weight_kg": "0"}, {"weight_kg": ["重量必须大于 0 千克。"]}),
        ({"weight_kg": "abc"}, {"weight_kg": ["请填写合法的数字。"]}),
        ({"to": {**BEIJING, "district": "南山区"}}, {"to": {"district": ["所选城市中没有这个区县。"]}}),
        ({"from": {**SHENZHEN, "province": "火星"}}, {"from": {"province": ["请从列表中选择省份。"]}}),
    ],
)
def test_bad_input_is_a_400_in_the_users_language(api_client, demo_carriers, body, errors):
    response = estimate(api_client, **body)
    assert response.status_code == 400
    assert response.json() == errors


def test_english_errors(api_client, demo_carriers):
    response = api_client.post(
        URL, {"from": SHENZHEN, "to": BEIJING, "weight_kg": "0"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.json() == {"weight_kg": ["The weight must be more than 0 kg."]}


def test_missing_fields(api_client, demo_carriers):
    response = api_client.post(URL, {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"from", "to", "weight_kg"}


def test_estimates_are_throttled_per_client(api_client, demo_carriers, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "estimates": "2/min"},
    }
    from rest_framework.throttling import ScopedRateThrottle

    ScopedRateThrottle.THROTTLE_RATES = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    try:
        assert [estimate(api_client).status_code for _ in range(3)] == [200, 200, 429]
    finally:
        from rest_framework.settings import api_settings

        ScopedRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


def test_weight_keeps_its_decimals(api_client, demo_carriers):
    by_code = {e["carrier"]: e for e in estimate(api_client, weight_kg="2.6").json()["estimates"]}
    # swift-express: first 1 kg then 0.5 kg steps → 3.0 kg chargeable
    assert Decimal(by_code["swift-express"]["price"]["amount"]) > Decimal("24.00")
