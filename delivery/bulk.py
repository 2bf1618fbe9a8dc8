"""Set-based inserts of plain values, for the batch jobs that write thousands of rows at once.

Django's ``bulk_create`` builds a model instance per row and prepares every value of it field by
field: for the midnight expiry that was about half the job's time. :func:`rows_insert` writes the
same rows from tuples in one ``INSERT … SELECT * FROM unnest(…)`` on PostgreSQL, one array
parameter per column, whatever the number of rows. It lives with the delivery engine, the layer every
app writes through, so that a batch writes its own rows and the engine's the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models


def _adapter(field: models.Field) -> Callable[[Any], Any] | None:
    # What psycopg2 cannot adapt inside an array as the column expects; the rest goes as it is.
    if field.is_relation:
        field = field.target_field
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        return lambda value: json.dumps(value, cls=encoder)
    if isinstance(field, models.UUIDField):
        return lambda value: None if value is None else str(value)
    return None


def rows_insert(
    *,
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    returning: Sequence[str] = (),
    ignore_conflicts: bool = False,
) -> list[tuple]:
    """Insert ``rows`` (tuples of the values of ``fields``, as the model's fields take them) into
    ``model``'s table in one statement; returns the ``returning`` fields of each inserted row (in
    no promised order: return a key with them). With ``ignore_conflicts``, a row that would break a
    unique constraint is skipped (and not returned). PostgreSQL only."""
    if connection.vendor != "postgresql":
        raise NotImplementedError("rows_insert writes through PostgreSQL's unnest")
    if not rows:
        return []
    meta = model._meta
    quote = connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    # A column with one value for every row (the batch's time, a status, a channel) is one
    # parameter, not an array: the statement's size and the server's work grow with the columns
    # that vary only.
    selected, arrays, params = [], [], []
    for position, (field, values) in enumerate(zip(columns, zip(*rows, strict=True), strict=True)):
        adapt = _adapter(field)
        cast = field.db_type(connection)
        first = values[0]
        if all(value == first for value in values):
            selected.append(f"%s::{cast}")
            params.append(adapt(first) if adapt else first)
        else:
            selected.append(f"v.c{position}")
            arrays.append(
                (f"c{position}", f"%s::{cast}[]", [adapt(v) for v in values] if adapt else list(values))
            )
    sql = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in columns)}) "  # noqa: S608
    sql += "SELECT " + ", ".join(selected)
    if arrays:
        names = ", ".join(name for name, _cast, _values in arrays)
        sql += f" FROM unnest({', '.join(cast for _name, cast, _values in arrays)}) AS v({names})"
        params += [values for _name, _cast, values in arrays]
    else:
        sql += " FROM generate_series(1, %s)"
        params.append(len(rows))
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    if returning:
        sql += " RETURNING " + ", ".join(quote(meta.get_field(name).column) for name in returning)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if returning else []
