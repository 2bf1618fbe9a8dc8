"""The pages and the API docs work under the strict Content-Security-Policy (the ``page`` fixture
fails a test on any violation the browser reports)."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_under_the_policy(live_server, page):
    page.goto(f"{live_server.url}/api/docs/")

    page.locator(".opblock-summary-path", has_text="/api/v1/orders/").first.wait_for()
    assert page.locator(".opblock").count() > 10
    assert page.locator(".swagger-ui .info .title").inner_text().startswith("Courier booking platform API")


def test_the_language_switch_works_from_a_static_script(live_server, seeded_site, page):
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "en"

    page.select_option("#lang-select", "zh-hans")

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert page.locator("button[type=submit]").last.inner_text() == "登录"


def test_an_inline_script_would_be_blocked_and_reported(live_server, seeded_site, browser):
    """The guard itself: the policy really blocks inline code, and the browser says so."""
    context = browser.new_context()
    page = context.new_page()
    reported: list[str] = []
    page.on("console", lambda message: reported.append(message.text))
    page.goto(f"{live_server.url}/accounts/login/")

    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';"
        " document.body.appendChild(s); }"
    )

    assert page.evaluate("window.__ran") is None
    assert any("Content Security Policy" in text for text in reported)
    context.close()
