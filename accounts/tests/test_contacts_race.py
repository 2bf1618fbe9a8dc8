"""Two accounts confirming the same new e-mail address at the same moment, on PostgreSQL."""

import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.models import User
from accounts.services import contact_change_confirm, profile_update
from orders.tests.concurrency import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgres(settings):
    if connection.vendor != "postgresql":
        pytest.skip("the unique index decides the race only on a real database")
    settings.CELERY_TASK_ALWAYS_EAGER = True


def test_one_of_two_parallel_confirmations_of_one_address_wins(customer, other_customer):
    codes = {}
    for user in (customer, other_customer):
        profile_update(user=user, data={"email": "same@example.com"})  # autocommit: the code is sent
        codes[user.pk] = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)

    results = race(
        *[
            lambda user=user: contact_change_confirm(user=user, field="email", code=codes[user.pk])
            for user in (customer, other_customer)
        ]
    )

    winners = [r for r in results if isinstance(r, User)]
    losers = [r for r in results if isinstance(r, ValidationError)]
    assert len(winners) == 1 and len(losers) == 1
    assert losers[0].message_dict == {"email": ["该电子邮箱地址已注册账号。"]}
    assert list(User.objects.filter(email="same@example.com").values_list("pk", flat=True)) == [winners[0].pk]
