"""The home page before sign-up: from, to and weight → every carrier's estimate, ETA and
eligibility; the values go through sign-up into the booking form."""

from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.urls import reverse

from carriers.tests.helpers import local

pytestmark = pytest.mark.django_db

QUERY = {
    "from_province": "广东省",
    "from_city": "深圳市",
    "from_district": "南山区",
    "to_province": "北京市",
    "to_city": "北京市",
    "to_district": "朝阳区",
    "weight_kg": "1.5",
}


@time_machine.travel(local(2026, 11, 23, 9, 30), tick=False)
def test_estimates_with_eta_and_why_without_login(client, demo_carriers):
    response = client.get(reverse("orders:book"), QUERY)
    assert response.status_code == 200
    rows = {r["code"]: r for r in response.context["rows"]}
    assert rows["econ-post"]["price"] == "¥17.00"
    assert rows["econ-post"]["recommended"] is True
    assert rows["econ-post"]["why"] == "推荐理由：最便宜。"
    # Picked up today (23rd), 3–5 days to another province.
    assert rows["econ-post"]["eta"] == "预计11月26日–11月28日送达（预估，非承诺）"
    assert rows["swift-express"]["eta"] == "预计11月25日–11月26日送达（预估，非承诺）"
    assert rows["hk-bag"]["eligible"] is False
    body = response.content.decode()
    assert "¥17.00" in body and "预计11月26日–11月28日送达" in body


def test_the_book_link_keeps_the_values_through_sign_up(client, customer, demo_carriers):
    response = client.get(reverse("orders:book"), QUERY)
    book_url = response.context["book_url"]
    signup = urlsplit(book_url)
    assert signup.path == reverse("accounts:signup")
    booking = parse_qs(signup.query)["next"][0]
    client.force_login(customer)
    form = client.get(booking).context["form"]
    assert form["sender_province"].value() == "广东省"
    assert form["sender_district"].value() == "南山区"
    assert form["recipient_city"].value() == "北京市"
    assert str(form["weight_kg"].value()) == "1.5"


def test_a_wrong_district_is_shown_on_its_field(client, demo_carriers):
    response = client.get(reverse("orders:book"), {**QUERY, "to_district": "南山区"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"to_district": ["所选城市中没有这个区县。"]}
    assert response.context["rows"] == []


def test_no_query_shows_only_the_form(client, demo_carriers, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = client.get(reverse("orders:book"))
    assert response.context["rows"] == []
    assert not response.context["form"].is_bound
