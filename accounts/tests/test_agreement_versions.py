"""Publishing agreement versions, the banner, acceptance by continued use, the privacy policy."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client, TestCase
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import AcceptanceMethod, Agreement, AgreementAcceptance, AgreementKind
from accounts.services.agreements import agreement_accept, agreement_publish
from notifications.models import Kind, Notification
from tests.factories import PASSWORD, UserFactory


def publish(agreement):
    """Publish; every user is told by a broadcast after commit."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return agreement_publish(agreement=agreement)


@pytest.fixture
def draft_v2(agreement_v1):
    return Agreement.objects.create(
        version="v2",
        title="用户服务协议",
        body="上门快递用户服务协议 v2\n\n一、定义\n\n1.1. 正文。",
        effective_at=timezone.now() + timedelta(days=7),
    )


@pytest.fixture
def signed_up(agreement_v1):
    user = UserFactory(phone="+8613800138000", username="+8613800138000", language="en")
    agreement_accept(user=user, agreement=agreement_v1, method=AcceptanceMethod.SIGNUP)
    return user


def _login(client, phone="13800138000"):
    return client.post("/accounts/login/", {"login": phone, "password": PASSWORD})


def test_admin_publishes_a_version_and_every_user_is_told(
    client, moderator, signed_up, other_customer, draft_v2, django_capture_on_commit_callbacks
):
    inactive = UserFactory(is_active=False)
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):  # the broadcast goes after commit
        response = client.post(
            "/admin/accounts/agreement/",
            {"action": "publish", "_selected_action": [draft_v2.pk]},
            follow=True,
        )
    assert response.status_code == 200
    draft_v2.refresh_from_db()
    assert draft_v2.published_at is not None
    told = Notification.objects.filter(kind=Kind.AGREEMENT_UPDATED)
    assert set(told.values_list("user_id", flat=True)) == {signed_up.pk, other_customer.pk, moderator.pk}
    assert not told.filter(user=inactive).exists()
    notice = told.get(user=signed_up)
    assert notice.requires_action  # the banner shows until the user reads (acknowledges) it
    assert notice.title == "The user service agreement is changing"  # in the user's language
    assert "v2" in notice.body
    # Publishing twice is refused and tells nobody again.
    with pytest.raises(ValidationError, match="版本 v2 已经发布。"):
        agreement_publish(agreement=draft_v2)
    assert told.count() == 3


def test_banner_shows_until_acknowledged(signed_up, draft_v2):
    publish(draft_v2)
    browser = Client()
    browser.force_login(signed_up)
    page = browser.get("/accounts/profile/").content.decode()
    assert "The user service agreement is changing" in page
    notice = Notification.objects.get(user=signed_up, kind=Kind.AGREEMENT_UPDATED)
    api = APIClient()
    api.force_authenticate(signed_up)
    assert api.post(f"/api/v1/notifications/{notice.pk}/read/").status_code == 200
    page = browser.get("/accounts/profile/").content.decode()
    assert "The user service agreement is changing" not in page


def test_a_past_effective_date_is_refused(agreement_v1):
    late = Agreement.objects.create(
        version="v0", title="用户服务协议", body="x", effective_at=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(ValidationError, match="生效时间不能早于现在。"):
        agreement_publish(agreement=late)
    late.refresh_from_db()
    assert late.published_at is None


def test_continued_use_after_the_effective_date_is_acceptance(signed_up, draft_v2):
    publish(draft_v2)
    # Before the date, using the platform accepts nothing new.
    assert _login(Client(REMOTE_ADDR="198.51.100.4")).status_code == 302
    assert not AgreementAcceptance.objects.filter(user=signed_up, agreement=draft_v2).exists()

    with time_machine.travel(draft_v2.effective_at + timedelta(minutes=2), tick=False):
        assert _login(Client(REMOTE_ADDR="198.51.100.4", HTTP_USER_AGENT="Firefox/140")).status_code == 302
        acceptance = AgreementAcceptance.objects.get(user=signed_up, agreement=draft_v2)
        assert (acceptance.method, acceptance.ip, acceptance.user_agent) == (
            AcceptanceMethod.CONTINUED_USE,
            "198.51.100.4",
            "Firefox/140",
        )
        assert acceptance.accepted_at == timezone.now()
    # The sign-up acceptance of v1 stays as it was.
    assert (
        AgreementAcceptance.objects.get(
            user=signed_up, agreement__kind="terms", agreement__version="v1"
        ).method
        == AcceptanceMethod.SIGNUP
    )


def test_continued_use_over_the_api_with_a_token(signed_up, draft_v2):
    publish(draft_v2)
    token = Token.objects.create(user=signed_up)
    api = APIClient(REMOTE_ADDR="203.0.113.8")
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    with time_machine.travel(draft_v2.effective_at + timedelta(minutes=2), tick=False):
        assert api.get("/api/v1/me/").status_code == 200
    acceptance = AgreementAcceptance.objects.get(user=signed_up, agreement=draft_v2)
    assert (acceptance.method, acceptance.ip) == (AcceptanceMethod.CONTINUED_USE, "203.0.113.8")


def test_acceptance_history_in_the_admin_and_the_export(client, moderator, signed_up, draft_v2):
    publish(draft_v2)
    with time_machine.travel(draft_v2.effective_at + timedelta(minutes=2), tick=False):
        _login(Client())
    client.force_login(moderator)
    page = client.get(f"/admin/accounts/user/{signed_up.pk}/change/").content.decode()
    assert "v1" in page and "v2" in page
    api = APIClient()
    api.force_authenticate(signed_up)
    exported = api.get("/api/v1/me/export/").json()["agreement_acceptances"]
    assert sorted((a["version"], a["method"]) for a in exported if a["title"] == "用户服务协议") == [
        ("v1", "signup"),
        ("v2", "continued_use"),
    ]


def test_privacy_policy_page_is_versioned_and_linked(client, agreement_v1):
    page = client.get("/privacy/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "上门快递隐私政策" in html
    assert "查询" in html and "注销" in html
    assert client.get("/privacy/v1/").status_code == 200
    assert client.get("/privacy/v9/").status_code == 404
    assert 'href="/privacy/"' in client.get("/accounts/signup/").content.decode()
    assert 'href="/privacy/"' in client.get("/accounts/login/").content.decode()  # the footer

    v2 = Agreement.objects.create(
        kind=AgreementKind.PRIVACY,
        version="v2",
        title="隐私政策",
        body="上门快递隐私政策 v2",
        effective_at=timezone.now() + timedelta(days=3),
    )
    publish(v2)
    assert "上门快递隐私政策 v2" in client.get("/privacy/v2/").content.decode()
    assert "上门快递隐私政策 v2" not in client.get("/privacy/").content.decode()
    # The user agreement is unaffected by privacy versions.
    assert client.get("/accounts/agreement/v2/").status_code == 404


def test_sign_up_accepts_both_documents(client, agreement_v1):
    response = client.post(
        "/accounts/signup/",
        {
            "login": "13900139001",
            "password1": "parcel-pickup-42",
            "password2": "parcel-pickup-42",
            "agreement_version": "v1",
            "accept_agreement": "on",
        },
    )
    assert response.status_code == 302
    assert sorted(AgreementAcceptance.objects.values_list("agreement__kind", "method")) == [
        ("privacy", "signup"),
        ("terms", "signup"),
    ]
