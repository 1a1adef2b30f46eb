"""SQL the ranking needs and Django lacks.

Instants as exact epoch microseconds; the volunteers' match keys (one GIN index scan on
PostgreSQL); `column IN (ids)` with the ids as one parameter; and reading plain rows with the
cursor (`fetch`), which for the thousands of rows ranking reads per call costs less than Django's
row iterator.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BigIntegerField, BooleanField, Expression, F, Func, QuerySet
from django.db.models.sql.compiler import SQLCompiler

from volunteers.models import Volunteer


class EpochMicroseconds(Func):
    """An instant as whole microseconds since 1970-01-01 UTC (NULL stays NULL), exactly.

    Ranking reads instants of thousands of rows per call; an integer costs the driver next to
    nothing, while parsing a timestamp into an aware datetime cost up to 20 ms per call at
    100k volunteers (measured, `make bench`). Exact, so that "sent by now" holds for an offer
    sent at `now` itself (see `epoch_microseconds` for the Python side).
    """

    template = "(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint"
    output_field = BigIntegerField()

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        # Django stores an aware instant on SQLite as UTC text, "YYYY-MM-DD HH:MM:SS[.ffffff]":
        # whole seconds from strftime, the microseconds from the text (zeros if it has none).
        # '%%%%s' is strftime's '%s' after this template's and the backend's % formatting.
        template = (
            "(CAST(strftime('%%%%s', %(expressions)s) AS INTEGER) * 1000000"
            " + CAST(substr(%(expressions)s || '.000000', 21, 6) AS INTEGER))"
        )
        return self.as_sql(compiler, connection, template=template, **extra_context)


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def epoch_microseconds(moment: dt.datetime) -> int:
    """`moment` (aware) as `EpochMicroseconds` gives it."""
    return (moment - EPOCH) // dt.timedelta(microseconds=1)


class MatchKeys(Expression):
    """The volunteer's match keys include all of `all_of` and one of each list in `any_of`
    (PostgreSQL only): answered by one scan of a GIN index.

    Keys of `on_rows` are required too, but checked on the rows the index leaves: a key nearly
    everyone has (the local language) is a posting list as long as the table, and reading it
    cost the index scan twice what the other keys did (measured at 100k volunteers).
    """

    output_field = BooleanField()
    conditional = True

    def __init__(
        self,
        all_of: Sequence[str],
        any_of: Sequence[Sequence[str]] = (),
        *,
        on_rows: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self.all_of = list(all_of)
        self.any_of = [list(keys) for keys in any_of]
        self.on_rows = list(on_rows)

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[object]]:
        column = f"{compiler.quote_name_unless_alias(Volunteer._meta.db_table)}.match_keys"
        sql, params = [], []
        if self.all_of:
            sql.append(f"{column} @> %s::text[]")
            params.append(self.all_of)
        for keys in self.any_of:
            sql.append(f"{column} && %s::text[]")
            params.append(keys)
        if self.on_rows:
            # Not the bare column, so the planner cannot answer it from the index.
            sql.append(f"({column} || '{{}}'::text[]) @> %s::text[]")
            params.append(self.on_rows)
        return " AND ".join(sql), params


class AmongIds(Expression):
    """`column IN (ids)` with all the ids as ONE query parameter: an array on PostgreSQL, a JSON
    list on SQLite.

    `volunteer_id__in=[...]` would cost Django a conversion and a placeholder per id (about a
    third of a second for 6,500 ids, measured) and runs into SQLite's limit on parameters.
    """

    output_field = BooleanField()
    conditional = True

    def __init__(self, column: str, ids: Sequence[int]) -> None:
        super().__init__()
        self.column: Expression | F = F(column)
        self.ids = [int(pk) for pk in ids]

    def get_source_expressions(self) -> list[Expression | F]:
        return [self.column]

    def set_source_expressions(self, exprs: Sequence[Expression]) -> None:
        (self.column,) = exprs

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[object]]:
        column, params = compiler.compile(self.column)
        # `column` is SQL Django compiled; the ids travel as a parameter.
        sql = f"{column} IN (SELECT value FROM json_each(%s))"  # noqa: S608
        return sql, [*params, json.dumps(self.ids)]

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[object]]:
        column, params = compiler.compile(self.column)
        # An array literal as text: psycopg's adaptation of a list costs ~7 µs per element.
        literal = "{" + ",".join(map(str, self.ids)) + "}"
        return f"{column} = ANY(%s::bigint[])", [*params, literal]


def fetch(queryset: QuerySet) -> list[tuple]:
    """The rows of a `values_list` queryset of numbers and strings, read with the cursor.

    Django's row iterator converts value by value; for the thousands of rows ranking reads per
    call that cost more than the query (measured). Only for columns that need no conversion:
    numbers, strings, and `EpochMicroseconds`. A queryset that can match nothing (`none()`)
    gives no rows, as Django's own iterator would.
    """
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return []
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def columns(rows: Iterable[tuple], width: int) -> list[tuple]:
    """Rows of `width` values as `width` columns (empty columns when there are no rows)."""
    return list(zip(*rows, strict=True)) or [() for _ in range(width)]
