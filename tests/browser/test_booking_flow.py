"""A new user signs up, books a pickup through the pages, finds it in their orders and cancels it."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Address, User
from orders.models import Order, OrderEvent, Status

PASSWORD = "Parcel-Door-2026!"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def choose_region(page, party: str, province: str, city: str, district: str) -> None:
    """Pick the cascading selects in turn, each waiting for the options the one before loads."""
    page.select_option(f"#id_{party}_province", province)
    page.locator(f'#id_{party}_city option[value="{city}"]').wait_for(state="attached")
    page.select_option(f"#id_{party}_city", city)
    page.locator(f'#id_{party}_district option[value="{district}"]').wait_for(state="attached")
    page.select_option(f"#id_{party}_district", district)


def test_sign_up_book_follow_and_cancel(live_server, seeded_site, page, screenshot):
    url = live_server.url

    # Sign up: the agreement box starts unticked and must be ticked.
    page.goto(f"{url}/accounts/signup/")
    assert not page.is_checked("#id_accept_agreement")
    page.fill("#id_login", "13812345678")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.check("#id_accept_agreement")
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")
    user = User.objects.get()
    assert user.phone == "+8613812345678"
    address = Address.objects.create(
        user=user,
        label="公司",
        name="李四",
        phone="010-88888888",
        province="北京市",
        city="北京市",
        district="朝阳区",
        address="建国路88号",
    )
    page.reload()

    # The booking form.
    page.fill("#id_sender_name", "张三")
    page.fill("#id_sender_phone", "13800138000")
    choose_region(page, "sender", "广东省", "深圳市", "南山区")
    page.fill("#id_sender_address", "科技园科苑路1号")
    # The recipient comes from the address book: the cascading selects load level by level.
    page.select_option("[data-address-book=recipient]", str(address.pk))
    expect(page.locator("#id_recipient_district")).to_have_value("朝阳区")
    assert page.input_value("#id_recipient_name") == "李四"
    assert page.input_value("#id_recipient_city") == "北京市"
    page.select_option("#id_item_type", "clothing")
    page.fill("#id_description", "冬季外套")
    page.fill("#id_weight_kg", "1.5")
    page.fill("#id_length_cm", "30")
    page.fill("#id_width_cm", "20")
    page.fill("#id_height_cm", "10")
    page.fill("#id_declared_value", "800")
    page.check("#id_insured")
    windows = page.locator("#id_pickup_window option").evaluate_all(
        "els => els.map(e => e.value).filter(Boolean)"
    )
    assert windows, "no pickup window offered"
    # The day after tomorrow, mid-morning: valid however long the test takes, within every carrier's hours.
    last_day = windows[-1][:10]
    page.select_option("#id_pickup_window", next(w for w in windows if w.startswith(f"{last_day}T10:00")))
    assert page.locator("text=inspects the goods and checks the sender's ID").is_visible()
    screenshot("booking")
    page.click("[data-testid=to-quotes]")
    page.wait_for_url(f"{url}/book/quote/")

    # Quotes: the recommended carrier is chosen, hk-bag is greyed out and cannot be chosen.
    recommended = page.locator("label.quote", has=page.locator(".badge", has_text="Recommended"))
    assert recommended.count() == 1
    code = recommended.get_attribute("data-carrier")
    assert page.is_checked(f'input[name=carrier][value="{code}"]')
    assert page.is_disabled('input[name=carrier][value="hk-bag"]')
    assert page.locator(f'[data-terms-for="{code}"] .terms').is_visible()
    assert not page.is_checked("#id_accept_terms")
    screenshot("quote")
    page.check("#id_accept_terms")
    with page.expect_navigation():
        page.click("[data-testid=confirm]")
    assert re.fullmatch(rf"{url}/orders/CP\w+/", page.url), page.inner_text("main")

    order = Order.objects.get()
    assert (order.carrier.code, order.status, order.recipient_phone) == (
        code,
        Status.PLACED,
        "+86-10-88888888",
    )
    assert page.inner_text("[data-testid=pickup-code]") == order.pickup_code
    assert order.pickup_code in page.inner_text(".messages")
    screenshot("order")

    # My orders lists it; open it from there.
    page.click("header >> text=My orders")
    page.wait_for_url(f"{url}/orders/")
    row = page.locator(f'tr[data-order="{order.number}"]')
    assert "Placed" in row.inner_text()
    screenshot("orders")
    row.locator("a").click()
    page.wait_for_url(f"{url}/orders/{order.number}/")

    # Cancel before pickup, with a reason.
    page.select_option("#id_reason", "changed_mind")
    page.click("[data-testid=cancel]")  # not confirmed yet: nothing happens but the question
    assert page.locator("#id_confirm").is_visible()
    assert Order.objects.get().status == Status.PLACED
    page.check("#id_confirm")
    page.click("[data-testid=cancel]")
    page.wait_for_url(f"{url}/orders/{order.number}/")
    assert page.inner_text("[data-testid=status]") == "Cancelled"
    assert page.locator("[data-testid=cancel]").count() == 0
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == (Status.CANCELLED, "changed_mind")
    assert list(OrderEvent.objects.filter(order=order).values_list("new_status", flat=True)) == [
        Status.PLACED,
        Status.CANCELLED,
    ]


def test_the_booking_form_screens_the_description_as_the_user_types(live_server, seeded_site, page):
    user = User.objects.create_user("13812345679", PASSWORD)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", "13812345679")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert user.is_active

    box = page.locator("[data-testid=live-screening]")
    page.fill("#id_description", "冬季外套")
    page.wait_for_timeout(800)
    assert box.is_hidden()

    page.fill("#id_description", "仿真枪 玩具")
    box.wait_for(state="visible")
    assert "screening-prohibited" in box.get_attribute("class")
    assert "may not be sent" in box.inner_text()
    assert "禁止寄递物品目录 一、1" in box.inner_text()  # firearms, imitations included

    page.fill("#id_description", "二手手机")
    expect(box).to_have_class(re.compile(r"\bscreening-restricted\b"))
    assert "only by ground (限制寄递物品目录 2)" in box.inner_text()

    page.fill("#id_description", "冬季外套")
    box.wait_for(state="hidden")

    # The flags and the size count while typing: a boxed TV is fine, a tall upright one is not.
    page.fill("#id_description", "海尔 55寸 电视机")
    expect(box).to_have_class(re.compile(r"\bscreening-refused\b"))
    page.check("#id_original_packaging")
    box.wait_for(state="hidden")
    page.check("#id_keep_upright")
    page.fill("#id_length_cm", "130")
    page.fill("#id_width_cm", "20")
    page.fill("#id_height_cm", "190")
    page.locator("#id_height_cm").dispatch_event("change")
    box.wait_for(state="visible")
    assert "screening-refused" in box.get_attribute("class")
    assert "taller than 1.8 m" in box.inner_text()
