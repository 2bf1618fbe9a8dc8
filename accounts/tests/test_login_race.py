"""Parallel wrong passwords on PostgreSQL: the lockout bounds how many are ever checked."""

import threading

import pytest
from django.db import connection

from accounts.models import LoginGuard, User
from accounts.services import InvalidCredentials, login_attempt, login_digest
from orders.tests.concurrency import race
from tests.factories import PASSWORD

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are only meaningful on PostgreSQL")


@pytest.fixture
def counted_checks(monkeypatch):
    """How many times a password was checked against an account."""
    calls = []
    lock = threading.Lock()
    original = User.check_password

    def check_password(self, raw_password):
        with lock:
            calls.append(raw_password)
        return original(self, raw_password)

    monkeypatch.setattr(User, "check_password", check_password)
    return calls


def test_twenty_parallel_wrong_passwords_get_exactly_five_checks(customer, counted_checks):
    results = race(
        *[lambda n=n: login_attempt(login="13800138000", password=f"guess-{n}") for n in range(20)]
    )

    assert all(isinstance(result, InvalidCredentials) for result in results)
    assert len(counted_checks) == 5
    guard = LoginGuard.objects.get(login_digest=login_digest("13800138000"), ip="")
    assert guard.failures == 5
    assert guard.locked_until is not None
    # The owner's right password is refused too while the lock lasts (from this client).
    with pytest.raises(InvalidCredentials):
        login_attempt(login="13800138000", password=PASSWORD)
    assert len(counted_checks) == 5


def test_parallel_guesses_at_an_unknown_login_are_counted_the_same(db, counted_checks):
    results = race(
        *[lambda n=n: login_attempt(login="13900139999", password=f"guess-{n}") for n in range(12)]
    )

    assert all(isinstance(result, InvalidCredentials) for result in results)
    guard = LoginGuard.objects.get(login_digest=login_digest("13900139999"), ip="")
    assert guard.failures == 5
    assert counted_checks == []
