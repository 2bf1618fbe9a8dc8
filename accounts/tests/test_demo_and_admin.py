import pytest

from accounts.demo import seed_demo_users
from accounts.models import Address, AgreementAcceptance, LoginGuard, User
from accounts.services import InvalidCredentials, address_create, login_attempt
from tests.factories import PASSWORD, UserFactory


def test_seed_demo_users_is_idempotent_and_logins_work(db, agreement_v1):
    first = seed_demo_users()
    second = seed_demo_users()
    assert (
        first
        == second
        == {
            "admin": ("admin@example.com", "admin-demo-2026"),
            "user": ("13800138000", "demo-user-2026"),
        }
    )
    assert User.objects.count() == 2
    admin = login_attempt(login="admin@example.com", password="admin-demo-2026")
    assert admin.is_superuser and admin.is_staff
    demo = login_attempt(login="13800138000", password="demo-user-2026")
    assert demo.phone == "+8613800138000"
    assert AgreementAcceptance.objects.get(user=demo, agreement__kind="terms").agreement == agreement_v1
    address = Address.objects.get(user=demo)
    assert (address.province, address.city, address.district, address.is_default) == (
        "广东省",
        "深圳市",
        "南山区",
        True,
    )


def test_seed_demo_users_restores_a_changed_password_and_lock(db, agreement_v1):
    seed_demo_users()
    demo = User.objects.get(phone="+8613800138000")
    demo.set_password("something-else-1")
    demo.save()
    for _attempt in range(5):
        with pytest.raises(InvalidCredentials):
            login_attempt(login="13800138000", password="wrong-password")
    seed_demo_users()
    assert login_attempt(login="13800138000", password="demo-user-2026") == demo


def test_admin_user_pages(client, moderator, customer):
    client.force_login(moderator)
    address_create(
        user=customer,
        name="张三",
        phone="13800138000",
        province="广东省",
        city="深圳市",
        district="南山区",
        address="1号",
    )
    changelist = client.get("/admin/accounts/user/", {"q": "13800138000"})
    assert changelist.status_code == 200
    assert changelist.context["cl"].result_count == 1
    assert client.get(f"/admin/accounts/user/{customer.pk}/change/").status_code == 200
    for url in (
        "/admin/accounts/agreement/",
        "/admin/accounts/agreementacceptance/",
        "/admin/accounts/address/",
    ):
        assert client.get(url).status_code == 200


def test_admin_unlock_action(client, moderator, customer):
    for _attempt in range(5):
        with pytest.raises(InvalidCredentials):
            login_attempt(login="13800138000", password="wrong-password")
    client.force_login(moderator)
    response = client.post(
        "/admin/accounts/user/", {"action": "unlock", "_selected_action": [customer.pk]}, follow=True
    )
    assert response.status_code == 200
    assert LoginGuard.objects.count() == 0
    assert login_attempt(login="13800138000", password=PASSWORD) == customer


def test_admin_adds_a_user_from_a_login(client, moderator):
    client.force_login(moderator)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "139 0013 9002",
            "usable_password": "true",
            "password1": "parcel-pickup-42",
            "password2": "parcel-pickup-42",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="+8613900139002")
    assert user.phone == "+8613900139002"


def test_admin_cannot_edit_acceptances_or_published_agreements(client, moderator, agreement_v1):
    client.force_login(moderator)
    other = UserFactory()
    acceptance = AgreementAcceptance.objects.create(user=other, agreement=agreement_v1, method="signup")
    page = client.get(f"/admin/accounts/agreementacceptance/{acceptance.pk}/change/")
    assert page.status_code == 200
    assert 'name="method"' not in page.content.decode()
    response = client.post(
        f"/admin/accounts/agreement/{agreement_v1.pk}/change/",
        {
            "version": "v1",
            "title": "改过的",
            "body": "改过的",
            "effective_at_0": "2020-01-01",
            "effective_at_1": "00:00",
        },
    )
    agreement_v1.refresh_from_db()
    assert agreement_v1.title == "用户服务协议"
    assert response.status_code in (302, 403)
