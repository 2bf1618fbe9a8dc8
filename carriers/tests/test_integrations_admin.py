"""Choosing a carrier's integration and its credentials in the admin (DESIGN §7.4, §7.5)."""

import json

import pytest
from django.forms.models import model_to_dict

from carriers.admin import SECRET_MASK, CarrierAdminForm
from carriers.integrations import INTEGRATIONS, Integration, integration_register

pytestmark = pytest.mark.django_db


class KeyAndSecret(Integration):
    name = "test_key_and_secret"
    label = "Key and secret (test)"
    settings_fields = ("key", "secret", "base_url")
    secret_fields = frozenset({"secret"})


@pytest.fixture
def registered():
    integration_register(KeyAndSecret())
    yield
    INTEGRATIONS.pop(KeyAndSecret.name, None)


def form_data(carrier, **changes) -> dict:
    data = {k: v for k, v in model_to_dict(carrier).items() if k in CarrierAdminForm.Meta.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data.update(changes)
    return data


def test_the_integration_is_chosen_among_the_registered_ones(carrier, registered):
    choices = dict(CarrierAdminForm(instance=carrier).fields["integration"].choices)
    assert {"standard_webhooks", "manual", "test_key_and_secret"} <= set(choices)
    assert choices["test_key_and_secret"] == "Key and secret (test)"


def test_settings_are_saved_and_a_stored_secret_is_never_shown(carrier, registered):
    settings = {"key": "K-1", "secret": "s3cr3t", "base_url": "https://carrier.example/api"}
    form = CarrierAdminForm(
        form_data(carrier, integration="test_key_and_secret", integration_settings=json.dumps(settings)),
        instance=carrier,
    )
    assert form.is_valid(), form.errors
    form.save()
    carrier.refresh_from_db()
    assert (carrier.integration, carrier.integration_settings) == ("test_key_and_secret", settings)

    shown = CarrierAdminForm(instance=carrier)
    assert shown.initial["integration_settings"] == {**settings, "secret": SECRET_MASK}
    assert "s3cr3t" not in str(shown["integration_settings"])

    # Saved again as shown (the mask left in place): the stored secret is kept.
    again = CarrierAdminForm(
        form_data(
            carrier, integration_settings=json.dumps({**settings, "key": "K-2", "secret": SECRET_MASK})
        ),
        instance=carrier,
    )
    assert again.is_valid(), again.errors
    again.save()
    carrier.refresh_from_db()
    assert carrier.integration_settings == {**settings, "key": "K-2"}


def test_a_setting_the_integration_does_not_have_is_refused(carrier, registered):
    form = CarrierAdminForm(
        form_data(carrier, integration="test_key_and_secret", integration_settings=json.dumps({"salt": "x"})),
        instance=carrier,
    )
    assert not form.is_valid()
    assert list(form.errors) == ["integration_settings"]
    carrier.refresh_from_db()
    assert (carrier.integration, carrier.integration_settings) == ("manual", {})


def test_an_integration_that_is_not_registered_is_refused(carrier):
    form = CarrierAdminForm(form_data(carrier, integration="pigeon"), instance=carrier)
    assert not form.is_valid()
    assert "integration" in form.errors
