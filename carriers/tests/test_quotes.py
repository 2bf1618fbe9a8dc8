from datetime import time, timedelta
from decimal import Decimal as D

import pytest
import time_machine

from carriers.models import ContractTerms
from carriers.services import current_contract, pickup_windows, quote_for_carrier, quote_shipment

from .helpers import ALLOWED, hk_shipment, local, make_order, make_shipment, screening


def test_quotes_rank_eligible_carriers_and_list_the_rest_with_reasons(demo_carriers):
    quotes = quote_shipment(shipment=make_shipment(), screening=ALLOWED)
    # 1.5 kg 深圳 → 北京: econ 17.00, swift 24.00, heavy 40.00; hk-bag does not pick up in 广东
    assert [(q.carrier.code, q.eligible, q.recommended) for q in quotes] == [
        ("econ-post", True, True),
        ("swift-express", True, False),
        ("heavy-freight", True, False),
        ("hk-bag", False, False),
    ]
    assert [q.price.amount for q in quotes[:3]] == [D("17.00"), D("24.00"), D("40.00")]
    assert quotes[3].reasons == ["Does not pick up in 广东省."]
    assert quotes[0].score["score"] == 0.9


def test_acceptance_history_changes_the_recommendation(demo_carriers):
    for _ in range(20):
        make_order(demo_carriers["econ-post"], status="expired")
        make_order(demo_carriers["swift-express"], status="signed")
    quotes = quote_shipment(shipment=make_shipment(), screening=ALLOWED)
    assert quotes[0].carrier.code == "swift-express"
    assert quotes[0].recommended


def test_ratings_mapping_is_used(demo_carriers):
    ratings = {"econ-post": (1.0, 1000), "swift-express": (5.0, 1000)}  # long records: C = 20 barely weighs
    quotes = quote_shipment(shipment=make_shipment(), screening=ALLOWED, ratings=ratings)
    assert quotes[0].carrier.code == "swift-express"


def test_hk_bag_is_compared_in_cny(demo_carriers):
    quotes = quote_shipment(shipment=hk_shipment(weight_kg=D("1")), screening=ALLOWED)
    assert [(q.carrier.code, q.eligible) for q in quotes][0] == ("hk-bag", True)
    hk = quotes[0]
    assert (hk.price.amount, hk.price.currency, hk.price_cny) == (D("154.00"), "HKD", D("141.68"))
    assert all(not q.eligible for q in quotes[1:])


def test_nothing_recommended_when_nothing_is_eligible(demo_carriers):
    quotes = quote_shipment(shipment=make_shipment(), screening=screening(verdict="prohibited"))
    assert not any(q.eligible or q.recommended for q in quotes)
    assert [q.carrier.code for q in quotes] == ["econ-post", "heavy-freight", "hk-bag", "swift-express"]


def test_refused_goods_remove_only_the_refusing_carriers(demo_carriers):
    result = screening(verdict="refused", refused_by=["econ-post"], refusal_reasons={"econ-post": "大理石"})
    quotes = quote_shipment(shipment=make_shipment(), screening=result)
    assert quotes[0].carrier.code == "swift-express" and quotes[0].recommended
    econ = next(q for q in quotes if q.carrier.code == "econ-post")
    assert econ.reasons == ["This carrier refuses these goods: 大理石"]
    assert econ.price.amount == D("17.00")  # still priced, for information


def test_inactive_carriers_are_not_quoted(demo_carriers):
    demo_carriers["heavy-freight"].active = False
    demo_carriers["heavy-freight"].save(update_fields=["active"])
    quotes = quote_shipment(shipment=make_shipment(), screening=ALLOWED)
    assert "heavy-freight" not in [q.carrier.code for q in quotes]


def test_quote_as_dict_is_the_api_shape(demo_carriers):
    quote = quote_shipment(shipment=make_shipment(), screening=ALLOWED)[0]
    data = quote.as_dict()
    assert data["carrier"] == "econ-post"
    assert data["name"] == "Econ Post"
    assert data["eligible"] is True
    assert data["recommended"] is True
    assert data["reasons"] == []
    assert data["price"] == {"amount": "17.00", "currency": "CNY"}
    assert data["contract"] == {"version": "v1", "url": "/carriers/econ-post/contract/v1/"}
    assert data["breakdown"]["freight"] == "17.00"
    assert data["breakdown"]["chargeable_weight_kg"] == "2.00"


def test_quote_shipment_query_count(demo_carriers, django_assert_num_queries):
    make_order(demo_carriers["swift-express"], status="accepted")
    # Cold: the configuration version (with the catalogue's), carriers, zone rates, transit times,
    # bag sizes, contracts, published service fees, then acceptance statistics and ratings.
    with django_assert_num_queries(9):
        quote_shipment(shipment=make_shipment(), screening=ALLOWED)
    # Warm: the version only.
    with django_assert_num_queries(1):
        quotes = quote_shipment(shipment=make_shipment(), screening=ALLOWED)
        [q.as_dict() for q in quotes]


def test_quote_for_carrier(demo_carriers):
    quote = quote_for_carrier(
        carrier=demo_carriers["swift-express"], shipment=make_shipment(), screening=ALLOWED
    )
    assert quote.eligible and not quote.recommended
    assert quote.price.amount == D("24.00")
    assert quote.contract.version == "v1"


def test_quote_for_an_ineligible_hk_bag_parcel_without_a_bag(demo_carriers):
    quote = quote_for_carrier(carrier=demo_carriers["hk-bag"], shipment=hk_shipment(weight_kg=D("12")))
    assert not quote.eligible
    assert quote.price is None
    assert quote.reasons == ["No bag of this carrier holds 12 kg with 1 item."]  # said once
    assert quote.as_dict()["price"] is None


