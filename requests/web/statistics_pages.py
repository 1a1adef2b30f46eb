"""The statistics page (charts drawn as SVG on the server) and its CSV downloads.

Filters: one of the caller's offices (or all of them) and a period of whole months. The numbers
come from `requests.statistics`; their definitions are in `requests/statistics/numbers.py` and
on the page itself.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from requests.models import Office
from requests.statistics import charts, export, numbers
from requests.statistics.load import Report, build_report
from requests.web.guards import offices_of, staff_page
from volunteers import languages
from volunteers.translation import active_language

DEFAULT_MONTHS = 12
MAX_MONTHS = 60
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


class MonthField(forms.CharField):
    """A month as YYYY-MM (what `<input type="month">` sends), as its first day."""

    def to_python(self, value: Any) -> dt.date | None:
        text = super().to_python(value)
        if not text:
            return None
        match = _MONTH.match(text)
        if match is None or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 2100:
            raise forms.ValidationError(gettext_lazy("Enter a month as year-month, e.g. 2026-03."))
        return dt.date(int(match[1]), int(match[2]), 1)


def this_month(now: dt.datetime | None = None) -> dt.date:
    return numbers.month_of(now or timezone.now())


def months_back(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 - count
    return dt.date(index // 12, index % 12 + 1, 1)


class StatisticsForm(forms.Form):
    office = forms.ChoiceField(label=gettext_lazy("Office"), required=False)
    first = MonthField(
        label=gettext_lazy("From month"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-01"}),
    )
    last = MonthField(
        label=gettext_lazy("to month"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-12"}),
    )

    def __init__(self, *args: Any, offices: list[Office], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.offices = offices
        self.fields["office"].choices = [
            ("", _("All my offices") if len(offices) > 1 else offices[0].name if offices else ""),
            *((str(office.pk), office.name) for office in offices),
        ]
        now = this_month()
        self.initial.setdefault("last", now.strftime("%Y-%m"))
        self.initial.setdefault("first", months_back(now, DEFAULT_MONTHS - 1).strftime("%Y-%m"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        last = data.get("last") or this_month()
        first = data.get("first") or months_back(last, DEFAULT_MONTHS - 1)
        if "first" in self.errors or "last" in self.errors:
            return data
        if first > last:
            self.add_error("first", _("The first month must not be after the last."))
        elif len(numbers.months_between(first, last)) > MAX_MONTHS:
            self.add_error("first", _("Choose at most %(n)d months.") % {"n": MAX_MONTHS})
        data["first"], data["last"] = first, last
        raw = data.get("office") or ""
        data["office_row"] = next((o for o in self.offices if str(o.pk) == raw), None)
        return data


def _report(request: HttpRequest) -> tuple[StatisticsForm, Report | None]:
    """The form and the report it asks for; no report when the form has errors."""
    offices = list(offices_of(request.user))
    form = StatisticsForm(request.GET or None, offices=offices)
    if not form.is_bound:
        last = this_month()
        office, first = None, months_back(last, DEFAULT_MONTHS - 1)
    elif form.is_valid():
        office = form.cleaned_data["office_row"]
        first, last = form.cleaned_data["first"], form.cleaned_data["last"]
    else:
        return form, None
    report = build_report(request.user, offices=offices, office=office, first=first, last=last)
    return form, report


def _number(value: float, places: int = 0) -> str:
    return number_format(value, decimal_pos=places, use_l10n=True)


def duration_text(wait: dt.timedelta | None) -> str:
    if wait is None:
        return "–"
    hours = wait.total_seconds() / 3600
    if hours < 1:
        return _("%(n)s minutes") % {"n": _number(round(hours * 60))}
    if hours < 48:
        return _("%(n)s hours") % {"n": _number(hours, 1)}
    return _("%(n)s days") % {"n": _number(hours / 24, 1)}


def build_charts(report: Report) -> dict[str, charts.Chart]:
    months = [export.month_abbreviation(m) for m in report.months]
    years = [str(m.year) if i == 0 or m.month == 1 else "" for i, m in enumerate(report.months)]
    palette = [f"s{i % 8}" for i in range(len(report.offices))]
    per_month = charts.columns(
        months,
        [
            charts.Series(office, [report.per_month.value(m, office) for m in report.months], css)
            for office, css in zip(report.offices, palette, strict=True)
        ],
        stacked=True,
        sublabels=years,
    )
    fill = charts.columns(
        months,
        [
            charts.Series(
                _("fill rate"),
                [round((report.fill_per_month[m].rate or 0) * 100, 1) for m in report.months],
                "s0",
            )
        ],
        fmt=lambda v: f"{_number(v)} %",
        top=100,
        sublabels=years,
    )
    lang = active_language()
    top_languages = report.languages[:12]
    language_chart = charts.rows(
        [languages.display_name(row.code, lang) for row in top_languages],
        [
            charts.Series(_("requests"), [row.requests for row in top_languages], "s1"),
            charts.Series(_("active volunteers"), [row.volunteers for row in top_languages], "s2"),
        ],
    )
    hours = charts.columns(
        months,
        [charts.Series(_("hours"), [report.hours.value(m, "hours") for m in report.months], "s3")],
        fmt=lambda v: _number(v),
        sublabels=years,
    )
    declines = charts.rows(
        [export.reason_label(reason) for reason, _count in report.declines],
        [charts.Series(_("offers"), [n for _reason, n in report.declines], "s4")],
    )
    outcome_months = report.outcomes or numbers.outcomes_per_month([], months=report.months)
    outcome_chart = charts.columns(
        months,
        [
            charts.Series(
                export.result_label(result),
                [outcome_months.value(m, result) for m in report.months],
                f"s{i}",
            )
            for i, result in enumerate(numbers.OUTCOME_RESULTS)
        ],
        stacked=True,
        sublabels=years,
    )
    top_outcome_languages = (report.outcome_languages or [])[:12]
    outcome_language_chart = charts.rows(
        [languages.display_name(row.code, lang) for row in top_outcome_languages],
        [
            charts.Series(
                export.result_label(result),
                [row.count(result) for row in top_outcome_languages],
                f"s{i}",
            )
            for i, result in enumerate(numbers.OUTCOME_RESULTS[:4])
        ],
    )
    paid = report.allowances.per_month
    allowance_chart = charts.columns(
        months,
        [
            charts.Series(office, [paid.value(m, office) for m in report.months], css)
            for office, css in zip(paid.columns, [f"s{i % 8}" for i in range(99)], strict=False)
        ],
        stacked=True,
        fmt=lambda v: f"{_number(v)} €",
        sublabels=years,
    )
    top_paid = report.allowances.per_language[:12]
    allowance_language_chart = charts.rows(
        [languages.display_name(row.code, lang) for row in top_paid],
        [charts.Series(_("paid (€)"), [row.euros for row in top_paid], "s5")],
        fmt=lambda v: f"{_number(v)} €",
    )
    return {
        "allowances": allowance_chart,
        "allowance_languages": allowance_language_chart,
        "outcomes": outcome_chart,
        "outcome_languages": outcome_language_chart,
        "per_month": per_month,
        "fill": fill,
        "languages": language_chart,
        "hours": hours,
        "declines": declines,
    }


@require_GET
@staff_page
def statistics_page(request: HttpRequest) -> HttpResponse:
    form, report = _report(request)
    context: dict[str, Any] = {"form": form, "report": report}
    if report is not None:
        context.update(
            charts=build_charts(report),
            tables={name.replace("-", "_"): export.table(report, name) for name in export.TABLES},
            fill_rate=("–" if report.fill.rate is None else f"{_number(report.fill.rate * 100)} %"),
            time_to_fill=duration_text(report.fill.median_time_to_fill),
            total_hours=_number(report.total_hours, 1),
            query=request.GET.urlencode(),
            sms_price=_number(float(settings.SMS_PRICE_PER_SEGMENT), 3),
            sms_currency=settings.SMS_CURRENCY,
            first_label=export.month_label(report.months[0]),
            last_label=export.month_label(report.months[-1]),
        )
    return render(
        request,
        "requests/web/statistics.html",
        context,
        status=400 if report is None else 200,
    )


@require_GET
@staff_page
def statistics_csv(request: HttpRequest, table: str) -> HttpResponse:
    if table not in export.TABLES:
        raise Http404
    form, report = _report(request)
    if report is None:
        return render(
            request, "requests/web/statistics.html", {"form": form, "report": None}, status=400
        )
    data = export.table(report, table)
    first, last = report.months[0], report.months[-1]
    response = HttpResponse(export.to_csv(data), content_type="text/csv; charset=utf-8")
    filename = f"lotse-{table}-{first:%Y-%m}-{last:%Y-%m}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
