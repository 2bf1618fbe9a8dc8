"""Admin edits reach the matcher through the catalogue version (no restart needed)."""

import pytest
from django.urls import reverse

from prohibited.models import CatalogueVersion, Section, Term, catalogue_touch
from prohibited.selectors import catalogue_matcher
from prohibited.services import catalogue_changed

pytestmark = pytest.mark.django_db


def test_a_new_term_is_found_after_the_version_is_bumped(screen):
    assert screen("飞天扫帚").verdict == "allowed"
    section = Section.objects.get(kind="prohibited", number=19, carrier_code="")
    Term.objects.create(section=section, term="飞天扫帚", script="zh-hans")
    catalogue_changed()
    assert screen("飞天扫帚").categories == [19]


def test_the_matcher_is_reused_while_the_version_stands(django_assert_num_queries):
    first = catalogue_matcher()
    with django_assert_num_queries(1):
        assert catalogue_matcher() is first
    catalogue_touch()
    assert catalogue_matcher() is not first


def test_without_a_catalogue_row_the_data_files_are_used(screen):
    CatalogueVersion.objects.all().delete()
    assert screen("打火机").categories == [4]


def test_an_admin_edit_bumps_the_version_and_reaches_the_matcher(client, moderator, screen):
    client.force_login(moderator)
    before = CatalogueVersion.objects.get(pk=1).version
    term = Term.objects.get(term="打火机", section__number=4)
    response = client.post(
        reverse("admin:prohibited_term_change", args=[term.pk]),
        {
            "section": term.section_id,
            "term": "打火机",
            "script": "zh-hans",
            "clause": "",
            "exclusions": '["打火机模型"]',
            "note": "",
            "active": "on",
        },
    )
    assert response.status_code == 302
    assert CatalogueVersion.objects.get(pk=1).version == before + 1
    assert screen("打火机模型").verdict == "allowed"


def test_deactivating_a_term_in_the_admin_takes_it_out_of_screening(client, moderator, screen):
    client.force_login(moderator)
    rows = Term.objects.filter(term__in=["打火机", "打火機"], section__number=4)
    response = client.post(
        reverse("admin:prohibited_term_changelist"),
        {"action": "make_inactive", "_selected_action": [r.pk for r in rows]},
    )
    assert response.status_code == 302
    assert screen("打火机").verdict == "allowed"
    assert screen("防风打火机").categories == [4]


@pytest.mark.parametrize(
    "name",
    ["prohibited_section_changelist", "prohibited_term_changelist", "prohibited_catalogueversion_changelist"],
)
def test_admin_lists_open(client, moderator, name):
    client.force_login(moderator)
    response = client.get(reverse(f"admin:{name}"), {"q": "打火机"} if "version" not in name else {})
    assert response.status_code == 200


def test_admin_section_page_shows_its_terms(client, moderator):
    client.force_login(moderator)
    section = Section.objects.get(kind="restricted", number=2, carrier_code="")
    response = client.get(reverse("admin:prohibited_section_change", args=[section.pk]))
    assert response.status_code == 200
    assert "智能手机" in response.content.decode()


def test_a_carrier_section_must_be_a_refusal():
    from django.core.exceptions import ValidationError

    section = Section(kind="prohibited", number=1, carrier_code="hk-bag", title="t", clause="c")
    with pytest.raises(ValidationError):
        section.clean()
