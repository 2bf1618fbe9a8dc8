"""``seed_demo`` leaves the moderation desk something to show: a moderator and a few reviews."""

from io import StringIO

from django.core.management import call_command
from django.test import Client

from accounts.models import User
from reviews.models import CarrierReply, Review, ReviewStatus


def test_seed_demo_creates_the_moderator_and_the_demo_reviews_once(db):
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())

    moderator = User.objects.get(username="moderator@example.com")
    assert (moderator.is_staff, moderator.is_superuser) == (True, False)
    assert list(moderator.groups.values_list("name", flat=True)) == ["moderators"]
    reviews = {r.order.description: r for r in Review.objects.select_related("order", "user")}
    assert sorted(reviews) == ["冬季外套", "图书两本"]
    published, pending = reviews["冬季外套"], reviews["图书两本"]
    assert published.status == ReviewStatus.PUBLISHED
    assert published.user.phone == "+8613800138000"
    assert CarrierReply.objects.get(review=published).text == "感谢您的认可，我们会继续努力！"
    assert pending.status == ReviewStatus.PENDING
    assert [r["code"] for r in pending.screening_reasons] == ["phone"]

    desk = Client()
    assert desk.login(username="moderator@example.com", password="moderator-demo-2026")
    queue = desk.get("/admin/reviews/queuedreview/")
    assert queue.status_code == 200
    assert [r.pk for r in queue.context["cl"].result_list] == [pending.pk]
    assert desk.get("/admin/carriers/carrier/").status_code == 403

    page = Client().get("/carriers/swift-express/").content.decode()
    assert "快递员提前十分钟到" in page and "感谢您的认可" in page
    # The third demo order waits for its review.
    demo = Client()
    demo.force_login(published.user)
    assert "/reviews/new/CP000000DEMO000003/" in demo.get("/orders/CP000000DEMO000003/").content.decode()
