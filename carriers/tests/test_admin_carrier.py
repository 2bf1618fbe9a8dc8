"""The carrier admin: lists edited with widgets, tariffs and transit times in their own lists."""

import pytest
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse

from carriers.admin import CarrierAdminForm
from carriers.models import TransitTime, ZoneRate

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(moderator):
    client = Client()
    client.force_login(moderator)
    return client


def form_data(carrier, **changes) -> dict:
    data = {k: v for k, v in model_to_dict(carrier).items() if k in CarrierAdminForm.Meta.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data.update(changes)
    return data


def test_service_area_modes_and_groups_are_choices_not_json(carrier):
    form = CarrierAdminForm(instance=carrier)
    html = str(form["transport_modes"])
    assert 'type="checkbox"' in html and 'value="air"' in html and 'value="ground"' in html
    groups = dict(form.fields["refusal_groups"].choices)
    assert sorted(groups) == list(range(1, 12))
    assert groups[3] == "3 食品类"
    provinces = dict(form.fields["origin_provinces"].choices)
    assert provinces["44"] == "广东省" and provinces["81"] == "香港特别行政区"
    assert "<textarea" not in str(form["origin_provinces"])


def test_saving_keeps_the_json_shapes(carrier):
    form = CarrierAdminForm(
        form_data(
            carrier,
            origin_provinces=["44", "11"],
            destination_provinces=[],
            transport_modes=["ground"],
            refusal_groups=["1", "3", "11"],
        ),
        instance=carrier,
    )
    assert form.is_valid(), form.errors
    form.save()
    carrier.refresh_from_db()
    assert carrier.origin_provinces == ["44", "11"]
    assert carrier.destination_provinces == []
    assert carrier.transport_modes == ["ground"]
    assert carrier.refusal_groups == [1, 3, 11]


def test_an_unknown_province_is_refused(carrier):
    form = CarrierAdminForm(form_data(carrier, origin_provinces=["99"]), instance=carrier)
    assert not form.is_valid()
    assert list(form.errors) == ["origin_provinces"]


def test_tariffs_and_transit_times_have_their_own_lists(admin_client, demo_carriers):
    tariffs = admin_client.get(
        reverse("admin:carriers_zonerate_changelist"), {"carrier__id__exact": demo_carriers["econ-post"].pk}
    )
    assert tariffs.status_code == 200
    assert (
        tariffs.context["cl"].result_count
        == ZoneRate.objects.filter(carrier=demo_carriers["econ-post"]).count()
        == 4
    )
    transit = admin_client.get(reverse("admin:carriers_transittime_changelist"), {"q": "swift"})
    assert (
        transit.context["cl"].result_count
        == TransitTime.objects.filter(carrier__code="swift-express").count()
        == 4
    )


def test_the_carrier_change_page_renders(admin_client, carrier):
    response = admin_client.get(reverse("admin:carriers_carrier_change", args=[carrier.pk]))
    assert response.status_code == 200
    assert 'name="transport_modes"' in response.content.decode()
