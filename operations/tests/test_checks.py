"""`check --deploy` refuses a PLATFORM_URL that carriers could not reach."""

import pytest
from django.core.checks import run_checks


def _platform_url_errors():
    return [m.id for m in run_checks(include_deployment_checks=True) if m.id == "operations.E001"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000",
        "https://localhost",
        "https://127.0.0.1",
        "https://10.0.0.5",
        "https://[::1]:8443",
        "http://courier.example.com",
        "courier.example.com",
    ],
)
def test_a_loopback_private_or_plain_http_platform_url_fails_the_deploy_check(settings, url):
    settings.PLATFORM_URL = url

    assert _platform_url_errors() == ["operations.E001"]


def test_a_public_https_platform_url_passes(settings):
    settings.PLATFORM_URL = "https://courier.example.com"

    assert _platform_url_errors() == []


def test_the_check_is_for_deployment_only(settings):
    settings.PLATFORM_URL = "http://127.0.0.1:8000"

    assert [m.id for m in run_checks() if m.id == "operations.E001"] == []
