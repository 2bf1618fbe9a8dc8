"""The audit trail of carrier events and the violations they record, in the service and the admin."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Violation, ViolationKind
from accounts.services.violations import violation_record
from carriers.services import carrier_credentials_rotate
from orders.models import Status
from orders.tests.carrier_events_support import COURIER, NOW, Sender, body, minutes_ago, order_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, moderator):
    client.force_login(moderator)
    return client


def test_violation_record(customer, carrier):
    order = order_at(carrier, customer)

    violation = violation_record(
        user=customer, kind=ViolationKind.FRAUD, note="伪造保价", order=order, carrier=carrier
    )

    assert (violation.user, violation.kind, violation.note, violation.order, violation.carrier) == (
        customer,
        "fraud",
        "伪造保价",
        order,
        carrier,
    )
    assert violation.recorded_by is None


def test_violation_kinds_are_the_agreements():
    assert set(ViolationKind.values) == {
        "attack_spam",
        "malicious_review",
        "fraud",
        "abusing_staff",
        "frequent_cancellation",
        "false_information",
        "other",
        "subsidy_abuse",
    }


def test_violation_record_refuses_an_unknown_kind_and_someone_elses_order(customer, other_customer, carrier):
    with pytest.raises(ValidationError):
        violation_record(user=customer, kind="jaywalking")
    with pytest.raises(ValueError, match="the user's"):
        violation_record(user=customer, kind="other", order=order_at(carrier, other_customer))
    assert not Violation.objects.exists()


def test_an_admin_records_a_violation_as_themselves(admin_client, moderator, customer):
    response = admin_client.post(
        reverse("admin:accounts_violation_add"),
        {"user": customer.pk, "kind": "abusing_staff", "note": "辱骂快递员", "order": ""},
    )

    assert response.status_code == 302
    [violation] = Violation.objects.all()
    assert (violation.user, violation.kind, violation.recorded_by) == (customer, "abusing_staff", moderator)
    page = admin_client.get(reverse("admin:accounts_violation_change", args=[violation.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()  # evidence: read-only once recorded


def test_the_admin_refuses_an_order_of_another_user(admin_client, customer, other_customer, carrier):
    order = order_at(carrier, other_customer)

    response = admin_client.post(
        reverse("admin:accounts_violation_add"),
        {"user": customer.pk, "kind": "other", "note": "", "order": order.pk},
    )

    assert response.status_code == 200
    assert not Violation.objects.exists()


def test_carrier_events_are_listed_read_only(admin_client, api_client, carrier, customer, time_machine):
    time_machine.move_to(NOW, tick=False)
    send = Sender(api_client, carrier.code, carrier_credentials_rotate(carrier=carrier))
    order = order_at(carrier, customer, Status.CANCELLED)
    send.post(body(order, "order.accepted", minutes_ago(10), {"courier": COURIER}))

    listing = admin_client.get(
        reverse("admin:carriers_carrierevent_changelist"), {"result__exact": "illegal"}
    )

    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list)[0].webhook_id == send.last_msg_id
    assert admin_client.get(reverse("admin:carriers_carrierevent_add")).status_code == 403
