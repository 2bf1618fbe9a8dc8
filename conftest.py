"""Shared fixtures: the named people and carriers of STYLE.md."""

import os
import shutil

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.service_fee import service_fee_forget
from carriers.services.configuration import configuration_forget
from carriers.services.signing_cache import carrier_signing_forget
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LANGUAGE_CODE = "zh-hans"
    # Real hashers are slow on purpose; the suite hashes hundreds of passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A test's rows live in its own transaction, which the expiry's other threads cannot see:
    # tests run one worker unless they say otherwise (orders/tests/test_expiry_batches.py).
    settings.EXPIRY_WORKERS = 1
    # Row ids are reused from test to test: no carrier cached by an earlier test may answer.
    carrier_signing_forget()
    service_fee_forget()  # nor a service fee cached by an earlier test
    configuration_forget()  # nor a carrier configuration snapshot or statistics
    # Rate-limit counters (accounts.throttles) must not leak from one test into the next.
    cache.clear()


@pytest.fixture
def customer(db):
    return UserFactory(phone="+8613800138000", display_name="张三")


@pytest.fixture
def other_customer(db):
    return UserFactory(phone="+8613900139000", display_name="李四")


@pytest.fixture
def moderator(db):
    return UserFactory(phone="+8613700137000", display_name="审核员", is_staff=True, is_superuser=True)


@pytest.fixture
def demo_carriers(db):
    from carriers.demo import seed_demo_carriers

    return seed_demo_carriers()


@pytest.fixture
def carrier(demo_carriers):
    return demo_carriers["swift-express"]


@pytest.fixture
def other_carrier(demo_carriers):
    return demo_carriers["econ-post"]


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def customer_client(customer):
    client = APIClient()
    client.force_authenticate(customer)
    return client


def chromium_path() -> str | None:
    return shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
