"""Allowances paid, for the statistics page: per month and office, and per language.

"Paid" is what the ledger counts as payable (allowance and travel costs of entries within the
cap, approved or capped), by the month of the appointment. An entry of an assignment in two
languages (Persian ↔ German) counts in full for each language other than German, as the
outcomes per language do. Scoped like the rest of the statistics.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from requests.access import scope_to_offices
from requests.models import AllowanceEntry, Office
from requests.statistics import numbers


@dataclass(frozen=True)
class LanguageAllowances:
    code: str
    assignments: int
    euros: float


@dataclass(frozen=True)
class AllowanceStats:
    per_month: numbers.MonthTable  # euros per month and office
    per_language: list[LanguageAllowances]


def allowance_stats(
    user: Any,
    *,
    offices: list[str],
    office: Office | None,
    months: list[dt.date],
    leave_out: tuple[str, ...] = ("de",),
) -> AllowanceStats:
    first, last = months[0], months[-1]
    after = (last + dt.timedelta(days=32)).replace(day=1)
    entries = scope_to_offices(AllowanceEntry.objects.all(), user).filter(
        service_date__gte=first, service_date__lt=after, status__in=AllowanceEntry.COUNTED
    )
    if office is not None:
        entries = entries.filter(office=office)
    cells: Counter[tuple[dt.date, str]] = Counter()
    euros: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    for day, name, allowance, travel, codes in entries.order_by().values_list(
        "service_date", "office__name", "allowance_cents", "travel_cents", "languages"
    ):
        paid = (allowance + travel) / 100
        cells[(day.replace(day=1), name)] += paid
        for code in set(codes or []) - set(leave_out):
            euros[code] += paid
            counts[code] += 1
    columns = list(offices) + sorted({name for _m, name in cells} - set(offices))
    per_language = [
        LanguageAllowances(code, counts[code], round(euros[code], 2))
        for code in sorted(euros, key=lambda c: (-euros[c], c))
    ]
    return AllowanceStats(numbers.MonthTable(months, columns, dict(cells)), per_language)
