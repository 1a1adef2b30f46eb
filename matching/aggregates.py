"""SQL the ranking needs and Django lacks: the median, and instants as epoch seconds.

PostgreSQL has it as the ordered-set aggregate `percentile_cont(0.5) WITHIN GROUP (ORDER BY x)`.
SQLite (the embedded default) has no median, so `register_sqlite_median` adds one, written in
Python, to every SQLite connection Django opens (connected in `MatchingConfig.ready`).
"""

from __future__ import annotations

import statistics
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Aggregate, FloatField, Func
from django.db.models.sql.compiler import SQLCompiler

SQLITE_MEDIAN = "lotse_median"


class Median(Aggregate):
    """The median of an expression (of numbers or durations), NULLs ignored."""

    name = "Median"
    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        # A copy with SQLite's function and a plain call (the FILTER clause, if any, is added by
        # Aggregate.as_sql around whatever template the node has).
        median = self.copy()
        median.function = SQLITE_MEDIAN
        median.template = "%(function)s(%(expressions)s)"
        return median.as_sql(compiler, connection, **extra_context)


class EpochSeconds(Func):
    """An instant as seconds since 1970-01-01 UTC, a float (NULL stays NULL).

    Ranking reads instants of hundreds of rows per call; a float costs the driver next to
    nothing, while parsing a timestamp into an aware datetime cost up to 20 ms per call at
    100k volunteers (measured, `make bench`).
    """

    template = "EXTRACT(EPOCH FROM %(expressions)s)::double precision"
    output_field = FloatField()

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        # Django stores an aware instant on SQLite as UTC text, which julianday() reads.
        template = "((julianday(%(expressions)s) - 2440587.5) * 86400.0)"
        return self.as_sql(compiler, connection, template=template, **extra_context)


class _SQLiteMedian:
    """The aggregate SQLite calls: `step` per row, `finalize` once per group."""

    def __init__(self) -> None:
        self.values: list[float] = []

    def step(self, value: float | None) -> None:
        if value is not None:
            self.values.append(value)

    def finalize(self) -> float | None:
        return statistics.median(self.values) if self.values else None


def register_sqlite_median(sender: object, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """`connection_created` receiver: give a new SQLite connection its median aggregate."""
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate(SQLITE_MEDIAN, 1, _SQLiteMedian)
