"""A user resets a forgotten password and logs in with it; another deletes their account."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import User
from tests.factories import PASSWORD, UserFactory

NEW_PASSWORD = "Parcel-Door-2027!"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reset_a_forgotten_password_and_log_in(live_server, seeded_site, page, screenshot):
    url = live_server.url
    user = UserFactory(username="wang@example.com", phone=None, email="wang@example.com", language="en")

    page.goto(f"{url}/accounts/login/")
    page.click("text=Forgot your password?")
    page.wait_for_url(f"{url}/accounts/password/reset/")
    page.fill("#id_login", "wang@example.com")
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/accounts/password/reset/confirm/")
    expect(page.locator("#id_login")).to_have_value("wang@example.com")

    assert len(mail.outbox) == 1
    code = re.search(r"\b(\d{6})\b", mail.outbox[0].body).group(1)
    page.fill("#id_code", code)
    page.fill("#id_new_password", NEW_PASSWORD)
    screenshot("password-reset-confirm")
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/accounts/login/")
    expect(page.locator("body")).to_contain_text("Your new password is set. Log in with it.")

    page.fill("#id_login", "wang@example.com")
    page.fill("#id_password", NEW_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_delete_my_account_from_the_account_page(live_server, seeded_site, page, screenshot):
    url = live_server.url
    user = UserFactory(phone="+8613800138000", username="+8613800138000", display_name="欧阳娜娜")

    page.goto(f"{url}/accounts/login/")
    page.fill("#id_login", "13800138000")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")

    page.goto(f"{url}/accounts/profile/")
    page.click("text=Delete my account")
    page.wait_for_url(f"{url}/accounts/delete/")
    page.fill("#id_password", "not-my-password")
    page.click('form[action="/accounts/delete/"] button[type=submit]')
    expect(page.locator(".errorlist")).to_contain_text("The password is incorrect.")
    assert User.objects.filter(pk=user.pk).exists()

    page.fill("#id_password", PASSWORD)
    screenshot("account-delete")
    page.click('form[action="/accounts/delete/"] button[type=submit]')
    page.wait_for_url(f"{url}/accounts/login/")
    expect(page.locator("body")).to_contain_text("Your account has been deleted.")
    assert not User.objects.filter(pk=user.pk).exists()