def test_carrier_without_contract_terms_is_not_eligible(demo_carriers):
    carrier = demo_carriers["swift-express"]
    carrier.contracts.all().delete()
    quote = quote_for_carrier(carrier=carrier, shipment=make_shipment(), screening=ALLOWED)
    assert quote.reasons == ["This carrier has not published its contract terms."]
    assert quote.contract is None
    with pytest.raises(ContractTerms.DoesNotExist):
        current_contract(carrier)


def test_current_contract_is_the_latest_published(demo_carriers):
    carrier = demo_carriers["swift-express"]
    v2 = ContractTerms.objects.create(
        carrier=carrier, version="v2", title="t", body="b", published_at=local(2026, 12, 1, 0)
    )
    assert current_contract(carrier, now=local(2026, 11, 30, 23)).version == "v1"  # v2 scheduled
    assert current_contract(carrier, now=local(2026, 12, 1, 0)) == v2
    quotes = quote_shipment(shipment=make_shipment(), screening=ALLOWED, now=local(2026, 11, 30, 23))
    assert {q.contract.version for q in quotes} == {"v1"}
    quotes = quote_shipment(shipment=make_shipment(), screening=ALLOWED, now=local(2026, 12, 2, 0))
    assert next(q for q in quotes if q.carrier.code == "swift-express").contract.version == "v2"


def test_default_screening_uses_the_prohibited_app(demo_carriers):
    pytest.importorskip("prohibited.services")
    quotes = quote_shipment(shipment=make_shipment(description="冬季外套"))
    assert quotes[0].eligible


# Pickup windows


def test_pickup_windows_today_tomorrow_and_the_day_after(demo_carriers):
    carriers = [demo_carriers["swift-express"], demo_carriers["econ-post"]]  # 08–20 ∪ 09–18
    windows = pickup_windows(carriers=carriers, now=local(2026, 11, 23, 11, 30))
    starts = [start for start, _end in windows]
    # 10–12 has begun and 12–14 starts in half an hour: neither is offered.
    assert starts[:3] == [local(2026, 11, 23, h) for h in (14, 16, 18)]
    assert starts[3:9] == [local(2026, 11, 24, h) for h in (8, 10, 12, 14, 16, 18)]
    assert starts[9:] == [local(2026, 11, 25, h) for h in (8, 10, 12, 14, 16, 18)]
    assert all(end - start == local(2026, 1, 1, 2) - local(2026, 1, 1, 0) for start, end in windows)


def test_pickup_windows_at_a_window_start_and_late_at_night(demo_carriers):
    carriers = [demo_carriers["swift-express"]]
    assert pickup_windows(carriers=carriers, now=local(2026, 11, 23, 17))[0] == (
        local(2026, 11, 23, 18),
        local(2026, 11, 23, 20),
    )
    assert pickup_windows(carriers=carriers, now=local(2026, 11, 23, 17) + timedelta(seconds=1))[0] == (
        local(2026, 11, 24, 8),
        local(2026, 11, 24, 10),
    )
    late = pickup_windows(carriers=carriers, now=local(2026, 11, 23, 22))
    assert len(late) == 12 and late[0][0] == local(2026, 11, 24, 8)


def test_pickup_windows_of_disjoint_hours(demo_carriers):
    early, late = demo_carriers["swift-express"], demo_carriers["econ-post"]
    early.pickup_start, early.pickup_end = time(7, 0), time(8, 30)  # shorter than a window
    late.pickup_start, late.pickup_end = time(13, 0), time(19, 0)
    windows = pickup_windows(carriers=[early, late], now=local(2026, 11, 23, 0))
    assert [s.hour for s, _ in windows] == [13, 15, 17] * 3


def test_pickup_windows_default_to_now(demo_carriers):
    with time_machine.travel(local(2026, 11, 23, 19, 1), tick=False):
        windows = pickup_windows(carriers=[demo_carriers["swift-express"]])
    assert windows[0] == (local(2026, 11, 24, 8), local(2026, 11, 24, 10))


def test_every_offered_window_suits_the_swift_express_hours(demo_carriers):
    from carriers.services import eligibility

    swift = demo_carriers["swift-express"]
    for start, end in pickup_windows(carriers=[swift], now=local(2026, 11, 23, 0)):
        assert eligibility(swift, make_shipment(pickup_start=start, pickup_end=end), ALLOWED) == []


def test_pickup_windows_lie_inside_one_carriers_hours(demo_carriers):
    # 08:00–09:30 and 09:00–10:30 merge into 08:00–10:30, but 08–10 fits neither carrier.
    early, late = demo_carriers["swift-express"], demo_carriers["econ-post"]
    early.pickup_start, early.pickup_end = time(8, 0), time(9, 30)
    late.pickup_start, late.pickup_end = time(9, 0), time(10, 30)
    assert pickup_windows(carriers=[early, late], now=local(2026, 11, 23, 0)) == []


def test_pickup_windows_at_the_edges_of_the_carriers_hours(demo_carriers):
    swift = demo_carriers["swift-express"]  # 08:00–20:00
    windows = pickup_windows(carriers=[swift], now=local(2026, 11, 23, 6, 59))
    assert windows[0] == (local(2026, 11, 23, 8), local(2026, 11, 23, 10))
    assert windows[5] == (local(2026, 11, 23, 18), local(2026, 11, 23, 20))
    assert all(swift.pickup_start <= s.time() and e.time() <= swift.pickup_end for s, e in windows)
    assert pickup_windows(carriers=[swift], now=local(2026, 11, 23, 7) + timedelta(seconds=1))[0] == (
        local(2026, 11, 23, 10),
        local(2026, 11, 23, 12),
    )
