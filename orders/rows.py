"""The rows a carrier callback reads and writes, with their SQL built once.

The ORM compiles a query on every call (the query, the compiler, the save machinery, converters
looked up for every column); for the order a callback locks and the two rows it inserts (the
timeline entry and the carrier event log) that was about a fifth of the callback's CPU.

- :class:`RowInsert` builds its INSERT once per database and only adapts the values, the way the
  compiler adapts them (``Field.pre_save`` then ``get_db_prep_save``; text in a plain text field
  is already what they return); it returns the instance ``create()`` would have returned, built
  by position as ``Model.from_db`` builds one (the keyword path looks every field up by name).
- :class:`RowSelect` reads one whole row by a fixed condition (optionally ``FOR UPDATE``) and turns
  it into an instance the way a queryset does (the fields' converters, then ``Model.from_db``).

A model whose save signals have receivers, a field with its own SQL placeholder or a database
other than PostgreSQL and SQLite is saved the ordinary way instead, so nothing that listens for
the row, or that the compiler would do differently, is skipped.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from django.db import connections, router
from django.db.models import DEFERRED, CharField, Model, TextField
from django.db.models.signals import post_save, pre_init, pre_save

M = TypeVar("M", bound=Model)

SUPPORTED_VENDORS = frozenset({"postgresql", "sqlite"})
_MISSING = object()


class RowInsert(Generic[M]):
    """``RowInsert(OrderEvent).create(**values)`` is ``OrderEvent.objects.create(**values)``."""

    def __init__(self, model: type[M]):
        self.model = model
        meta = model._meta
        # What create() inserts: every concrete field but the automatic primary key.
        self.fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field]
        self.plain = not any(hasattr(f, "get_placeholder") for f in self.fields)
        # (attname, whether a str value is stored as it is) per inserted field: pre_save and
        # get_db_prep_save of a CharField or TextField return text unchanged.
        self._adapt = [(f.attname, type(f) in (CharField, TextField)) for f in self.fields]
        self._statements: dict[str, str] = {}  # database alias -> INSERT … (RETURNING pk)
        # Building by position: each concrete field's place, by attname; a relation given as an
        # instance (by name) is set afterwards through its descriptor, as Model.__init__ sets it.
        self._concrete = list(meta.concrete_fields)
        self._places = {f.attname: i for i, f in enumerate(self._concrete)}
        self._relations = {f.name: i for i, f in enumerate(self._concrete) if f.is_relation}
        self._by_position = meta.concrete_fields == meta.fields and not any(
            f.generated or f.column is None for f in self._concrete
        )

    def create(self, **values: Any) -> M:
        instance = self._instance(values)
        using = router.db_for_write(self.model, instance=instance)
        connection = connections[using]
        if (
            not self.plain
            or connection.vendor not in SUPPORTED_VENDORS
            or pre_save.has_listeners(self.model)
            or post_save.has_listeners(self.model)
        ):
            instance.save(force_insert=True, using=using)
            return instance
        sql = self._statements.get(using) or self._statement(using)
        params = [
            value
            if as_is and type(value := getattr(instance, attname)) is str
            else f.get_db_prep_save(f.pre_save(instance, True), connection)
            for f, (attname, as_is) in zip(self.fields, self._adapt, strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            if connection.features.can_return_columns_from_insert:
                pk = cursor.fetchone()[0]
            else:
                pk = connection.ops.last_insert_id(
                    cursor, self.model._meta.db_table, self.model._meta.pk.column
                )
        instance.pk = pk
        instance._state.adding = False
        instance._state.db = using
        return instance

    def _instance(self, values: dict[str, Any]) -> M:
        """``self.model(**values)``: by position when every value is a field's (by attname, or a
        relation's instance by name) and nothing listens for ``pre_init`` (which is given the
        arguments); the keyword path otherwise. Missing fields take their defaults in field order,
        as the keyword path gives them."""
        if not self._by_position or pre_init.has_listeners(self.model):
            return self.model(**values)
        args: list[Any] = [_MISSING] * len(self._concrete)
        related = []
        for key, value in values.items():
            place = self._places.get(key)
            if place is None:
                place = self._relations.get(key)
                if place is None or args[place] is not _MISSING:
                    return self.model(**values)  # a property, an unknown name, or given twice
                related.append((key, value))
                args[place] = None  # set by the descriptor below
            elif args[place] is not _MISSING:
                return self.model(**values)
            else:
                args[place] = value
        for place, value in enumerate(args):
            if value is _MISSING:
                args[place] = self._concrete[place].get_default()
        instance = self.model(*args)
        for name, value in related:
            setattr(instance, name, value)
        return instance

    def _statement(self, using: str) -> str:
        connection = connections[using]
        quote = connection.ops.quote_name
        meta = self.model._meta
        sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608  (names from the model)
            quote(meta.db_table),
            ", ".join(quote(f.column) for f in self.fields),
            ", ".join(["%s"] * len(self.fields)),
        )
        if connection.features.can_return_columns_from_insert:
            returning, _params = connection.ops.return_insert_columns([meta.pk])
            sql = f"{sql} {returning}"
        self._statements[using] = sql
        return sql


class RowSelect(Generic[M]):
    """``RowSelect(Order, "number = %s", for_update=True).get([number])``: the one row matching
    ``where`` (SQL over the model's columns) as an instance, or None; ``for_update`` locks it on
    databases that can (the caller holds a transaction)."""

    def __init__(self, model: type[M], where: str, *, for_update: bool = False, defer: Sequence[str] = ()):
        self.model = model
        self.where = where
        self.for_update = for_update
        deferred = {model._meta.get_field(name) for name in defer}
        if model._meta.pk in deferred:
            raise ValueError("the primary key cannot be deferred")
        concrete = list(model._meta.concrete_fields)
        self.fields = [f for f in concrete if f not in deferred]
        # Where each selected column goes among the concrete fields, the deferred ones left as
        # DEFERRED (what Model.from_db does, by looking every name up in the list it was given).
        self._places = [concrete.index(f) for f in self.fields] if deferred else None
        self._width = len(concrete)
        self.names = [f.attname for f in concrete]
        self._statements: dict[str, str] = {}
        # Per connection (each thread has its own): the converters of the columns that have some.
        self._converters: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def get(self, params: Sequence[Any]) -> M | None:
        using = router.db_for_write(self.model) if self.for_update else router.db_for_read(self.model)
        connection = connections[using]
        sql = self._statements.get(using) or self._statement(using)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        converters = self._converters.get(connection)
        if converters is None:
            converters = self._converters[connection] = self._converters_of(connection)
        if converters:
            row = list(row)
            for index, functions, expression in converters:
                value = row[index]
                for function in functions:
                    value = function(value, expression, connection)
                row[index] = value
        if self._places is not None:
            values = [DEFERRED] * self._width
            for place, value in zip(self._places, row, strict=True):
                values[place] = value
            row = values
        return self.model.from_db(using, self.names, row)

    def _statement(self, using: str) -> str:
        connection = connections[using]
        quote = connection.ops.quote_name
        sql = "SELECT {} FROM {} WHERE {}".format(  # noqa: S608  (names from the model)
            ", ".join(quote(f.column) for f in self.fields), quote(self.model._meta.db_table), self.where
        )
        if self.for_update and connection.features.has_select_for_update:
            sql += " FOR UPDATE"
        self._statements[using] = sql
        return sql

    def _converters_of(self, connection) -> list[tuple[int, list, Any]]:
        # What SQLCompiler.get_converters finds for these columns.
        found = []
        for index, field in enumerate(self.fields):
            expression = field.get_col(self.model._meta.db_table)
            functions = connection.ops.get_db_converters(expression) + expression.get_db_converters(
                connection
            )
            if functions:
                found.append((index, functions, expression))
        return found
