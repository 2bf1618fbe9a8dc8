import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in their English source form; tests of the translations override."""
    with translation.override("en"):
        yield
