"""Exact prices of the demo tariffs (carriers/demo.py), each worked out by hand in a comment."""

from decimal import Decimal as D

import pytest

from carriers.services import PricingError, price_shipment, to_cny
from carriers.services.pricing import chargeable_weight

from .helpers import GUANGZHOU, HAIKOU, SHENZHEN, URUMQI, hk_shipment, make_shipment


def price(carriers, code, **shipment):
    maker = hk_shipment if code == "hk-bag" else make_shipment
    return price_shipment(carrier=carriers[code], shipment=maker(**shipment))


# swift-express: divisor 6000, 0.5 kg steps; other province 20.00 first kg + 4.00 per 0.5 kg.


@pytest.mark.parametrize(
    ("weight", "expected", "chargeable"),
    [
        ("0.3", "20.00", "0.50"),  # under the first weight: the first-weight price
        ("1.0", "20.00", "1.00"),
        ("1.01", "24.00", "1.50"),  # step boundary: 1.01 kg → 1.5 kg → 20 + 1 × 4
        ("1.5", "24.00", "1.50"),
        ("1.51", "28.00", "2.00"),  # 20 + 2 × 4
    ],
)
def test_swift_express_step_boundaries(demo_carriers, weight, expected, chargeable):
    result = price(demo_carriers, "swift-express", weight_kg=D(weight))
    assert result.amount == D(expected)
    assert result.currency == "CNY"
    assert result.breakdown["chargeable_weight_kg"] == chargeable
    assert result.breakdown["zone"] == "other_province"


def test_swift_express_volumetric(demo_carriers):
    # 40 × 30 × 20 = 24000 cm³ ÷ 6000 = 4.0 kg > 1.2 kg actual → 20 + 6 × 4 = 44.00
    result = price(
        demo_carriers, "swift-express", weight_kg=D("1.2"), length_cm=D(40), width_cm=D(30), height_cm=D(20)
    )
    assert result.amount == D("44.00")
    assert result.breakdown["volumetric_weight_kg"] == "4.00"
    assert result.breakdown["chargeable_weight_kg"] == "4.00"
    assert result.breakdown["freight"] == "44.00"


def test_swift_express_actual_weight_beats_small_volume(demo_carriers):
    # 10 × 10 × 10 ÷ 6000 = 0.17 kg < 2.2 kg → 2.5 kg → 20 + 3 × 4 = 32.00
    result = price(
        demo_carriers, "swift-express", weight_kg=D("2.2"), length_cm=D(10), width_cm=D(10), height_cm=D(10)
    )
    assert result.amount == D("32.00")
    assert result.breakdown["volumetric_weight_kg"] == "0.17"


@pytest.mark.parametrize(
    ("recipient", "weight", "expected", "zone"),
    [
        (SHENZHEN, "1.0", "12.00", "same_city"),  # 12.00
        (GUANGZHOU, "2.3", "21.50", "same_province"),  # 2.5 kg: 14 + 3 × 2.50
        (URUMQI, "3", "56.00", "remote"),  # 28 + 4 × 7
        (HAIKOU, "1.2", "35.00", "remote"),  # 1.5 kg: 28 + 1 × 7
    ],
)
def test_swift_express_zones(demo_carriers, recipient, weight, expected, zone):
    result = price(demo_carriers, "swift-express", recipient=recipient, weight_kg=D(weight))
    assert result.amount == D(expected)
    assert result.breakdown["zone"] == zone


def test_swift_express_insurance_at_minimum(demo_carriers):
    # 0.5% × 100 = 0.50 < minimum 1.00 → 20.00 + 1.00
    result = price(demo_carriers, "swift-express", weight_kg=D("1"), declared_value=D("100"), insured=True)
    assert result.amount == D("21.00")
    assert result.breakdown["insurance_fee"] == "1.00"
    assert result.breakdown["insured_value"] == "100.00"
    assert result.breakdown["insurance_capped"] is False


def test_swift_express_insurance_proportional(demo_carriers):
    # 0.5% × 1234.56 = 6.1728 → 6.17; 1.5 kg → 24.00 + 6.17
    result = price(demo_carriers, "swift-express", declared_value=D("1234.56"), insured=True)
    assert result.amount == D("30.17")
    assert result.breakdown["insurance_fee"] == "6.17"


def test_swift_express_insurance_at_cap(demo_carriers):
    # declared 50000 > cap 30000: insured 30000 × 0.5% = 150.00 → 20.00 + 150.00
    result = price(demo_carriers, "swift-express", weight_kg=D("1"), declared_value=D("50000"), insured=True)
    assert result.amount == D("170.00")
    assert result.breakdown["insured_value"] == "30000.00"
    assert result.breakdown["insurance_fee"] == "150.00"
    assert result.breakdown["insurance_capped"] is True
    assert result.breakdown["declared_value"] == "50000.00"


def test_not_insured_means_no_fee_even_for_a_valuable_parcel(demo_carriers):
    result = price(demo_carriers, "swift-express", weight_kg=D("1"), declared_value=D("50000"), insured=False)
    assert result.amount == D("20.00")
    assert result.breakdown["insurance_fee"] == "0.00"
    assert result.breakdown["insurance_capped"] is False


