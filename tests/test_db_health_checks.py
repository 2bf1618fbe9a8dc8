"""The PostgreSQL backend's health check (courier_platform/db/postgresql): a persistent connection is
pinged before a request uses it unless the server answered on it less than
CONN_HEALTH_CHECK_WINDOW seconds ago. Needs PostgreSQL: the server really drops the connection."""

from __future__ import annotations

import time
from unittest import mock

import psycopg2
import pytest
from django.db import OperationalError, close_old_connections, connection, transaction

from accounts.models import User

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("the health check of the PostgreSQL backend")
    assert connection.settings_dict["ENGINE"] == "courier_platform.db.postgresql"


@pytest.fixture
def pings():
    """Counts the health check's pings (``is_usable``: Django's ``SELECT 1`` on the raw connection)."""
    with mock.patch.object(connection, "is_usable", wraps=connection.is_usable) as spy:
        yield spy


def _request() -> int:
    """What a request does to the connection: Django's start-of-request check, then one query in a
    transaction. Answers the server process serving the connection."""
    close_old_connections()  # request_started
    with transaction.atomic():
        User.objects.count()
        pid = connection.connection.get_backend_pid()
    close_old_connections()  # request_finished
    return pid


def _terminate(pid: int) -> None:
    """The server drops a connection (a restart, a failover, an idle timeout)."""
    params = connection.get_connection_params()
    other = psycopg2.connect(**{k: v for k, v in params.items() if k != "cursor_factory"})
    other.autocommit = True
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert cursor.fetchone() == (True,)
    other.close()
    time.sleep(0.1)  # the backend exits


def _read_only_request() -> None:
    close_old_connections()
    User.objects.exists()  # autocommit: no COMMIT of ours, nothing the backend counts as an answer
    close_old_connections()


def test_health_checks_are_on_with_a_half_second_window():
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    assert connection.health_check_window == 0.5


def test_a_connection_that_committed_a_moment_ago_is_used_without_a_ping(pings):
    connection.health_check_window = 60
    first = _request()
    second = _request()
    third = _request()
    assert pings.call_count == 0
    assert first == second == third  # the same persistent connection throughout


def test_with_a_window_of_zero_every_request_pings_as_in_django(pings):
    connection.health_check_window = 0
    _request()
    _request()
    _request()
    # The first request opened the connection (nothing to check); each one after pings once.
    assert pings.call_count == 2


def test_a_read_only_request_does_not_extend_the_window(pings):
    connection.health_check_window = 0.4
    _request()  # commits: the window starts
    time.sleep(0.25)
    _read_only_request()  # inside the window: no ping, and no COMMIT to start it again
    assert pings.call_count == 0
    time.sleep(0.25)
    _read_only_request()  # half a second after the last COMMIT: checked
    assert pings.call_count == 1


def test_a_connection_the_server_dropped_after_the_window_is_replaced_before_use(pings):
    connection.health_check_window = 0.2
    before = _request()
    _terminate(before)
    time.sleep(0.3)  # the last answer is older than the window

    after = _request()  # no error: the ping failed and a new connection served the request

    assert pings.call_count == 1
    assert after != before


def test_a_drop_inside_the_window_fails_one_request_and_the_next_one_reconnects(pings):
    connection.health_check_window = 60
    before = _request()
    _terminate(before)

    # The window's price: the dropped connection is used without a ping and the request fails,
    # as it would without health checks…
    with pytest.raises(OperationalError):
        _request()
    assert pings.call_count == 0
    # …the failed rollback closed it and Django opened a new one: the next request is served.
    after = _request()
    assert after != before
    assert User.objects.count() == 0


def test_a_drop_inside_the_window_outside_a_transaction_is_checked_on_the_next_request(pings):
    connection.health_check_window = 60
    before = _request()
    _terminate(before)

    close_old_connections()
    with pytest.raises(OperationalError):
        User.objects.exists()  # autocommit: the error leaves the connection open, in doubt
    assert connection.errors_occurred is True

    # Django's end-of-request check pings a connection in doubt, even inside the window.
    after = _request()
    assert pings.call_count == 1
    assert after != before
