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


# --- the rows: Django's own HTML, at a constant number of queries -------------------------------------

BIG_LISTS = [*[path for path, _table in LISTS], "/admin/delivery/message/"]


def _data(n: int, customer) -> None:
    """``n`` orders of every shape the lists show: with and without a deadline, a user's name or
    none (a deleted user), hidden by the user; their events, carrier messages and notices."""
    from django.utils import timezone

    from notifications.models import Kind
    from notifications.services import notify
    from orders.models import OutboxEventType, Status
    from orders.services.outbox import outbox_message_add

    for i in range(n):
        order = OrderFactory(
            status=[Status.PLACED, Status.EXPIRED, Status.IN_TRANSIT][i % 3],
            deadline=timezone.now() if i % 2 else None,
            hidden_by_user_at=timezone.now() if i % 3 == 1 else None,
            user=None if i % 4 == 3 else customer,
        )
        OrderEventFactory(order=order, source_event_id=f"evt-{i}" if i % 2 else "")
        outbox_message_add(
            order_id=order.pk, carrier_id=order.carrier_id, event_type=OutboxEventType.CREATED, payload={}
        )
        if order.user is not None:
            notify(user=customer, kind=Kind.SIGNED, order=order, dedupe_key=f"test:{i}")


FILTERED = {
    "/admin/orders/order/": "?status__exact=placed&o=1",
    "/admin/orders/orderevent/": "?new_status__exact=placed&o=1",
    "/admin/orders/outboxmessage/": "?status__exact=pending&o=1",
    "/admin/notifications/delivery/": "?channel__exact=in_app&o=1",
    "/admin/delivery/message/": "?channel__exact=carrier&o=1",
}


@pytest.mark.parametrize("path", BIG_LISTS)
@pytest.mark.parametrize("filtered", [False, True])
def test_the_rows_are_djangos_own(admin_client, customer, path, filtered):
    """The rows are written per page, not per cell; what they say is what Django's result_list
    says, byte for byte: checkboxes, links (with the list's filters kept), labels, dates, blanks."""
    from django.contrib.admin.templatetags.admin_list import result_list

    from delivery.templatetags.large_table_admin import large_table_result_list

    query = FILTERED[path] if filtered else ""
    _data(4, customer)

    response = admin_client.get(path + query)

    assert response.status_code == 200
    cl = response.context["cl"]
    django_rows = ["".join(str(cell) for cell in row) for row in result_list(cl)["results"]]
    ours = ["".join(str(cell) for cell in row) for row in large_table_result_list(cl)["results"]]
    assert len(django_rows) == len(cl.result_list) > 0
    assert ours == django_rows
    content = response.content.decode()
    for row in django_rows:
        assert f"<tr>{row}</tr>" in content


# Queries per page, whatever the number of rows: the session, the user, [the carriers of the
# carrier filter], the count (on PostgreSQL the planner's EXPLAIN, then an exact COUNT for a
# short list) and the page.
QUERIES = {
    "/admin/orders/order/": 5,
    "/admin/orders/orderevent/": 4,
    "/admin/orders/outboxmessage/": 5,
    "/admin/notifications/delivery/": 4,
    "/admin/delivery/message/": 4,
}


@pytest.mark.parametrize("path", BIG_LISTS)
@pytest.mark.parametrize("rows", [1, 6])
def test_a_list_takes_the_same_queries_whatever_its_rows(
    admin_client, customer, path, rows, django_assert_num_queries
):
    _data(rows, customer)
    expected = QUERIES[path] + (1 if connection.vendor == "postgresql" else 0)

    with django_assert_num_queries(expected):
        response = admin_client.get(path)

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) >= (rows + 1) // 2  # hidden orders get no notice


def test_the_list_of_everything_sent_filters_by_the_channels_and_types_the_apps_declare(admin_client):
    response = admin_client.get("/admin/delivery/message/")
    specs = {
        spec.field_path: list(spec.lookup_choices)
        for spec in response.context["cl"].filter_specs
        if hasattr(spec, "lookup_choices")
    }
    assert {"carrier", "in_app", "email", "sms"} <= set(specs["channel"])
    assert {"order.created", "order.expired", "claim.created", "signed", "expired"} <= set(
        specs["event_type"]
    )
    assert specs["channel"] == sorted(specs["channel"])
