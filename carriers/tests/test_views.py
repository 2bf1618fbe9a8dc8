from carriers.models import ContractTerms

from .helpers import local


def test_regions_provinces(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/carriers/regions/")
    assert response.status_code == 200
    data = response.json()
    assert data["level"] == "province"
    assert data["items"][0] == {"code": "110000", "name": "北京市"}
    assert {"code": "440000", "name": "广东省"} in data["items"]
    assert {"code": "810000", "name": "香港特别行政区"} in data["items"]
    assert len(data["items"]) == 32
    assert "public" in response["Cache-Control"]
    assert "max-age=86400" in response["Cache-Control"]
    assert "广东省" in response.content.decode()  # readable UTF-8, not \u escapes


def test_regions_cities(client):
    data = client.get("/carriers/regions/", {"province": "广东省"}).json()
    assert data["level"] == "city"
    assert data["items"][:2] == [{"code": "440100", "name": "广州市"}, {"code": "440200", "name": "韶关市"}]
    assert {"code": "440300", "name": "深圳市"} in data["items"]


def test_regions_districts(client):
    data = client.get("/carriers/regions/", {"province": "北京市", "city": "北京市"}).json()
    assert data["level"] == "district"
    assert {"code": "110105", "name": "朝阳区"} in data["items"]
    hk = client.get("/carriers/regions/", {"province": "香港特别行政区", "city": "香港特别行政区"}).json()
    assert len(hk["items"]) == 18


def test_regions_unknown_is_404(client):
    assert client.get("/carriers/regions/", {"province": "火星"}).status_code == 404
    assert client.get("/carriers/regions/", {"province": "广东省", "city": "北京市"}).status_code == 404


def test_regions_is_get_only(client):
    assert client.post("/carriers/regions/").status_code == 405


def test_contract_page_shows_the_current_terms(client, demo_carriers, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = client.get("/carriers/hk-bag/contract/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "港邮快递袋服务条款" in html
    assert "最高赔偿额为港币20,000元" in html
    assert "HK$20000.00" in html
    assert "现行版本" in html  # zh-hans, the default language
    assert "保价金额的 1%，最低 HK$10.00" in html
    assert "服务费 HK$12.00，另加预估进口税（申报价值的 13%）" in html


def test_contract_page_in_english(client, demo_carriers):
    html = client.get("/carriers/swift-express/contract/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Current" in html
    assert "0.5% of the insured value, at least ¥1.00" in html
    assert "迅捷快递电子契约条款" in html  # the terms themselves stay Chinese


def test_contract_page_by_version(client, demo_carriers):
    response = client.get("/carriers/swift-express/contract/v1/")
    assert response.status_code == 200
    assert "迅捷快递电子契约条款" in response.content.decode()
    assert "取件码" in response.content.decode()  # swift-express requires the pickup code


def test_contract_page_older_and_scheduled_versions(client, demo_carriers):
    carrier = demo_carriers["econ-post"]
    ContractTerms.objects.create(
        carrier=carrier,
        version="v2",
        title="经济速递电子契约条款",
        body="第二版正文",
        published_at=local(2026, 11, 1, 0),
    )
    ContractTerms.objects.create(
        carrier=carrier,
        version="v3",
        title="经济速递电子契约条款",
        body="第三版正文",
        published_at=local(2099, 1, 1, 0),
    )
    assert "第二版正文" in client.get("/carriers/econ-post/contract/").content.decode()
    old = client.get("/carriers/econ-post/contract/v1/")
    assert old.status_code == 200
    assert "/carriers/econ-post/contract/v2/" in old.content.decode()  # the version list links
    assert client.get("/carriers/econ-post/contract/v3/").status_code == 404  # not yet published
    assert client.get("/carriers/econ-post/contract/v9/").status_code == 404


def test_contract_page_unknown_carrier_or_none_published(client, demo_carriers):
    assert client.get("/carriers/nobody/contract/").status_code == 404
    demo_carriers["heavy-freight"].contracts.all().delete()
    assert client.get("/carriers/heavy-freight/contract/").status_code == 404
