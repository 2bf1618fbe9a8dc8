"""The carrier configuration quotes keep in each process, and how a change reaches every process
(``carriers.services.configuration``)."""

import json
import subprocess
import sys
from datetime import datetime, timedelta
from decimal import Decimal as D
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from carriers.models import BagSize, Carrier, TransitTime, ZoneRate
from carriers.services import quote_shipment
from carriers.services.configuration import carrier_snapshot
from orders.tests.factories import CarrierFactory, ContractTermsFactory

from .helpers import ALLOWED, hk_shipment, make_order, make_shipment

ROOT = Path(__file__).resolve().parents[2]
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 22, 15, 30, tzinfo=SHANGHAI)
QUOTES_URL = "/api/v1/quotes/"
SHIPMENT = {
    "sender": {
        "name": "张三",
        "phone": "13800138000",
        "province": "广东省",
        "city": "深圳市",
        "district": "南山区",
        "address": "科技园科苑路1号",
    },
    "recipient": {
        "name": "李四",
        "phone": "13900139000",
        "province": "北京市",
        "city": "北京市",
        "district": "朝阳区",
        "address": "建国路88号",
    },
    "pickup_window": {"start": "2026-11-23T10:00:00+08:00", "end": "2026-11-23T12:00:00+08:00"},
    "weight_kg": "1.5",
    "item_type": "clothing",
    "description": "冬季外套",
    "quantity": 1,
    "declared_value": "500.00",
    "insured": True,
}


def add_carriers(demo_carriers, count: int) -> None:
    """``count`` more domestic carriers with econ-post's tariff, transit times and terms."""
    econ = demo_carriers["econ-post"]
    for _ in range(count):
        carrier = CarrierFactory()
        ZoneRate.objects.bulk_create(
            ZoneRate(carrier=carrier, zone=r.zone, first_weight_kg=r.first_weight_kg, first_price=r.first_price,
                     step_price=r.step_price)
            for r in econ.zone_rates.all()
        )  # fmt: skip
        TransitTime.objects.bulk_create(
            TransitTime(carrier=carrier, zone=t.zone, min_days=t.min_days, max_days=t.max_days)
            for t in econ.transit_times.all()
        )
        ContractTermsFactory(carrier=carrier, published_at=NOW - timedelta(days=30))


def price_of(code: str, **shipment) -> D:
    quotes = quote_shipment(shipment=make_shipment(**shipment), screening=ALLOWED)
    return next(q.price.amount for q in quotes if q.carrier.code == code)


# --- what a warm quote reads --------------------------------------------------------------------


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def token_client(customer):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=customer).key}")
    return client


@pytest.fixture
def session_client(customer):
    client = Client()
    client.force_login(customer)
    return client


def post_quote(client):
    return client.post(QUOTES_URL, json.dumps(SHIPMENT), content_type="application/json")


@pytest.mark.django_db
@pytest.mark.parametrize("extra_carriers", [0, 16])
@pytest.mark.parametrize(
    ("client_fixture", "queries"),
    # The token with its user, then the configuration version (with the catalogue's) · the session,
    # its user, the version. The carriers, their tariffs, contracts, service fees and statistics are
    # the process's.
    [("token_client", 2), ("session_client", 3)],
)
def test_a_warm_quote_reads_the_version_and_nothing_else(
    demo_carriers, frozen, request, client_fixture, queries, extra_carriers
):
    add_carriers(demo_carriers, extra_carriers)
    client = request.getfixturevalue(client_fixture)
    first = post_quote(client)
    assert first.status_code == 200
    assert len(first.json()["quotes"]) == 4 + extra_carriers

    with CaptureQueriesContext(connection) as captured:
        response = post_quote(client)

    assert response.status_code == 200
    assert response.json() == first.json()
    assert len(captured) == queries, [q["sql"] for q in captured]


@pytest.mark.django_db
def test_a_warm_estimate_reads_the_version_only(demo_carriers, frozen, client):
    payload = {key: {"province": "广东省", "city": "深圳市", "district": "南山区"} for key in ("from", "to")}
    payload["weight_kg"] = "1.5"
    assert client.post("/api/v1/estimates/", payload, content_type="application/json").status_code == 200

    with CaptureQueriesContext(connection) as captured:
        response = client.post("/api/v1/estimates/", payload, content_type="application/json")

    assert response.status_code == 200
    assert len(captured) == 1


# --- an admin change is seen by the next quote --------------------------------------------------


@pytest.fixture
def admin_client(moderator):
    client = Client()
    client.force_login(moderator)
    return client


