from decimal import Decimal as D

import pytest

from carriers.services import eligibility

from .helpers import ALLOWED, BEIJING, SHENZHEN, WAN_CHAI, hk_shipment, local, make_shipment, screening


def test_an_ordinary_parcel_is_eligible_with_every_domestic_carrier(demo_carriers):
    shipment = make_shipment()
    for code in ["swift-express", "econ-post", "heavy-freight"]:
        assert eligibility(demo_carriers[code], shipment, ALLOWED) == []


def test_hk_bag_takes_hong_kong_to_mainland(demo_carriers):
    assert eligibility(demo_carriers["hk-bag"], hk_shipment(), ALLOWED) == []


def test_inactive(demo_carriers):
    carrier = demo_carriers["econ-post"]
    carrier.active = False
    assert eligibility(carrier, make_shipment(), ALLOWED) == [
        "This carrier is not taking orders at the moment."
    ]


def test_domestic_carrier_does_not_pick_up_in_hong_kong(demo_carriers):
    shipment = hk_shipment(recipient=BEIJING, declared_value=D("0"))
    assert eligibility(demo_carriers["econ-post"], shipment, ALLOWED) == [
        "Does not pick up in 香港特别行政区."
    ]


def test_hk_bag_does_not_pick_up_on_the_mainland(demo_carriers):
    assert eligibility(demo_carriers["hk-bag"], make_shipment(), ALLOWED) == ["Does not pick up in 广东省."]


def test_destination_outside_the_service_area(demo_carriers):
    assert eligibility(demo_carriers["swift-express"], make_shipment(recipient=WAN_CHAI), ALLOWED) == [
        "Does not deliver to 香港特别行政区."
    ]
    assert eligibility(demo_carriers["hk-bag"], hk_shipment(recipient=WAN_CHAI), ALLOWED) == [
        "Does not deliver to 香港特别行政区."
    ]


def test_listed_destination_provinces(demo_carriers):
    carrier = demo_carriers["econ-post"]
    carrier.destination_provinces = ["44", "45"]
    assert eligibility(carrier, make_shipment(recipient=SHENZHEN), ALLOWED) == []
    assert eligibility(carrier, make_shipment(recipient=BEIJING), ALLOWED) == ["Does not deliver to 北京市."]


def test_over_the_weight_limit(demo_carriers):
    assert eligibility(demo_carriers["econ-post"], make_shipment(weight_kg=D("30.5")), ALLOWED) == [
        "The parcel weighs 30.5 kg; this carrier takes at most 30 kg."
    ]
    assert eligibility(demo_carriers["econ-post"], make_shipment(weight_kg=D("30")), ALLOWED) == []


def test_over_the_length_limit(demo_carriers):
    shipment = make_shipment(length_cm=D("130"), width_cm=D("20"), height_cm=D("10"))
    assert eligibility(demo_carriers["econ-post"], shipment, ALLOWED) == [
        "The longest side is 130 cm; this carrier takes at most 120 cm."
    ]


def test_over_the_volume_limit(demo_carriers):
    shipment = make_shipment(length_cm=D("70"), width_cm=D("70"), height_cm=D("70"))  # 343000 cm³
    assert eligibility(demo_carriers["econ-post"], shipment, ALLOWED) == [
        "The parcel is 0.343 m³; this carrier takes at most 0.3 m³."
    ]


def test_several_reasons_are_all_listed(demo_carriers):
    shipment = make_shipment(weight_kg=D("40"), length_cm=D("130"), width_cm=D("70"), height_cm=D("70"))
    assert len(eligibility(demo_carriers["econ-post"], shipment, ALLOWED)) == 3


