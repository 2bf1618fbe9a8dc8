"""The admin changelists of the big tables: no full-table count, no SELECT DISTINCT over every row,
the same filters and links (bench/admin_lists.py measures them at a million rows)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from delivery.admin import EstimatedCountPaginator
from orders.tests.factories import OrderEventFactory, OrderFactory

pytestmark = pytest.mark.django_db

LISTS = [
    ("/admin/orders/order/", "orders_order"),
    ("/admin/orders/orderevent/", "orders_orderevent"),
    ("/admin/orders/outboxmessage/", "orders_outboxmessage"),
    ("/admin/notifications/delivery/", "delivery_message"),
]


@pytest.fixture
def admin_client(client, moderator):
    client.force_login(moderator)
    return client


def _counts(queries, table: str) -> list[str]:
    return [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and f'"{table}"' in q["sql"]]


@pytest.mark.parametrize(("path", "table"), LISTS)
def test_no_list_reads_every_row_for_its_filters(admin_client, path, table):
    OrderEventFactory.create_batch(3)
    with CaptureQueriesContext(connection) as queries:
        assert admin_client.get(path).status_code == 200
    assert [q["sql"] for q in queries if "DISTINCT" in q["sql"].upper()] == []


@pytest.mark.postgres
@pytest.mark.parametrize(("path", "table"), LISTS)
def test_a_long_list_takes_its_count_from_the_planner(admin_client, path, table, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the estimate is PostgreSQL's EXPLAIN")
    monkeypatch.setattr(EstimatedCountPaginator, "EXACT_BELOW", 0)
    OrderEventFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute(f'ANALYZE "{table}"')
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(path)
    assert response.status_code == 200
    assert _counts(queries, table) == []
    assert len([q["sql"] for q in queries if q["sql"].startswith("EXPLAIN")]) == 1


def test_a_short_filtered_list_is_counted_exactly(admin_client):
    OrderFactory.create_batch(2, status="placed")
    OrderFactory(status="signed")
    response = admin_client.get("/admin/orders/order/", {"status__exact": "placed"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 2
    assert [o.status for o in response.context["cl"].result_list] == ["placed", "placed"]


def test_the_kind_filter_lists_the_kinds_the_code_writes(admin_client):
    response = admin_client.get("/admin/orders/orderevent/")
    kind_filter = next(f for f in response.context["cl"].filter_specs if f.field_path == "kind")
    choices = list(kind_filter.lookup_choices)
    assert choices == sorted(choices)
    assert {"status", "order.accepted", "order.picked_up", "claim.filed"} <= set(choices)
