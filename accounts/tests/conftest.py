from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Agreement


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashers take ~0.25 s per password on purpose; these tests hash hundreds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def agreement_v1(db):
    """The agreement the data migration publishes, back-dated a month.

    The migration makes it effective when the test database is created, moments ago; back-dating
    lets a test publish a newer version "a minute ago" without racing that moment.
    """
    agreement = Agreement.objects.get(kind="terms", version="v1")
    agreement.published_at = agreement.effective_at = timezone.now() - timedelta(days=30)
    agreement.save(update_fields=["published_at", "effective_at"])
    return agreement


@pytest.fixture
def make_agreement(agreement_v1):
    def make(version: str, *, effective_in: timedelta, published: bool = True, title: str = "用户服务协议"):
        now = timezone.now()
        return Agreement.objects.create(
            version=version,
            title=title,
            body=f"上门快递用户服务协议 {version}\n\n一、定义\n\n1.1. 正文。",
            published_at=now if published else None,
            effective_at=now + effective_in,
        )

    return make
