import pytest
from django.contrib.auth.models import Group

from tests.factories import UserFactory


@pytest.fixture
def desk_moderator(db):
    """A staff member whose only powers are the ``moderators`` group's (not a superuser)."""
    user = UserFactory(phone="+8613600136000", display_name="审核员小王", is_staff=True)
    user.groups.add(Group.objects.get(name="moderators"))
    return user


@pytest.fixture
def desk(client, desk_moderator):
    client.force_login(desk_moderator)
    return client
