"""Reviews in the browser: a user reviews a signed order with two photos; a moderator approves a held
review in the admin; the review appears on the carrier page."""

import importlib
import io

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from PIL import Image

from accounts.models import User
from reviews.models import Review, ReviewStatus
from reviews.tests.factories import signed_order

PASSWORD = "Parcel-Door-2026!"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def photo_file(tmp_path, name: str, color) -> str:
    path = tmp_path / name
    out = io.BytesIO()
    Image.new("RGB", (800, 600), color).save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return str(path)


def log_in(page, url: str, phone: str) -> User:
    user = User.objects.create_user(phone, PASSWORD)
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_login", phone)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")
    return user


def write_review(page, url: str, order, *, text: str, photos=()) -> None:
    page.goto(f"{url}/orders/{order.number}/")
    page.click("[data-testid=review]")
    page.wait_for_url(f"{url}/reviews/new/{order.number}/")
    page.check("input[name=carrier_rating][value='5']")
    page.check("input[name=platform_rating][value='4']")
    page.fill("textarea[name=text]", text)
    if photos:
        page.set_input_files("input[name=photos]", list(photos))
    page.click("[data-testid=submit-review]")
    page.wait_for_url(f"{url}/reviews/")


def test_review_with_photos_then_moderation_then_the_carrier_page(
    live_server, seeded_site, page, browser, tmp_path, screenshot
):
    url = live_server.url
    carrier = seeded_site["swift-express"]
    user = log_in(page, url, "13812349001")
    first = signed_order(user=user, carrier=carrier)
    held = signed_order(user=user, carrier=carrier)

    # 1. A published review with two photos.
    write_review(
        page,
        url,
        first,
        text="师傅准时上门，包装很仔细",
        photos=[photo_file(tmp_path, "a.jpg", (200, 40, 40)), photo_file(tmp_path, "b.jpg", (40, 200, 40))],
    )
    review = Review.objects.get(order=first)
    assert review.status == ReviewStatus.PUBLISHED
    assert review.photos.count() == 2
    card = page.locator(f"[data-review='{review.pk}']")
    assert card.locator("[data-testid=review-status]").inner_text() == "Published"
    assert card.locator(".review-photos img").count() == 2
    screenshot("reviews-mine")

    # 2. A review the screen holds: pending, with the reason in plain words.
    write_review(page, url, held, text="很满意，有需要加我微信 parcel_fan88")
    pending = Review.objects.get(order=held)
    assert pending.status == ReviewStatus.PENDING
    why = page.locator(f"[data-review='{pending.pk}'] [data-testid=review-why]").inner_text()
    assert why == "Waiting for a moderator: the text contains a WeChat ID."

    # 3. A moderator approves it in the admin, giving a reason.
    importlib.import_module("reviews.migrations.0002_moderators_and_banned_terms").create_group(apps, None)
    moderator = User.objects.create_user("13812349002", PASSWORD)
    moderator.is_staff = True
    moderator.save(update_fields=["is_staff"])
    moderator.groups.add(Group.objects.get(name="moderators"))
    desk = browser.new_context(locale="en-US").new_page()
    desk.goto(f"{url}/admin/login/?next=/admin/reviews/queuedreview/")
    desk.fill("#id_username", "13812349002")
    desk.fill("#id_password", PASSWORD)
    desk.click("input[type=submit]")
    desk.wait_for_url(f"{url}/admin/reviews/queuedreview/")
    desk.check(f"input[name=_selected_action][value='{pending.pk}']")
    desk.select_option("select[name=action]", "approve_reviews")
    desk.click("button[name=index]")
    desk.fill("textarea[name=reason]", "微信号为用户自己的，不涉及广告")
    desk.click("[data-testid=confirm-action]")
    desk.wait_for_url(f"{url}/admin/reviews/queuedreview/")
    assert "1 review published." in desk.locator(".messagelist").inner_text()
    desk.context.close()
    pending.refresh_from_db()
    assert pending.status == ReviewStatus.PUBLISHED

    # 4. Both reviews are on the carrier page, newest first, with the photos.
    page.goto(f"{url}/carriers/{carrier.code}/")
    reviews = page.locator("article.review")
    assert reviews.count() == 2
    assert "parcel_fan88" in reviews.nth(0).inner_text()
    assert "师傅准时上门" in reviews.nth(1).inner_text()
    assert reviews.nth(1).locator(".review-photos img").count() == 2
    assert page.locator("[data-testid=rating]").inner_text() == "5.0"
    screenshot("carrier-page")
