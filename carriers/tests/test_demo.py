from decimal import Decimal as D

from carriers.demo import seed_demo_carriers
from carriers.models import BagSize, Carrier, ContractTerms, ZoneRate


def test_seed_creates_the_four_design_carriers(demo_carriers):
    assert set(demo_carriers) == {"swift-express", "econ-post", "heavy-freight", "hk-bag"}
    swift = demo_carriers["swift-express"]
    assert swift.transport_modes == ["air", "ground"]
    assert (swift.volumetric_divisor, swift.weight_step_kg, swift.requires_pickup_code) == (
        6000,
        D("0.5"),
        True,
    )
    assert swift.refusal_groups == [1, 2, 3, 6, 7, 8, 9, 11]
    econ = demo_carriers["econ-post"]
    assert (econ.transport_modes, econ.volumetric_divisor, econ.weight_step_kg) == (["ground"], 8000, D("1"))
    assert econ.refusal_groups == [1, 2, 3, 5, 6, 7, 8, 9, 11]
    assert demo_carriers["heavy-freight"].refusal_groups == list(range(1, 12))
    hk = demo_carriers["hk-bag"]
    assert (hk.currency, hk.pricing, hk.origin_provinces) == ("HKD", "bag", ["81"])
    assert (hk.insurance_max_value, hk.claim_window_days, hk.claim_documents_days) == (D("20000"), 30, 90)
    assert [b.code for b in hk.bag_sizes.all()] == ["S", "M", "L"]
    assert all(c.integration == "manual" for c in demo_carriers.values())


def test_seed_is_idempotent_and_keeps_published_contract_text(demo_carriers):
    ContractTerms.objects.filter(carrier__code="econ-post").update(body="已接受的文本")
    Carrier.objects.filter(code="econ-post").update(max_weight_kg=D("1"))
    seed_demo_carriers()
    assert Carrier.objects.count() == 4
    assert ZoneRate.objects.count() == 4 + 4 + 4 + 2
    assert BagSize.objects.count() == 3
    assert ContractTerms.objects.count() == 4
    assert ContractTerms.objects.get(carrier__code="econ-post").body == "已接受的文本"
    assert Carrier.objects.get(code="econ-post").max_weight_kg == D("30")


def test_admin_pages(client, moderator, demo_carriers):
    client.force_login(moderator)
    assert client.get("/admin/carriers/carrier/").status_code == 200
    assert client.get("/admin/carriers/carrier/?q=hk").status_code == 200
    response = client.get(f"/admin/carriers/carrier/{demo_carriers['hk-bag'].pk}/change/")
    assert response.status_code == 200
    assert "港邮快递袋服务条款" in response.content.decode()
    assert client.get("/admin/carriers/contractterms/").status_code == 200
