"""The staff page of payout lists: one office and month, per volunteer, with the CSV and, for
coordinators, the decisions about entries over the yearly cap (`requests.allowances`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from requests import allowances
from requests.access import scope_to_offices
from requests.errors import RequestError
from requests.models import AllowanceEntry, AllowanceRule, Office
from requests.web.guards import offices_of, staff_page
from requests.web.statistics_pages import MonthField, this_month


class PayoutForm(forms.Form):
    office = forms.ChoiceField(label=gettext_lazy("Office"))
    month = MonthField(
        label=gettext_lazy("Month"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-03"}),
    )

    def __init__(self, *args: Any, offices: list[Office], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.offices = offices
        self.fields["office"].choices = [(str(o.pk), o.name) for o in offices]


def euros(cents: int) -> str:
    """Cents as the page shows money: "1.234,50 €" in German."""
    from django.utils.formats import number_format

    return f"{number_format(cents / 100, decimal_pos=2, use_l10n=True, force_grouping=True)} €"


@require_GET
@staff_page
def payouts_page(request: HttpRequest) -> HttpResponse:
    offices = list(offices_of(request.user))
    data = request.GET.copy()
    if offices and "office" not in data:
        data["office"] = str(offices[0].pk)
    form = PayoutForm(data, offices=offices)
    context: dict[str, Any] = {"form": form, "coordinator": allowances.is_coordinator(request.user)}
    if not offices or not form.is_valid():
        return render(request, "requests/allowances/payouts.html", context, status=400)
    office = next(o for o in offices if str(o.pk) == form.cleaned_data["office"])
    month = form.cleaned_data["month"] or this_month()
    payout = allowances.payout_list(office=office, month=month)
    rule = AllowanceRule.objects.filter(office=office).first()
    query = {"office": office.pk, "month": f"{month:%Y-%m}"}
    context.update(
        payout=payout,
        rule=rule,
        rows=[
            {
                "row": row,
                "allowance": euros(row.allowance_cents),
                "travel": euros(row.travel_cents),
                "amount": euros(row.amount_cents),
                "waiting": euros(row.waiting_cents),
                "year_to_date": euros(row.year_to_date_cents),
                "waiting_entries": [
                    (e, euros(e.computed_cents))
                    for e in row.entries
                    if e.status == AllowanceEntry.Status.OVER_CAP
                ],
            }
            for row in payout.rows
        ],
        total=euros(payout.amount_cents),
        total_waiting=euros(payout.waiting_cents),
        cap=euros(payout.year_cap_cents),
        # The rule's amounts as money, as the rest of the page shows it.
        rates={
            "flat": euros(rule.flat_cents) if rule else "",
            "hourly": euros(rule.hourly_cents) if rule else "",
            "km": euros(rule.km_cents) if rule else "",
        },
        csv_url=f"{reverse('allowance-list')}?{urlencode({**query, 'format': 'csv'})}",
        back=f"{reverse('staff-allowances')}?{urlencode(query)}",
    )
    return render(request, "requests/allowances/payouts.html", context)


@require_POST
@staff_page
def decide_entry(request: HttpRequest, pk: int) -> HttpResponse:
    entries = scope_to_offices(AllowanceEntry.objects.all(), request.user)
    entry = get_object_or_404(entries, pk=pk)
    try:
        allowances.decide(entry=entry, by=request.user, decision=request.POST.get("decision", ""))
    except (ValidationError, RequestError) as exc:
        messages.error(request, getattr(exc, "message", None) or " ".join(exc.messages))
    else:
        messages.success(request, _("The decision is recorded."))
    query = urlencode({"office": entry.office_id, "month": f"{entry.service_date:%Y-%m}"})
    return redirect(f"{reverse('staff-allowances')}?{query}")
