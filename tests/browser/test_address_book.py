"""The address book in the browser: the same cascading selects and smart fill as booking, and an
address typed at booking saved to the book."""

import pytest
from playwright.sync_api import expect

from accounts.models import Address, User

PASSWORD = "Parcel-Door-2026!"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, url: str, phone: str) -> None:
    User.objects.create_user(phone, PASSWORD)
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_login", phone)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


def test_paste_an_address_into_the_book_then_book_from_it(live_server, seeded_site, page, screenshot):
    url = live_server.url
    log_in(page, url, "13812345602")
    page.goto(f"{url}/accounts/addresses/new/")
    page.fill("#paste-book", "谭永 159-2346-0871 重庆两江新区金开大道1108号")
    page.click("[data-testid=smart-fill-book]")
    # 两江新区 is a functional area: the select lands on the real district.
    expect(page.locator("#id_district")).to_have_value("渝北区")
    assert page.input_value("#id_province") == "重庆市"
    assert page.input_value("#id_name") == "谭永"
    assert page.input_value("#id_phone") == "15923460871"
    assert page.input_value("#id_address") == "金开大道1108号"
    expect(page.locator("#id_district")).to_have_class("smart-filled")
    screenshot("address-book-smart-fill")
    with page.expect_navigation():
        page.click("form.card button[type=submit]")
    saved = Address.objects.get()
    assert (saved.province, saved.city, saved.district, saved.phone) == (
        "重庆市",
        "重庆市",
        "渝北区",
        "+8615923460871",
    )

    # The saved address fills the booking form's selects: it always books.
    page.goto(f"{url}/")
    expect(page.locator("#id_sender_district")).to_have_value("渝北区")
    page.select_option("#book-recipient", str(saved.pk))
    expect(page.locator("#id_recipient_district")).to_have_value("渝北区")
    assert page.input_value("#id_recipient_name") == "谭永"


def test_an_address_typed_at_booking_is_saved_when_ticked(live_server, seeded_site, page):
    url = live_server.url
    log_in(page, url, "13812345603")
    page.fill("#paste-sender", "欧阳娜娜 13800138000 广东省深圳市南山区科苑路15号")
    page.click("[data-testid=smart-fill-sender]")
    expect(page.locator("#id_sender_district")).to_have_value("南山区")
    page.fill("#paste-recipient", "李四 13900139000 北京市朝阳区建国路88号")
    page.click("[data-testid=smart-fill-recipient]")
    expect(page.locator("#id_recipient_district")).to_have_value("朝阳区")
    page.check("#id_recipient_save")
    page.select_option("#id_item_type", "clothing")
    page.fill("#id_description", "冬季外套")
    page.fill("#id_weight_kg", "1.5")
    windows = page.locator("#id_pickup_window option").evaluate_all(
        "els => els.map(e => e.value).filter(Boolean)"
    )
    page.select_option("#id_pickup_window", windows[-1])
    page.click("[data-testid=to-quotes]")
    page.wait_for_url(f"{url}/book/quote/")
    assert Address.objects.count() == 0
    page.check("#id_accept_terms")
    with page.expect_navigation():
        page.click("[data-testid=confirm]")

    saved = Address.objects.get()
    assert (saved.name, saved.district, saved.address, saved.is_default) == (
        "李四",
        "朝阳区",
        "建国路88号",
        True,
    )
    page.goto(f"{url}/accounts/addresses/")
    expect(page.locator(".address-card")).to_have_count(1)
