"""SQL the ranking needs and Django lacks: the median, and instants as epoch microseconds.

PostgreSQL has it as the ordered-set aggregate `percentile_cont(0.5) WITHIN GROUP (ORDER BY x)`.
SQLite (the embedded default) has no median, so `register_sqlite_median` adds one, written in
Python, to every SQLite connection Django opens (connected in `MatchingConfig.ready`).
"""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Aggregate, BigIntegerField, Func
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