# econ-post: divisor 8000, 1 kg steps; other province 12.00 first kg + 5.00 per kg.


@pytest.mark.parametrize(
    ("weight", "expected"),
    [("1.0", "12.00"), ("1.01", "17.00"), ("2", "17.00"), ("2.01", "22.00")],
)
def test_econ_post_step_boundaries(demo_carriers, weight, expected):
    assert price(demo_carriers, "econ-post", weight_kg=D(weight)).amount == D(expected)


def test_econ_post_volumetric(demo_carriers):
    # 35 × 25 × 15 = 13125 ÷ 8000 = 1.640625 kg > 1.2 → 2 kg → 12 + 5 = 17.00
    result = price(
        demo_carriers, "econ-post", weight_kg=D("1.2"), length_cm=D(35), width_cm=D(25), height_cm=D(15)
    )
    assert result.amount == D("17.00")
    assert result.breakdown["volumetric_weight_kg"] == "1.64"
    assert result.breakdown["chargeable_weight_kg"] == "2.00"


def test_econ_post_same_city_and_insurance(demo_carriers):
    # same city 8.00; 0.6% × 200 = 1.20 < minimum 2.00
    result = price(
        demo_carriers,
        "econ-post",
        recipient=SHENZHEN,
        weight_kg=D("1"),
        declared_value=D("200"),
        insured=True,
    )
    assert result.amount == D("10.00")
    assert result.breakdown["insurance_fee"] == "2.00"


def test_econ_post_insurance_at_cap(demo_carriers):
    # 8000 capped at 5000 × 0.6% = 30.00; 1.5 kg → 2 kg → 17.00
    result = price(demo_carriers, "econ-post", declared_value=D("8000"), insured=True)
    assert result.amount == D("47.00")
    assert result.breakdown["insurance_capped"] is True
    assert result.breakdown["insured_value"] == "5000.00"


# heavy-freight: divisor 6000, 1 kg steps; other province 40.00 for the first 5 kg + 3.50 per kg.


@pytest.mark.parametrize(
    ("weight", "expected"),
    [("2", "40.00"), ("5", "40.00"), ("5.01", "43.50"), ("30", "127.50")],  # 40 + 25 × 3.5
)
def test_heavy_freight_first_weight_of_five_kg(demo_carriers, weight, expected):
    assert price(demo_carriers, "heavy-freight", weight_kg=D(weight)).amount == D(expected)


def test_heavy_freight_volumetric(demo_carriers):
    # 120 × 80 × 100 = 960000 ÷ 6000 = 160 kg > 80 kg → 40 + 155 × 3.50 = 582.50
    result = price(
        demo_carriers, "heavy-freight", weight_kg=D("80"), length_cm=D(120), width_cm=D(80), height_cm=D(100)
    )
    assert result.amount == D("582.50")
    assert result.breakdown["chargeable_weight_kg"] == "160.00"


def test_heavy_freight_insurance_minimum_and_cap(demo_carriers):
    # 0.3% × 1000 = 3.00 < minimum 5.00
    low = price(demo_carriers, "heavy-freight", weight_kg=D("5"), declared_value=D("1000"), insured=True)
    assert low.amount == D("45.00")
    # 60000 capped at 50000 × 0.3% = 150.00
    high = price(demo_carriers, "heavy-freight", weight_kg=D("5"), declared_value=D("60000"), insured=True)
    assert high.amount == D("190.00")
    assert high.breakdown["insurance_capped"] is True


# hk-bag (HKD): bags S 38.00 (2 kg, 3 items) · M 68.00 (5 kg) · L 108.00 (10 kg);
# surcharge = 12.00 service fee + 13% import tax on the full declared value.


def test_hk_bag_cheapest_bag_that_fits_plus_surcharge(demo_carriers):
    # S 38.00 + 12.00 + 13% × 800 = 104.00 → 154.00 HKD
    result = price(demo_carriers, "hk-bag", weight_kg=D("1.5"), quantity=2, declared_value=D("800"))
    assert result.amount == D("154.00")
    assert result.currency == "HKD"
    b = result.breakdown
    assert (b["pricing"], b["bag"], b["freight"]) == ("bag", "S", "38.00")
    assert (b["surcharge_service_fee"], b["surcharge_import_tax"], b["surcharge"]) == (
        "12.00",
        "104.00",
        "116.00",
    )
    assert b["chargeable_weight_kg"] is None


def test_hk_bag_chosen_bag(demo_carriers):
    # M 68.00 + 12.00 + 13% × 1500 = 195.00 → 275.00
    result = price(demo_carriers, "hk-bag", weight_kg=D("4"), bag_size="M", declared_value=D("1500"))
    assert result.amount == D("275.00")
    assert result.breakdown["bag"] == "M"


def test_hk_bag_item_limit_moves_to_the_next_bag(demo_carriers):
    # 5 items do not go in S (max 3): M 68.00 + 12.00 + 13% × 100 = 13.00 → 93.00
    result = price(demo_carriers, "hk-bag", weight_kg=D("1"), quantity=5, declared_value=D("100"))
    assert result.breakdown["bag"] == "M"
    assert result.amount == D("93.00")


