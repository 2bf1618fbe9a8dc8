"""Before sign-up: estimates on the home page, then sign up and book with the values kept; smart fill
of a pasted address on the booking page."""

import pytest
from playwright.sync_api import expect

from accounts.models import User

PASSWORD = "Parcel-Door-2026!"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def choose_region(page, party: str, province: str, city: str, district: str) -> None:
    page.select_option(f"#id_{party}_province", province)
    page.locator(f'#id_{party}_city option[value="{city}"]').wait_for(state="attached")
    page.select_option(f"#id_{party}_city", city)
    page.locator(f'#id_{party}_district option[value="{district}"]').wait_for(state="attached")
    page.select_option(f"#id_{party}_district", district)


def test_estimate_then_sign_up_and_book_with_the_values_kept(live_server, seeded_site, page, screenshot):
    url = live_server.url
    page.goto(f"{url}/")
    choose_region(page, "from", "广东省", "深圳市", "南山区")
    choose_region(page, "to", "北京市", "北京市", "朝阳区")
    page.fill("#id_weight_kg", "2.5")
    page.click("[data-testid=estimate]")
    cards = page.locator("[data-testid=estimates] .quote")
    expect(cards).to_have_count(4)
    recommended = page.locator(
        "[data-testid=estimates] .quote", has=page.locator(".badge", has_text="Recommended")
    )
    expect(recommended).to_have_count(1)
    assert "Recommended: cheapest." in recommended.inner_text()
    assert (
        "Expected delivery" in recommended.inner_text()
        and "an estimate, not a promise" in recommended.inner_text()
    )
    assert "¥" in recommended.locator(".price").inner_text()
    assert "Does not pick up in 广东省" in page.locator('[data-carrier="hk-bag"]').inner_text()
    screenshot("home-estimates")

    page.click("[data-testid=book-these]")
    page.wait_for_url(f"{url}/accounts/signup/**")
    page.fill("#id_login", "13812345600")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.check("#id_accept_agreement")
    page.click("button[type=submit]")
    page.wait_for_url(lambda u: "sender_province=" in u)
    assert User.objects.get().phone == "+8613812345600"
    expect(page.locator("#id_sender_district")).to_have_value("南山区")
    expect(page.locator("#id_recipient_district")).to_have_value("朝阳区")
    assert page.input_value("#id_sender_province") == "广东省"
    assert page.input_value("#id_recipient_city") == "北京市"
    assert page.input_value("#id_weight_kg") == "2.5"


def test_paste_an_address_and_book(live_server, seeded_site, page, screenshot):
    url = live_server.url
    User.objects.create_user("13812345601", PASSWORD)
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_login", "13812345601")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")

    page.fill(
        "#paste-sender",
        "收件人：欧阳娜娜\n电话：+86 138-0013-8000\n广东 深圳市 南山区 科苑路15号科兴科学园B栋",
    )
    page.click("[data-testid=smart-fill-sender]")
    expect(page.locator("#id_sender_district")).to_have_value("南山区")
    assert page.input_value("#id_sender_name") == "欧阳娜娜"
    assert page.input_value("#id_sender_phone") == "13800138000"
    assert page.input_value("#id_sender_address") == "科苑路15号科兴科学园B栋"
    expect(page.locator("#id_sender_name")).to_have_class("smart-filled")
    page.fill("#paste-recipient", "陈大文 0769-22334455 东莞市长安镇振安路100号")
    page.click("[data-testid=smart-fill-recipient]")
    expect(page.locator("#id_recipient_district")).to_have_value("东莞市")
    assert page.input_value("#id_recipient_phone") == "076922334455"
    # Still editable: a change clears the highlight.
    page.fill("#id_recipient_address", "长安镇振安路101号")
    expect(page.locator("#id_recipient_address")).not_to_have_class("smart-filled")

    page.select_option("#id_item_type", "clothing")
    page.fill("#id_description", "冬季外套")
    page.fill("#id_weight_kg", "1.5")
    windows = page.locator("#id_pickup_window option").evaluate_all(
        "els => els.map(e => e.value).filter(Boolean)"
    )
    last_day = windows[-1][:10]
    page.select_option("#id_pickup_window", next(w for w in windows if w.startswith(f"{last_day}T10:00")))
    screenshot("booking-smart-fill")
    page.click("[data-testid=to-quotes]")
    page.wait_for_url(f"{url}/book/quote/")
    assert page.locator("[data-testid=eta]").count() >= 1
    page.check("#id_accept_terms")
    with page.expect_navigation():
        page.click("[data-testid=confirm]")
    from orders.models import Order

    order = Order.objects.get()
    assert (order.sender_name, order.sender_district, order.recipient_phone) == (
        "欧阳娜娜",
        "南山区",
        "+86-769-22334455",
    )


def test_the_phone_header_is_one_line_with_every_tab_reachable(live_server, seeded_site, page):
    User.objects.create_user("13812345602", PASSWORD)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", "13812345602")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.set_viewport_size({"width": 375, "height": 812})
    header = page.locator("header.topbar").bounding_box()
    assert header["height"] < 64, header  # one line (three lines were ~120 px)
    links = page.locator("header .nav a")
    assert links.count() >= 4
    for i in range(links.count()):
        link = links.nth(i)
        link.scroll_into_view_if_needed()
        box = link.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375 + 1, (link.inner_text(), box)
