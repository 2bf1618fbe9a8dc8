"""Headless Chromium (Debian's, not Playwright's download) driving the pages on the live server.

A browser test skips only on a machine without /usr/bin/chromium and outside CI; in CI (``CI`` set)
a missing browser is a failure, never a silent skip.
"""

import importlib
import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run inside
# one unless told that this is deliberate (the test's own ORM calls are synchronous).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# CI keeps var/screenshots/ as artefacts: the key pages at a 375 px phone and a 1280 px desktop.
SCREENSHOT_DIR = Path(
    os.environ.get("SCREENSHOT_DIR", Path(__file__).resolve().parents[2] / "var" / "screenshots")
)
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: CI must run the browser tests (.ci/run installs it).")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh desktop-sized page reading the site in English (the msgids: stable under translation)."""
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    violations: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Chromium reports every Content-Security-Policy violation on the console: any one fails the test.
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"
    assert not violations, f"Content-Security-Policy violations: {violations}"


@pytest.fixture
def screenshot(page):
    """screenshot(name): the current page, full length, at phone and desktop width, into
    ``SCREENSHOT_DIR`` (var/screenshots/ unless set)."""

    def take(name: str) -> list[Path]:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        paths = []
        for label, size in (("375", PHONE), ("1280", DESKTOP)):
            page.set_viewport_size(size)
            path = SCREENSHOT_DIR / f"{name}-{label}.png"
            page.screenshot(path=str(path), full_page=True)
            paths.append(path)
        page.set_viewport_size(DESKTOP)
        return paths

    return take


@pytest.fixture
def seeded_site(transactional_db):
    """What the data migrations and ``seed_demo`` put in a real database: the live server needs
    committed rows, and every transactional test (this one or an earlier one) ends by flushing
    them. Seeded through the projects' own loaders, so the browser sees the real data.
    """
    from django.apps import apps

    from accounts.selectors import agreement_current
    from carriers.demo import seed_demo_carriers
    from prohibited.catalogue import catalogue_sync
    from prohibited.models import CatalogueVersion, Section, Term

    if agreement_current() is None:
        importlib.import_module("accounts.migrations.0003_agreement_v1").publish_v1(apps, None)
    if not Section.objects.exists():
        catalogue_sync(section_model=Section, term_model=Term, version_model=CatalogueVersion)
    return seed_demo_carriers()
