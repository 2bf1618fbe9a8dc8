"""Feedback (DESIGN §6): from a page and the API; answered in the admin, the reply reaches the user."""

from django.test import Client

from accounts.models import Feedback, FeedbackStatus
from notifications.models import Kind, Notification
from orders.tests.factories import OrderFactory


def test_feedback_over_the_api_about_my_order(customer_client, customer):
    order = OrderFactory(user=customer)
    response = customer_client.post(
        "/api/v1/feedback/",
        {"category": "complaint", "text": "快递员迟到了两个小时", "order": order.number},
        format="json",
    )
    assert response.status_code == 201
    feedback = Feedback.objects.get()
    assert response.json() == {"id": feedback.pk, "status": "open"}
    assert (feedback.user, feedback.category, feedback.order) == (customer, "complaint", order)


def test_feedback_refuses_someone_elses_order_and_bad_input(customer_client, other_customer):
    theirs = OrderFactory(user=other_customer)
    response = customer_client.post(
        "/api/v1/feedback/", {"category": "complaint", "text": "x", "order": theirs.number}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"order": ["这不是您的订单。"]}
    blank = customer_client.post("/api/v1/feedback/", {"category": "praise", "text": " "}, format="json")
    assert blank.status_code == 400
    assert set(blank.json()) == {"category", "text"}
    assert Feedback.objects.count() == 0


def test_feedback_needs_login(api_client, db):
    assert (
        api_client.post("/api/v1/feedback/", {"category": "question", "text": "?"}, format="json").status_code
        == 401
    )


def test_feedback_page(customer):
    browser = Client()
    browser.force_login(customer)
    assert browser.get("/accounts/feedback/").status_code == 200
    response = browser.post(
        "/accounts/feedback/", {"category": "suggestion", "text": "希望支持顺丰", "order": ""}
    )
    assert response.status_code == 302
    assert Feedback.objects.get().text == "希望支持顺丰"


def test_admin_works_it_and_the_reply_reaches_the_user(client, moderator, customer):
    customer.language = "en"
    customer.save(update_fields=["language"])
    feedback = Feedback.objects.create(user=customer, category="question", text="怎么保价？")
    client.force_login(moderator)
    url = f"/admin/accounts/feedback/{feedback.pk}/change/"
    assert client.get(url).status_code == 200
    client.post(url, {"status": "in_progress", "assignee": moderator.pk, "reply": ""})
    feedback.refresh_from_db()
    assert (feedback.status, feedback.assignee) == (FeedbackStatus.IN_PROGRESS, moderator)
    assert not Notification.objects.filter(user=customer).exists()

    response = client.post(
        url, {"status": "in_progress", "assignee": moderator.pk, "reply": "下单时勾选保价即可。"}
    )
    assert response.status_code == 302
    feedback.refresh_from_db()
    assert feedback.status == FeedbackStatus.ANSWERED
    assert feedback.replied_at is not None
    notice = Notification.objects.get(user=customer, kind=Kind.FEEDBACK_ANSWERED)
    assert notice.title == "We answered your feedback"
    assert "下单时勾选保价即可。" in notice.body