def test_hk_bag_insurance_capped_at_hkd_20000_but_tax_on_full_value(demo_carriers):
    # L 108.00; insured 20000 (of 25000) × 1% = 200.00; 12.00 + 13% × 25000 = 3250.00 → 3570.00
    result = price(
        demo_carriers, "hk-bag", weight_kg=D("8"), declared_value=D("25000"), insured=True, bag_size="L"
    )
    assert result.amount == D("3570.00")
    b = result.breakdown
    assert (b["insured_value"], b["insurance_fee"], b["insurance_capped"]) == ("20000.00", "200.00", True)
    assert b["surcharge_import_tax"] == "3250.00"


def test_hk_bag_insurance_minimum(demo_carriers):
    # S 38.00 + 1% × 500 = 5.00 < minimum 10.00 + 12.00 + 65.00 → 125.00
    result = price(demo_carriers, "hk-bag", weight_kg=D("1"), declared_value=D("500"), insured=True)
    assert result.amount == D("125.00")
    assert result.breakdown["insurance_fee"] == "10.00"


def test_hk_bag_weight_priced_province(demo_carriers):
    # 新疆 is priced by weight: remote 78.00 + 1 × 26.00 (1.2 → 1.5 kg) + 12.00 + 13% × 300 = 39.00
    result = price(demo_carriers, "hk-bag", recipient=URUMQI, weight_kg=D("1.2"), declared_value=D("300"))
    assert result.amount == D("155.00")
    assert result.breakdown["pricing"] == "bag_weight"
    assert result.breakdown["bag"] == ""
    assert result.breakdown["chargeable_weight_kg"] == "1.50"


def test_hk_bag_without_a_fitting_bag_cannot_be_priced(demo_carriers):
    with pytest.raises(PricingError, match="12 kg"):
        price(demo_carriers, "hk-bag", weight_kg=D("12"))
    with pytest.raises(PricingError, match="2 kg"):
        price(demo_carriers, "hk-bag", weight_kg=D("3"), bag_size="S")
    with pytest.raises(PricingError, match="XL"):
        price(demo_carriers, "hk-bag", weight_kg=D("1"), bag_size="XL")


def test_platform_service_fee_is_added_in_the_quote_currency(demo_carriers, settings):
    settings.PLATFORM_SERVICE_FEE = "2.00"
    swift = price(demo_carriers, "swift-express", weight_kg=D("1"))
    assert swift.amount == D("22.00")
    assert swift.breakdown["platform_service_fee"] == "2.00"
    # 2.00 CNY ÷ 0.92 = 2.1739… → 2.17 HKD; 38 + 12 + 13% × 800 + 2.17
    hk = price(demo_carriers, "hk-bag", weight_kg=D("1"))
    assert hk.breakdown["platform_service_fee"] == "2.17"
    assert hk.amount == D("156.17")


def test_platform_service_fee_is_zero_by_default(demo_carriers):
    assert price(demo_carriers, "swift-express").breakdown["platform_service_fee"] == "0.00"


def test_breakdown_adds_up_to_the_amount(demo_carriers):
    result = price(demo_carriers, "hk-bag", weight_kg=D("4"), declared_value=D("999.99"), insured=True)
    b = result.breakdown
    parts = D(b["freight"]) + D(b["insurance_fee"]) + D(b["surcharge"]) + D(b["platform_service_fee"])
    assert parts == result.amount == D(b["total"])


def test_amounts_are_decimals_quantized_to_cents(demo_carriers):
    result = price(demo_carriers, "swift-express", declared_value=D("333.33"), insured=True)
    assert isinstance(result.amount, D)
    assert result.amount.as_tuple().exponent == -2


def test_to_cny(settings):
    assert to_cny(D("154.00"), "HKD") == D("141.68")  # × 0.92
    assert to_cny(D("17.00"), "CNY") == D("17.00")
    settings.CURRENCY_RATES_TO_CNY = {"CNY": "1", "HKD": "0.9125"}
    assert to_cny(D("100"), "HKD") == D("91.25")


def test_chargeable_weight_rounds_up_to_the_step(demo_carriers):
    swift, econ = demo_carriers["swift-express"], demo_carriers["econ-post"]
    assert chargeable_weight(carrier=swift, shipment=make_shipment(weight_kg=D("2.01"))) == D("2.50")
    assert chargeable_weight(carrier=econ, shipment=make_shipment(weight_kg=D("2.01"))) == D("3.00")
    assert chargeable_weight(carrier=econ, shipment=make_shipment(weight_kg=D("3"))) == D("3.00")


def test_breakdown_strings_are_stable_whether_or_not_the_carrier_was_reloaded(demo_carriers):
    fresh = price(demo_carriers, "hk-bag", weight_kg=D("1")).breakdown
    demo_carriers["hk-bag"].refresh_from_db()
    assert price(demo_carriers, "hk-bag", weight_kg=D("1")).breakdown == fresh
    assert (fresh["insurance_max_value"], fresh["import_tax_rate"]) == ("20000.00", "0.1300")