def test_a_tariff_changed_in_the_admin_is_seen_by_the_next_quote(demo_carriers, admin_client):
    # 1.5 kg 深圳 → 北京 with econ-post: another province, 1 kg steps → first price + 1 step
    assert price_of("econ-post") == D("17.00")
    rate = ZoneRate.objects.get(carrier=demo_carriers["econ-post"], zone="other_province")

    response = admin_client.post(
        f"/admin/carriers/zonerate/{rate.pk}/change/",
        {
            "carrier": rate.carrier_id,
            "zone": rate.zone,
            "first_weight_kg": str(rate.first_weight_kg),
            "first_price": "20.00",
            "step_price": str(rate.step_price),
        },
    )

    assert response.status_code == 302, response.content
    assert price_of("econ-post") == D("20.00") + rate.step_price


def test_a_bag_size_changed_in_the_admin_is_seen_by_the_next_quote(demo_carriers, admin_client):
    hk = demo_carriers["hk-bag"]
    bag = BagSize.objects.filter(carrier=hk).order_by("price").first()
    quoted = next(
        q
        for q in quote_shipment(shipment=hk_shipment(bag_size=bag.code), screening=ALLOWED)
        if q.carrier.code == "hk-bag"
    )
    assert quoted.breakdown["freight"] == str(bag.price)

    response = admin_client.post(
        f"/admin/carriers/bagsize/{bag.pk}/change/",
        {
            "carrier": hk.pk,
            "code": bag.code,
            "name": bag.name,
            "price": str(bag.price + 7),
            "max_weight_kg": str(bag.max_weight_kg),
            "max_items": "" if bag.max_items is None else str(bag.max_items),
        },
    )

    assert response.status_code == 302, response.content
    quoted = next(
        q
        for q in quote_shipment(shipment=hk_shipment(bag_size=bag.code), screening=ALLOWED)
        if q.carrier.code == "hk-bag"
    )
    assert quoted.breakdown["freight"] == str(bag.price + 7)


def test_new_contract_terms_published_in_the_admin_are_quoted_next(demo_carriers, admin_client):
    quoted = {
        q.carrier.code: q.contract.version
        for q in quote_shipment(shipment=make_shipment(), screening=ALLOWED)
    }
    assert quoted["swift-express"] == "v1"
    now = datetime.now(SHANGHAI) - timedelta(minutes=1)

    response = admin_client.post(
        "/admin/carriers/contractterms/add/",
        {
            "carrier": demo_carriers["swift-express"].pk,
            "version": "v2",
            "title": "服务条款 v2",
            "body": "新条款",
            "published_at_0": now.strftime("%Y-%m-%d"),
            "published_at_1": now.strftime("%H:%M:%S"),
        },
    )

    assert response.status_code == 302, response.content
    quotes = quote_shipment(shipment=make_shipment(), screening=ALLOWED)
    swift = next(q for q in quotes if q.carrier.code == "swift-express")
    assert (swift.contract.version, swift.contract.title, swift.contract.body) == (
        "v2",
        "服务条款 v2",
        "新条款",
    )


def inline_management(**totals) -> dict:
    """The management forms of the carrier page's five inlines (no inline row changed)."""
    data = {}
    for prefix in ("zone_rates", "transit_times", "bag_sizes", "contracts", "contracts-2"):
        data[f"{prefix}-TOTAL_FORMS"] = "0"
        data[f"{prefix}-INITIAL_FORMS"] = "0"
    return data


def test_a_carrier_deactivated_in_the_admin_is_not_quoted_next(demo_carriers, admin_client):
    from .test_admin_carrier import form_data

    assert "econ-post" in {
        q.carrier.code for q in quote_shipment(shipment=make_shipment(), screening=ALLOWED)
    }
    econ = demo_carriers["econ-post"]
    data = form_data(econ, active="")
    data = {k: v for k, v in data.items() if v != ""}  # a checkbox left unticked is not sent
    data.update(
        {
            "pickup_start": econ.pickup_start.strftime("%H:%M"),
            "pickup_end": econ.pickup_end.strftime("%H:%M"),
            **inline_management(),
        }
    )

    response = admin_client.post(f"/admin/carriers/carrier/{econ.pk}/change/", data)

    assert response.status_code == 302, response.content
    assert Carrier.objects.get(pk=econ.pk).active is False
    codes = [q.carrier.code for q in quote_shipment(shipment=make_shipment(), screening=ALLOWED)]
    assert codes == ["swift-express", "heavy-freight", "hk-bag"]


