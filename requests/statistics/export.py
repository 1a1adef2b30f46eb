"""The report as tables: the same rows under each chart (for screen readers) and in the CSV.

Each table is a header and rows of plain values (text, whole numbers, decimals, None for "no
value"). `to_csv` writes one for spreadsheets: in German with ";" between fields and a decimal
comma (what German Excel opens with a double click), in English with "," and a decimal point;
UTF-8 with a byte order mark, so Excel reads umlauts correctly. Text that a spreadsheet would
take for a formula (an office called `=HYPERLINK(...)`) is written as text (`spreadsheet_text`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils import dateformat
from django.utils.translation import gettext as _

from requests.models import Offer, Outcome
from requests.statistics import numbers
from requests.statistics.load import Report
from volunteers import languages
from volunteers.translation import active_language

Cell = str | int | float | None

TABLES = (
    "requests",
    "fill-rate",
    "languages",
    "hours",
    "declines",
    "outcomes",
    "outcome-languages",
    "allowances",
    "allowance-languages",
    "sms",
)


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    header: list[str]
    rows: list[list[Cell]]


def month_label(month: dt.date) -> str:
    return dateformat.format(month, "F Y")


def month_abbreviation(month: dt.date) -> str:
    return dateformat.format(month, "M")


def hours_of(wait: dt.timedelta | None) -> float | None:
    return None if wait is None else round(wait.total_seconds() / 3600, 1)


def percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def reason_label(reason: str) -> str:
    if reason == numbers.DROPPED_OUT:
        return _("accepted, then dropped out")
    if not reason:
        return _("no reason given")
    try:
        return str(Offer.DeclineReason(reason).label)
    except ValueError:
        return reason


def requests_table(report: Report) -> Table:
    table = report.per_month
    return Table(
        "requests",
        _("Requests per month and office"),
        [_("Month"), *table.columns, _("All")],
        [
            [
                month_label(month),
                *(int(table.value(month, c)) for c in table.columns),
                int(table.total(month)),
            ]
            for month in table.months
        ],
    )


def _fill_row(label: str, fill: numbers.FillRate) -> list[Cell]:
    return [
        label,
        fill.filled,
        fill.not_filled,
        fill.cancelled,
        fill.pending,
        percent(fill.rate),
        hours_of(fill.median_time_to_fill),
    ]


def fill_table(report: Report) -> Table:
    return Table(
        "fill-rate",
        _("Fill rate and time to fill"),
        [
            _("Month"),
            _("filled"),
            _("not filled"),
            _("cancelled"),
            _("still looking"),
            _("fill rate (%)"),
            _("median time to fill (hours)"),
        ],
        [_fill_row(month_label(m), report.fill_per_month[m]) for m in report.months]
        + [_fill_row(_("Whole period"), report.fill)],
    )


def languages_table(report: Report) -> Table:
    lang = active_language()
    return Table(
        "languages",
        _("Languages in demand and volunteers who speak them"),
        [
            _("Code"),
            _("Language"),
            _("requests"),
            _("of them filled"),
            _("of them not filled"),
            _("no candidate at all"),
            _("nobody exact"),
            _("active volunteers"),
            _("requests per volunteer"),
        ],
        [
            [
                row.code,
                languages.display_name(row.code, lang),
                row.requests,
                row.filled,
                row.not_filled,
                row.no_candidate,
                row.no_exact,
                row.volunteers,
                None
                if row.requests_per_volunteer is None
                else round(row.requests_per_volunteer, 2),
            ]
            for row in report.languages
        ],
    )


def hours_table(report: Report) -> Table:
    return Table(
        "hours",
        _("Volunteer hours per month"),
        [_("Month"), _("hours")],
        [[month_label(m), round(report.hours.value(m, "hours"), 2)] for m in report.months],
    )


def declines_table(report: Report) -> Table:
    return Table(
        "declines",
        _("Declines by reason, and drop-outs"),
        [_("Reason"), _("offers")],
        [[reason_label(reason), count] for reason, count in report.declines],
    )


def sms_table(report: Report) -> Table:
    """SMS segments per month and office, and what they cost at SMS_PRICE_PER_SEGMENT."""
    data = report.sms_segments
    price = settings.SMS_PRICE_PER_SEGMENT
    return Table(
        "sms",
        _("SMS segments per month and office"),
        [
            _("Month"),
            *data.columns,
            _("All"),
            _("cost (%(currency)s)") % {"currency": settings.SMS_CURRENCY},
        ],
        [
            [
                month_label(month),
                *(int(data.value(month, c)) for c in data.columns),
                int(data.total(month)),
                float(round(Decimal(int(data.total(month))) * price, 2)),
            ]
            for month in data.months
        ],
    )


def result_label(result: str) -> str:
    """An outcome's result as the tables name it ("" = no answer yet)."""
    if not result:
        return _("no answer yet")
    return str(Outcome.Result(result).label)


