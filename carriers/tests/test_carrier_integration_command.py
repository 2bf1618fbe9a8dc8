"""``manage.py carrier_integration`` (DESIGN §7.5): JSON out, secrets masked, clear errors."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def run(*args) -> dict:
    out = StringIO()
    call_command("carrier_integration", *args, stdout=out)
    return json.loads(out.getvalue())


def test_it_sets_kuaidi100_and_prints_the_configuration_with_secrets_masked(carrier, settings):
    settings.PLATFORM_URL = "https://platform.example.com"
    carrier.requires_pickup_code = True
    carrier.save(update_fields=["requires_pickup_code"])

    printed = run(
        carrier.code,
        "--integration",
        "kuaidi100",
        "--set",
        "key=K-1",
        "--set",
        "secret=S-1",
        "--set",
        "salt=SALT-1",
        "--set",
        "kuaidicom=shunfeng",
        "--set",
        "base_url=https://order.kuaidi100.com",
    )

    assert printed == {
        "carrier": carrier.code,
        "integration": "kuaidi100",
        "settings": {
            "key": "********",
            "secret": "********",
            "salt": "********",
            "kuaidicom": "shunfeng",
            "base_url": "https://order.kuaidi100.com",
        },
        "requires_pickup_code": False,
        "callback_url": f"https://platform.example.com/api/v1/carriers/{carrier.code}/events/",
    }
    carrier.refresh_from_db()
    assert (carrier.integration, carrier.integration_settings["secret"], carrier.requires_pickup_code) == (
        "kuaidi100",
        "S-1",
        False,
    )
    # Setting one value later keeps the others.
    assert run(carrier.code, "--integration", "kuaidi100", "--set", "kuaidicom=zhongtong")["settings"][
        "kuaidicom"
    ] == ("zhongtong")
    carrier.refresh_from_db()
    assert carrier.integration_settings["secret"] == "S-1"


def test_sf_settings_print_with_the_check_word_masked(carrier):
    printed = run(carrier.code, "--integration", "sf", "--set", "partner_id=P1", "--set", "check_word=CW")

    assert printed["settings"] == {
        "partner_id": "P1",
        "check_word": "********",
        "base_url": "",
        "monthly_card": "",
        "express_type_id": "",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--integration", "pigeon"], "No integration named 'pigeon'"),
        (["--integration", "sf", "--set", "salt=x"], "sf has no setting salt"),
        (["--integration", "sf", "--set", "no-equals"], "--set takes KEY=VALUE"),
    ],
)
def test_an_unknown_integration_or_setting_is_a_clear_error_and_changes_nothing(carrier, args, message):
    before = (carrier.integration, carrier.integration_settings)

    with pytest.raises(CommandError, match=message):
        call_command("carrier_integration", carrier.code, *args, stdout=StringIO())

    carrier.refresh_from_db()
    assert (carrier.integration, carrier.integration_settings) == before


def test_an_unknown_carrier_is_an_error(db):
    with pytest.raises(CommandError, match="No carrier with code 'nope'"):
        call_command("carrier_integration", "nope", "--integration", "sf", stdout=StringIO())