@pytest.mark.parametrize(
    ("start", "end", "ok"),
    [
        (local(2026, 11, 23, 9), local(2026, 11, 23, 11), True),  # opens at 09:00
        (local(2026, 11, 23, 16), local(2026, 11, 23, 18), True),  # closes at 18:00
        (local(2026, 11, 23, 8), local(2026, 11, 23, 10), False),
        (local(2026, 11, 23, 17), local(2026, 11, 23, 19), False),
        (local(2026, 11, 23, 17), local(2026, 11, 24, 10), False),  # spans two days
        (local(2026, 11, 23, 12), local(2026, 11, 23, 12), False),  # empty window
    ],
)
def test_pickup_hours(demo_carriers, start, end, ok):
    reasons = eligibility(
        demo_carriers["econ-post"], make_shipment(pickup_start=start, pickup_end=end), ALLOWED
    )
    assert reasons == ([] if ok else ["Picks up only between 09:00 and 18:00."])


def test_pickup_hours_are_local_time_whatever_the_timezone_given(demo_carriers):
    from datetime import UTC, datetime

    # 01:00–03:00 UTC is 09:00–11:00 in Shanghai
    shipment = make_shipment(
        pickup_start=datetime(2026, 11, 23, 1, tzinfo=UTC), pickup_end=datetime(2026, 11, 23, 3, tzinfo=UTC)
    )
    assert eligibility(demo_carriers["econ-post"], shipment, ALLOWED) == []


def test_ground_only_goods_rule_out_an_air_only_carrier(demo_carriers):
    phone = screening(ground_only=True)
    swift = demo_carriers["swift-express"]
    assert eligibility(swift, make_shipment(), phone) == []  # flies and drives
    swift.transport_modes = ["air"]
    assert eligibility(swift, make_shipment(), phone) == [
        "These goods may only travel by ground, and this carrier does not ship by ground."
    ]
    assert eligibility(swift, make_shipment(), ALLOWED) == []


def test_refused_by_the_carrier_with_the_screening_reason(demo_carriers):
    result = screening(
        verdict="refused",
        refused_by=["heavy-freight", "econ-post"],
        refusal_reasons={"heavy-freight": "钢琴（拒收物品 2. 家具机器类）"},
    )
    assert eligibility(demo_carriers["heavy-freight"], make_shipment(), result) == [
        "This carrier refuses these goods: 钢琴（拒收物品 2. 家具机器类）"
    ]
    assert eligibility(demo_carriers["econ-post"], make_shipment(), result) == [
        "This carrier refuses these goods."
    ]
    assert eligibility(demo_carriers["swift-express"], make_shipment(), result) == []


def test_prohibited_goods_rule_out_every_carrier(demo_carriers):
    result = screening(verdict="prohibited")
    for carrier in demo_carriers.values():
        assert "These goods may not be sent (prohibited goods)." in eligibility(
            carrier, make_shipment(), result
        )


def test_without_screening_the_goods_are_not_judged(demo_carriers):
    assert eligibility(demo_carriers["swift-express"], make_shipment()) == []


def test_hk_bag_bag_reasons(demo_carriers):
    hk = demo_carriers["hk-bag"]
    assert eligibility(hk, hk_shipment(weight_kg=D("3"), bag_size="S"), ALLOWED) == [
        "Bag 小号快递袋 S holds at most 2 kg."
    ]
    assert eligibility(hk, hk_shipment(weight_kg=D("1"), quantity=4, bag_size="S"), ALLOWED) == [
        "Bag 小号快递袋 S holds at most 3 items."
    ]
    assert eligibility(hk, hk_shipment(weight_kg=D("1"), bag_size="XL"), ALLOWED) == [
        "This carrier has no bag size “XL”."
    ]
    assert eligibility(hk, hk_shipment(weight_kg=D("12")), ALLOWED) == [
        "No bag of this carrier holds 12 kg with 1 item."
    ]


def test_reasons_are_translated(demo_carriers):
    from django.utils import translation

    with translation.override("zh-hans"):
        reasons = eligibility(demo_carriers["econ-post"], make_shipment(weight_kg=D("31")), ALLOWED)
    assert reasons == ["包裹重 31 公斤，该物流公司每件最多收 30 公斤。"]
