"""A queryset's SQL compiled once per process, then run with each call's own values.

Why: on the message path most statements are one index lookup that PostgreSQL answers in ~0.1 ms, while Django
spends 0.7-2 ms of Python building and compiling the queryset that says it (cloning, resolving lookups, the
compiler), every time. Measured on this machine: `customer_of_identity` 0.90 ms through the ORM against 0.19 ms for
the same SQL run with its parameters; the day's chef assignments (`bookings.availability._busy_map`) 2.3 against
0.4 ms. A reply runs a few of these on each message.

    customer_by_identity = CompiledQuery(
        lambda channel, external_id: Customer.objects.filter(...),   # the queryset, written as usual
        params={"channel": str, "external_id": str},                   # the values that change between calls
    )
    customer = customer_by_identity.first(channel="web", external_id="abc")

How: the first call builds the queryset with a placeholder for each parameter (a value of the declared type that no
real call uses), compiles it for the connection's database, and records which SQL parameter is which placeholder.
Every call then runs that SQL with its own values, and turns rows into model instances (`Model.from_db`) or tuples
(a `values_list` queryset) with the same field converters the ORM applies; annotations are set on the instances and
one level of forward select_related is attached, as the ORM does. A placeholder that does not come out of
the compiler unchanged (used in a slice, an `iexact`, a `None` check) is refused when the query is compiled, so a
call never runs SQL with a value in the wrong place. Not supported (refused when compiled): prefetch_related,
nested or reverse select_related, `values()` dicts, annotations on a values_list.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router
from django.db.models import QuerySet
from django.db.models.query import ModelIterable, ValuesListIterable

# A value of each type that real data does not hold: compiled into the SQL's parameters, then replaced by position.
_PLACEHOLDERS: dict[type, Callable[[int], Any]] = {
    str: lambda i: f"\x00compiled-query-placeholder-{i}\x00",
    int: lambda i: -2_147_483_000 - i,   # inside a 32-bit column's range: Django drops out-of-range lookups
    datetime.date: lambda i: datetime.date(1, 1, 1 + i),
    datetime.datetime: lambda i: datetime.datetime(1, 1, 1 + i, 0, 0, 7, 777, tzinfo=datetime.UTC),
}


@dataclass(frozen=True)
class _Related:
    """A select_related object: its model, its columns and how it is attached (as Django's RelatedPopulator)."""
    model: type
    start: int
    attnames: tuple
    pk_index: int
    local_setter: Callable
    remote_setter: Callable


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple          # the compiled parameters, constants as they are
    slots: tuple           # per parameter: the name of the call's value that replaces it, or None (a constant)
    expressions: tuple     # the selected expressions, for their field converters
    model: type | None     # the model of a model queryset (rows become instances), None for values_list
    attnames: tuple
    start: int = 0
    annotations: tuple = ()   # (name, column index): set on each instance, as the ORM does
    related: tuple = ()       # _Related, one per select_related relation


class CompiledQuery:
    def __init__(self, build: Callable[..., QuerySet], *, params: dict[str, type]):
        unknown = [name for name, kind in params.items() if kind not in _PLACEHOLDERS]
        if unknown:
            raise ImproperlyConfigured(f"CompiledQuery parameters {unknown} must be one of "
                                       f"{', '.join(t.__name__ for t in _PLACEHOLDERS)}.")
        self._build = build
        self._params = dict(params)
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def _compile(self, alias: str) -> _Compiled:
        compiled = self._compiled.get(alias)
        if compiled is not None:
            return compiled
        with self._lock:
            placeholders = {name: _PLACEHOLDERS[kind](index) for index, (name, kind) in enumerate(self._params.items())}
            queryset = self._build(**placeholders)
            values_list = queryset._iterable_class is ValuesListIterable
            kinds = (ModelIterable, ValuesListIterable)
            if (queryset._prefetch_related_lookups or queryset._iterable_class not in kinds
                    or (values_list and queryset.query.annotation_select)):
                raise ImproperlyConfigured("CompiledQuery takes model querysets (with annotations and one level of "
                                           "forward select_related at most) and values_list querysets: no prefetch "
                                           "or values() dicts.")
            compiler = queryset.query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            by_value = {value: name for name, value in placeholders.items()}
            slots = tuple(by_value.get(value) if type(value) in _PLACEHOLDERS else None for value in params)
            missing = set(placeholders) - set(slots)
            if missing:
                raise ImproperlyConfigured(f"CompiledQuery: {sorted(missing)} did not reach the SQL as plain "
                                           "parameters (a slice, a transformed lookup or a None check); build that "
                                           "queryset at each call instead.")
            select = [column for column, _, _ in compiler.select]
            compiled = _Compiled(sql=sql, params=tuple(params), slots=slots, expressions=tuple(select), model=None,
                                 attnames=())
            if not values_list:
                info = compiler.klass_info
                start, end = info["select_fields"][0], info["select_fields"][-1] + 1
                compiled = _Compiled(
                    sql=sql, params=tuple(params), slots=slots, expressions=tuple(select), model=info["model"],
                    attnames=tuple(column.target.attname for column in select[start:end]), start=start,
                    annotations=tuple(compiler.annotation_col_map.items()),
                    related=tuple(self._related(related, select) for related in info.get("related_klass_infos", [])))
            self._compiled[alias] = compiled
            return compiled

    @staticmethod
    def _related(info: dict, select: list) -> _Related:
        if info.get("related_klass_infos") or info["reverse"]:
            raise ImproperlyConfigured("CompiledQuery follows one level of forward select_related only.")
        start, end = info["select_fields"][0], info["select_fields"][-1] + 1
        attnames = tuple(column.target.attname for column in select[start:end])
        return _Related(model=info["model"], start=start, attnames=attnames,
                        pk_index=attnames.index(info["model"]._meta.pk.attname),
                        local_setter=info["local_setter"], remote_setter=info["remote_setter"])

    def statement(self, *, using: str | None = None, **values) -> tuple[str, list]:
        """The SQL and its parameters for these values (what `all()` runs; for EXPLAIN)."""
        if set(values) != set(self._params):
            raise TypeError(f"CompiledQuery takes exactly {sorted(self._params)}, not {sorted(values)}.")
        for name, value in values.items():
            if not isinstance(value, self._params[name]):
                raise TypeError(f"CompiledQuery parameter {name!r} must be {self._params[name].__name__}, "
                                f"not {type(value).__name__}.")
        compiled = self._compile(using or router.db_for_read(None))
        return compiled.sql, [values[slot] if slot else constant
                              for slot, constant in zip(compiled.slots, compiled.params)]

    def _rows(self, values: dict, *, alias: str | None) -> tuple[_Compiled, list]:
        alias = alias or router.db_for_read(None)
        sql, params = self.statement(using=alias, **values)
        compiled = self._compiled[alias]
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        converters = [(index, expression.get_db_converters(connection)
                       + connection.ops.get_db_converters(expression))
                      for index, expression in enumerate(compiled.expressions)]
        converters = [(index, functions) for index, functions in converters if functions]
        if converters and rows:
            converted = []
            for row in rows:
                row = list(row)
                for index, functions in converters:
                    for function in functions:
                        row[index] = function(row[index], compiled.expressions[index], connection)
                converted.append(tuple(row))
            rows = converted
        return compiled, rows

    def all(self, *, using: str | None = None, **values) -> list:
        """Model instances (a model queryset) or tuples (a values_list queryset), in the queryset's order."""
        compiled, rows = self._rows(values, alias=using)
        if compiled.model is None:
            return rows
        alias = using or router.db_for_read(compiled.model)
        width = len(compiled.attnames)
        instances = []
        for row in rows:
            instance = compiled.model.from_db(alias, compiled.attnames, row[compiled.start:compiled.start + width])
            for related in compiled.related:
                data = row[related.start:related.start + len(related.attnames)]
                other = None if data[related.pk_index] is None else related.model.from_db(alias, related.attnames,
                                                                                           data)
                related.local_setter(instance, other)
                if other is not None:
                    related.remote_setter(other, instance)
            for name, index in compiled.annotations:
                setattr(instance, name, row[index])
            instances.append(instance)
        return instances

    def get(self, *, using: str | None = None, **values):
        """The one result, or the model's DoesNotExist / MultipleObjectsReturned, as QuerySet.get()."""
        results = self.all(using=using, **values)
        if len(results) == 1:
            return results[0]
        model = self._compiled[using or router.db_for_read(None)].model
        if model is None:
            raise TypeError("get() returns a model instance: use all() or first() on a values_list query.")
        if not results:
            raise model.DoesNotExist(f"{model._meta.object_name} matching query does not exist.")
        raise model.MultipleObjectsReturned(f"get() returned more than one {model._meta.object_name}.")

    def first(self, *, using: str | None = None, **values):
        """The first result or None (write the queryset with its order and `[:1]`, as `.first()` would)."""
        results = self.all(using=using, **values)
        return results[0] if results else None
