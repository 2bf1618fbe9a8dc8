from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.selectors import agreement_current, agreement_upcoming


def test_migration_publishes_v1_adapted_to_our_platform(agreement_v1):
    assert agreement_v1.title == "用户服务协议"
    assert agreement_v1.published_at is not None
    assert agreement_v1.effective_at <= timezone.now()
    body = agreement_v1.body
    assert "小米" not in body and "米 push" not in body
    assert body.startswith("上门快递用户服务协议")
    for heading in (
        "一、定义",
        "二、账号注册与使用",
        "四、您应遵守的交易规则",
        "五、您应遵守的评价管理规则",
        "六、违规处理与终止",
        "八、其他约定",
        "附件《禁限物品及贵重物品寄递告知》",
    ):
        assert heading in body
    assert "已下单、派单中、已接单、已揽件、运输中、派送中、疑难件、已签收、已拒签、已取消和已失效" in body
    assert "手机号码，或电子邮箱地址" in body
    assert "4.16." in body and "5.3.1. 用户可对 60 天内完成的订单进行评价" in body
    assert "查询、更正、删除以及注销服务或账号的权利" in body
    assert agreement_current() == agreement_v1
    assert agreement_upcoming() is None


def test_current_is_latest_effective_and_upcoming_is_next_published(agreement_v1, make_agreement):
    v2 = make_agreement("v2", effective_in=-timedelta(minutes=5))
    make_agreement("v3-draft", effective_in=-timedelta(minutes=1), published=False)
    v4 = make_agreement("v4", effective_in=timedelta(days=30))
    make_agreement("v5", effective_in=timedelta(days=60))

    assert agreement_current() == v2
    assert agreement_upcoming() == v4


def test_upcoming_becomes_current_on_its_effective_date(agreement_v1, make_agreement):
    v2 = make_agreement("v2", effective_in=timedelta(days=7))
    assert agreement_current() == agreement_v1
    assert agreement_upcoming() == v2

    with time_machine.travel(v2.effective_at + timedelta(seconds=1)):
        assert agreement_current() == v2
        assert agreement_upcoming() is None


def test_scheduled_publication_is_not_visible_before_it(agreement_v1, make_agreement):
    v2 = make_agreement("v2", effective_in=timedelta(days=30))
    v2.published_at = timezone.now() + timedelta(days=1)
    v2.save(update_fields=["published_at"])
    assert agreement_upcoming() is None


def test_api_agreement_is_public(api_client, agreement_v1):
    response = api_client.get("/api/v1/agreement/")
    assert response.status_code == 200
    assert response.json() == {
        "version": "v1",
        "title": "用户服务协议",
        "effective_at": timezone.localtime(agreement_v1.effective_at).isoformat(),
        "url": "http://testserver/accounts/agreement/v1/",
    }


def test_agreement_page_shows_current_text_and_announces_upcoming(client, agreement_v1, make_agreement):
    make_agreement("v2", effective_in=timedelta(days=7))
    page = client.get("/accounts/agreement/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>用户服务协议</h1>" in html
    assert "<h2>一、定义</h2>" in html
    assert '<span class="clause">1.5.</span> 订单状态' in html
    assert "现行有效" in html
    assert "新版本（v2）将于" in html
    assert 'href="/accounts/agreement/v2/"' in html


def test_agreement_version_pages(client, agreement_v1, make_agreement):
    make_agreement("draft", effective_in=timedelta(days=1), published=False)
    assert client.get("/accounts/agreement/v1/").status_code == 200
    assert client.get("/accounts/agreement/draft/").status_code == 404
    assert client.get("/accounts/agreement/nope/").status_code == 404


def test_agreement_text_is_escaped(client, agreement_v1, make_agreement):
    evil = make_agreement("v2", effective_in=-timedelta(minutes=1))
    evil.body = "一、定义\n\n<script>alert(1)</script>"
    evil.save(update_fields=["body"])
    html = client.get("/accounts/agreement/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_agreement_page_in_other_languages_says_chinese_governs(client, agreement_v1, language):
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    html = client.get("/accounts/agreement/").content.decode()
    assert ("Chinese text governs" in html) if language == "en" else ("中文文本為準" in html)


def test_clause_2_3_describes_the_login_pause_per_network_and_account(agreement_v1):
    body = agreement_v1.body
    assert "2.3. 为保护您的账号安全，从同一网络地址对同一账号连续多次输入错误密码的" in body
    assert "从其他网络地址登录不受影响" in body
    assert "该账号将被暂时锁定" not in body