def test_a_carrier_added_by_a_service_is_quoted_next(demo_carriers):
    """Not only the admin: any save (a shell, a data migration, a command) reaches the quotes."""
    assert len(quote_shipment(shipment=make_shipment(), screening=ALLOWED)) == 4
    add_carriers(demo_carriers, 1)  # the carrier's and its contract's saves bump the version
    assert len(quote_shipment(shipment=make_shipment(), screening=ALLOWED)) == 5


def test_a_queryset_update_is_seen_only_after_a_touch(demo_carriers):
    from carriers.services.configuration import configuration_touch

    assert price_of("econ-post") == D("17.00")
    ZoneRate.objects.filter(carrier=demo_carriers["econ-post"], zone="other_province").update(
        first_price=D("30")
    )
    assert price_of("econ-post") == D("17.00")  # no signal: the snapshot stands

    configuration_touch()

    assert price_of("econ-post") == D("35.00")  # 30.00 + one 5.00 step


def test_a_published_service_fee_is_in_the_next_quote(demo_carriers, customer):
    from accounts.models import ServiceFeeAnnouncement
    from accounts.services.service_fee import service_fee_announcement_publish

    start = datetime(2026, 11, 22, 12, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False):
        assert price_of("econ-post") == D("17.00")
        announcement = ServiceFeeAnnouncement.objects.create(
            fee=D("2.00"), effective_at=start + timedelta(days=1)
        )
        service_fee_announcement_publish(announcement=announcement, now=start)
        assert price_of("econ-post") == D("17.00")  # announced, not yet in force
    with time_machine.travel(start + timedelta(days=1), tick=False):
        assert price_of("econ-post") == D("19.00")


# --- acceptance and ratings: refreshed on a clock, not on a version ---------------------------


def test_statistics_are_read_again_after_quote_statistics_seconds(demo_carriers, settings):
    settings.QUOTE_STATISTICS_SECONDS = 60
    start = datetime(2026, 11, 22, 12, tzinfo=SHANGHAI)

    def recommended() -> str:
        return next(
            q.carrier.code
            for q in quote_shipment(shipment=make_shipment(), screening=ALLOWED)
            if q.recommended
        )

    with time_machine.travel(start, tick=False):
        assert recommended() == "econ-post"  # the cheapest, both unknown
        for _ in range(20):
            make_order(demo_carriers["econ-post"], status="expired")
            make_order(demo_carriers["swift-express"], status="signed")
    with time_machine.travel(start + timedelta(seconds=59), tick=False):
        assert recommended() == "econ-post"  # within the minute: the statistics this process read
    with time_machine.travel(start + timedelta(seconds=60), tick=False):
        assert recommended() == "swift-express"


def test_the_snapshot_is_immutable(demo_carriers):
    from dataclasses import FrozenInstanceError

    carrier = carrier_snapshot().by_code["econ-post"]
    with pytest.raises(FrozenInstanceError):
        carrier.active = False
    assert isinstance(carrier.zone_rates, tuple) and isinstance(carrier.origin_provinces, tuple)


# --- every process ------------------------------------------------------------------------------


def _child_env() -> dict[str, str]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {
        **__import__("os").environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "courier_platform.settings",
        "DEV_MODE": "1",
        "CELERY_BROKER_URL": "memory://",
        "PYTHONPATH": str(ROOT),
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_tariff_changed_in_the_admin_is_seen_by_the_next_quote_of_another_process(
    demo_carriers, admin_client
):
    if connection.vendor != "postgresql":
        pytest.skip("another process needs the test database on PostgreSQL")
    child = subprocess.Popen(
        [sys.executable, str(ROOT / "carriers" / "tests" / "quote_process.py")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=_child_env(),
        cwd=ROOT,
    )

    def quote_there() -> dict:
        child.stdin.write("quote\n")
        child.stdin.flush()
        return json.loads(child.stdout.readline())

    try:
        cold = quote_there()
        warm = quote_there()
        assert cold["prices"]["econ-post"] == warm["prices"]["econ-post"] == "17.00"
        assert warm["queries"] == 1  # warm: it reads the version and nothing else

        rate = ZoneRate.objects.get(carrier=demo_carriers["econ-post"], zone="other_province")
        response = admin_client.post(
            f"/admin/carriers/zonerate/{rate.pk}/change/",
            {
                "carrier": rate.carrier_id,
                "zone": rate.zone,
                "first_weight_kg": str(rate.first_weight_kg),
                "first_price": "20.00",
                "step_price": str(rate.step_price),
            },
        )
        assert response.status_code == 302

        after = quote_there()
        assert after["prices"]["econ-post"] == str(D("20.00") + rate.step_price)
        assert after["queries"] > 1  # it reloaded
        assert quote_there()["queries"] == 1
    finally:
        child.stdin.close()
        child.wait(timeout=30)
