import copy

import pytest

from orders.tests.factories import OrderFactory
from tests.factories import UserFactory

PROCESSOR = "notifications.context_processors.inbox"


@pytest.fixture(autouse=True)
def _inbox_wired(settings):
    """The context processor and URLs as the lead wires them into the project."""
    templates = copy.deepcopy(settings.TEMPLATES)
    processors = templates[0]["OPTIONS"]["context_processors"]
    if PROCESSOR not in processors:
        processors.append(PROCESSOR)
    settings.TEMPLATES = templates
    settings.ROOT_URLCONF = "notifications.tests.urls"


@pytest.fixture
def order(customer):
    return OrderFactory(user=customer)


@pytest.fixture
def other_order(other_customer):
    return OrderFactory(user=other_customer)


@pytest.fixture
def emailed_customer(db):
    return UserFactory(phone="+8613600136000", email="wang@example.com", display_name="王五")