def outcomes_table(report: Report) -> Table:
    table = report.outcomes or numbers.outcomes_per_month([], months=report.months)
    return Table(
        "outcomes",
        _("What became of the accepted assignments, per month"),
        [
            _("Month"),
            *(result_label(r) for r in numbers.OUTCOME_RESULTS),
            _("hours"),
            _("confirmed by the office"),
        ],
        [
            [
                month_label(month),
                *(int(table.value(month, r)) for r in numbers.OUTCOME_RESULTS),
                round(table.value(month, "hours"), 2),
                int(table.value(month, "confirmed")),
            ]
            for month in table.months
        ],
    )


def outcome_languages_table(report: Report) -> Table:
    lang = active_language()
    return Table(
        "outcome-languages",
        _("What became of the accepted assignments, per language"),
        [
            _("Code"),
            _("Language"),
            *(result_label(r) for r in numbers.OUTCOME_RESULTS),
            _("hours"),
        ],
        [
            [
                row.code,
                languages.display_name(row.code, lang),
                *(row.count(r) for r in numbers.OUTCOME_RESULTS),
                round(row.hours, 2),
            ]
            for row in report.outcome_languages or []
        ],
    )


def allowances_table(report: Report) -> Table:
    data = report.allowances
    return Table(
        "allowances",
        _("Allowances paid per month and office (€)"),
        [_("Month"), *data.per_month.columns, _("All")],
        [
            [
                month_label(month),
                *(round(data.per_month.value(month, c), 2) for c in data.per_month.columns),
                round(data.per_month.total(month), 2),
            ]
            for month in data.per_month.months
        ],
    )


def allowance_languages_table(report: Report) -> Table:
    lang = active_language()
    return Table(
        "allowance-languages",
        _("Allowances paid per language (€)"),
        [_("Code"), _("Language"), _("assignments"), _("paid (€)")],
        [
            [row.code, languages.display_name(row.code, lang), row.assignments, row.euros]
            for row in report.allowances.per_language
        ],
    )


def table(report: Report, name: str) -> Table:
    builders = {
        "allowances": allowances_table,
        "allowance-languages": allowance_languages_table,
        "sms": sms_table,
        "outcomes": outcomes_table,
        "outcome-languages": outcome_languages_table,
        "requests": requests_table,
        "fill-rate": fill_table,
        "languages": languages_table,
        "hours": hours_table,
        "declines": declines_table,
    }
    return builders[name](report)


def to_csv(data: Table) -> str:
    german = active_language() == "de"
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";" if german else ",", lineterminator="\r\n")
    writer.writerow([spreadsheet_text(title) for title in data.header])
    for row in data.rows:
        writer.writerow([_csv_cell(cell, german=german) for cell in row])
    return out.getvalue()


def _csv_cell(cell: Cell, *, german: bool) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float):
        text = f"{cell:.2f}".rstrip("0").rstrip(".")
        return text.replace(".", ",") if german else text
    if isinstance(cell, int):
        return str(cell)
    return spreadsheet_text(cell)


# What Excel, LibreOffice and Google Sheets read as the start of a formula (OWASP, "CSV
# Injection"): office names, languages and reasons are typed by people, so any of them may.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(text: str) -> str:
    """`text` as a spreadsheet shows it, never run: a leading apostrophe makes it plain text.

    Only text is touched; numbers are written as numbers (a negative count stays a number).
    """
    return f"'{text}" if text.startswith(FORMULA_START) else text
