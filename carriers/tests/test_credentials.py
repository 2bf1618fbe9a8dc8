"""Webhook secrets: rotation keeps exactly the two newest valid; the command's JSON contract."""

import base64
import io
import json
import logging

import pytest
from django.core.management import CommandError, call_command

from carriers.models import CarrierCredential
from carriers.services import carrier_active_secrets, carrier_credentials_rotate

pytestmark = pytest.mark.django_db


def test_rotate_issues_a_standard_webhooks_secret(carrier):
    secret = carrier_credentials_rotate(carrier=carrier)

    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32
    assert carrier_active_secrets(carrier) == [secret]
    assert CarrierCredential.objects.filter(carrier=carrier).count() == 1


def test_secrets_are_unique(carrier):
    assert len({carrier_credentials_rotate(carrier=carrier) for _ in range(5)}) == 5


def test_rotation_keeps_the_previous_secret_and_revokes_the_one_before(carrier):
    first = carrier_credentials_rotate(carrier=carrier)
    second = carrier_credentials_rotate(carrier=carrier)
    assert carrier_active_secrets(carrier) == [second, first]
    assert not CarrierCredential.objects.filter(revoked_at__isnull=False).exists()

    third = carrier_credentials_rotate(carrier=carrier)

    assert carrier_active_secrets(carrier) == [third, second]
    revoked = CarrierCredential.objects.get(revoked_at__isnull=False)
    assert revoked.secret == first
    assert CarrierCredential.objects.filter(carrier=carrier).count() == 3


def test_rotation_is_per_carrier(carrier, other_carrier):
    mine = carrier_credentials_rotate(carrier=carrier)
    theirs = [carrier_credentials_rotate(carrier=other_carrier) for _ in range(3)]

    assert carrier_active_secrets(carrier) == [mine]
    assert carrier_active_secrets(other_carrier) == [theirs[2], theirs[1]]


def test_rotation_never_logs_the_secret(carrier, caplog):
    with caplog.at_level(logging.DEBUG):
        secret = carrier_credentials_rotate(carrier=carrier)
    assert "swift-express" in caplog.text
    assert secret not in caplog.text
    assert secret.removeprefix("whsec_") not in caplog.text


def test_str_masks_the_secret(carrier):
    secret = carrier_credentials_rotate(carrier=carrier)
    credential = CarrierCredential.objects.get()

    assert str(credential) == f"swift-express whsec_…{secret[-4:]}"
    assert secret.removeprefix("whsec_") not in str(credential)


def _run(*args) -> str:
    out = io.StringIO()
    call_command("carrier_credentials", *args, stdout=out)
    return out.getvalue()


def test_command_rotate_prints_exactly_one_json_line(carrier):
    output = _run("swift-express", "--rotate")

    lines = output.splitlines()
    assert len(lines) == 1
    assert output == lines[0] + "\n"
    parsed = json.loads(lines[0])
    assert list(parsed) == ["carrier", "webhook_secret"]
    assert parsed["carrier"] == "swift-express"
    assert carrier_active_secrets(carrier) == [parsed["webhook_secret"]]


def test_command_rotate_keeps_the_previous_secret(carrier):
    first = json.loads(_run("swift-express", "--rotate"))["webhook_secret"]
    second = json.loads(_run("swift-express", "--rotate"))["webhook_secret"]

    assert carrier_active_secrets(carrier) == [second, first]


def test_command_without_rotate_counts_but_never_prints_secrets(carrier):
    assert _run("swift-express") == "swift-express: 0 valid webhook secrets\n"
    first = carrier_credentials_rotate(carrier=carrier)
    assert _run("swift-express") == "swift-express: 1 valid webhook secret\n"
    second = carrier_credentials_rotate(carrier=carrier)
    carrier_credentials_rotate(carrier=carrier)

    output = _run("swift-express")

    assert output == "swift-express: 2 valid webhook secrets\n"
    assert first not in output and second not in output and "whsec_" not in output


def test_command_unknown_carrier_is_an_error_and_changes_nothing(demo_carriers):
    with pytest.raises(CommandError, match=r"No carrier with code 'no-such-carrier'"):
        _run("no-such-carrier", "--rotate")
    assert not CarrierCredential.objects.exists()


def test_labels_are_translated():
    from django.utils import translation

    with translation.override("zh-hans"):
        assert str(CarrierCredential._meta.verbose_name) == "物流公司回调签名密钥"
