import pytest
from django.urls import reverse

from notifications.models import ChannelCode, Delivery, DeliveryStatus, Kind
from notifications.services import notify
from orders.tests.factories import OrderFactory


@pytest.fixture
def admin_client(client, moderator):
    client.force_login(moderator)
    return client


def test_notification_admin_lists_filters_and_searches(admin_client, customer):
    order = OrderFactory(user=customer)
    notice = notify(user=customer, kind=Kind.SIGNED, order=order)

    for query in ["", "?kind__exact=signed", "?read=no", "?read=yes", f"?q={order.number}"]:
        response = admin_client.get(f"/admin/notifications/notification/{query}")
        assert response.status_code == 200, query
    assert notice.title in admin_client.get("/admin/notifications/notification/?read=no").content.decode()
    assert (
        notice.title not in admin_client.get("/admin/notifications/notification/?read=yes").content.decode()
    )

    detail = admin_client.get(f"/admin/notifications/notification/{notice.pk}/change/")
    assert detail.status_code == 200
    assert "in_app" in detail.content.decode() or "站内" in detail.content.decode()


def test_failed_deliveries_can_be_retried_from_the_admin(
    admin_client, emailed_customer, mailoutbox, django_capture_on_commit_callbacks
):
    notice = notify(user=emailed_customer, kind=Kind.SIGNED, order=OrderFactory(user=emailed_customer))
    delivery = Delivery.objects.of(notice).get(channel=ChannelCode.EMAIL)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED, attempts=5, last_error="boom"
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/notifications/delivery/",
            {"action": "retry", "_selected_action": [delivery.pk]},
        )

    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.SENT, 6, "")
    assert len(mailoutbox) == 1


def test_deliveries_are_listed_with_a_link_to_their_notice(admin_client, emailed_customer):
    notice = notify(user=emailed_customer, kind=Kind.SIGNED, order=OrderFactory(user=emailed_customer))

    response = admin_client.get("/admin/notifications/delivery/", {"channel__exact": "email"})

    assert response.status_code == 200
    assert [d.subject for d in response.context["cl"].result_list] == [f"notification:{notice.pk}"]
    link = reverse("admin:notifications_notification_change", args=[notice.pk])
    assert f'href="{link}"' in response.content.decode()


def test_deliveries_are_found_by_the_users_phone_or_email_and_filtered_by_status_and_user(
    admin_client, emailed_customer, customer, django_assert_max_num_queries
):
    mine = notify(user=emailed_customer, kind=Kind.SIGNED, order=OrderFactory(user=emailed_customer))
    theirs = notify(user=customer, kind=Kind.SIGNED, order=OrderFactory(user=customer))
    Delivery.objects.of(mine).filter(channel=ChannelCode.EMAIL).update(status=DeliveryStatus.FAILED)

    def listed(params) -> list[tuple[str, str]]:
        with django_assert_max_num_queries(12):  # constant: no query per row
            response = admin_client.get("/admin/notifications/delivery/", params)
        assert response.status_code == 200
        return sorted((d.subject, d.channel) for d in response.context["cl"].result_list)

    mine_subject, theirs_subject = f"notification:{mine.pk}", f"notification:{theirs.pk}"
    assert listed({"q": "wang@example.com"}) == [(mine_subject, "email"), (mine_subject, "in_app")]
    assert listed({"q": "13600136000"}) == [(mine_subject, "email"), (mine_subject, "in_app")]
    assert listed({"q": "+8613800138000"}) == [(theirs_subject, "in_app")]
    assert listed({"recipient": str(customer.pk)}) == [(theirs_subject, "in_app")]
    assert listed({"status__exact": "failed"}) == [(mine_subject, "email")]
    assert listed({"status__exact": "sent", "channel__exact": "in_app"}) == [
        (mine_subject, "in_app"),
        (theirs_subject, "in_app"),
    ]
    assert listed({"q": "nobody@example.com"}) == []
