"""The order page follows the order without a reload; the error pages in the browser."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from orders.models import Actor, Status
from orders.services.lifecycle import order_event_record, order_transition
from orders.tests.factories import OrderFactory
from tests.browser.conftest import PHONE, SCREENSHOT_DIR

PASSWORD = "Parcel-Door-2026!"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, url: str, phone: str) -> User:
    user = User.objects.create_user(phone, PASSWORD)
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_login", phone)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")
    return user


def test_the_order_page_shows_a_carrier_update_without_a_reload(live_server, seeded_site, page, screenshot):
    user = log_in(page, live_server.url, "13812340001")
    carrier = seeded_site["swift-express"]
    order = OrderFactory(
        user=user,
        carrier=carrier,
        contract=carrier.contracts.first(),
        status=Status.PLACED,
        deadline=timezone.now() + timedelta(hours=8),
    )
    order_event_record(
        order=order, kind="order.dispatch_failed", actor=Actor.CARRIER, note="附近无空闲快递员"
    )

    page.goto(f"{live_server.url}/orders/{order.number}/")
    status = page.locator("[data-testid=status]")
    assert status.inner_text() == "Placed"
    notice = page.locator("[data-testid=dispatch-failed]")
    assert notice.is_visible()
    assert "附近无空闲快递员" in notice.inner_text()
    screenshot("order-dispatch-failed")
    page.evaluate("window.__samePage = true")  # gone after a reload: tells a reload happened
    page.set_viewport_size({"width": 375, "height": 500})
    page.evaluate("window.scrollTo(0, 300)")
    scrolled = page.evaluate("window.scrollY")

    order_transition(
        order=order,
        to=Status.ACCEPTED,
        actor=Actor.CARRIER,
        changes={
            "courier_name": "王师傅",
            "courier_phone": "+8613700001111",
            "courier_employee_id": "SW-0042",
        },
    )

    expect(page.locator("[data-testid=status]")).to_have_text("Accepted", timeout=15_000)
    assert page.evaluate("window.__samePage === true")  # updated in place, not reloaded
    assert page.evaluate("window.scrollY") == scrolled  # and the reader kept their place
    assert "王师傅" in page.locator("main").inner_text()
    assert "SW-0042" in page.locator("main").inner_text()
    assert page.locator("[data-testid=dispatch-failed]").count() == 0


def test_a_final_order_page_does_not_poll(live_server, seeded_site, page):
    user = log_in(page, live_server.url, "13812340002")
    carrier = seeded_site["swift-express"]
    order = OrderFactory(user=user, carrier=carrier, contract=carrier.contracts.first(), status=Status.SIGNED)
    calls = []
    page.on(
        "request", lambda request: calls.append(request.url) if "/api/v1/orders/" in request.url else None
    )

    page.goto(f"{live_server.url}/orders/{order.number}/")
    page.wait_for_timeout(6_000)

    assert calls == []


def test_the_404_page_in_chinese_on_a_phone(live_server, seeded_site, browser):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    try:
        page = context.new_page()
        log_in(page, live_server.url, "13812340003")
        response = page.goto(f"{live_server.url}/orders/CPT999999999/")
        assert response.status == 404
        assert page.locator("h1").inner_text() == "页面不存在"
        assert page.locator("#lang-select").is_visible()
        # Nothing sticks out sideways on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=str(SCREENSHOT_DIR / "404-390.png"), full_page=True)
    finally:
        context.close()
