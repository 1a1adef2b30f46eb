"""The volunteer's engagement page behind their personal link (certificate download, their
allowances this year) and the public page that verifies a certificate's code."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from requests import allowances, certificates
from requests.models import AllowanceEntry
from requests.web.allowance_pages import euros
from volunteers.models import PersonalToken
from volunteers.views.selfservice import _urls, personal_link

TEMPLATES = "requests/certificate/"


class PeriodForm(forms.Form):
    first = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    last = forms.DateField(label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.initial.setdefault("first", dt.date(today.year, 1, 1).isoformat())
        self.initial.setdefault("last", today.isoformat())


def _allowances(volunteer_id: int) -> dict[str, Any]:
    year = timezone.localdate().year
    counted = allowances.year_to_date(volunteer_id=volunteer_id, year=year)
    cap = allowances.cap_for(year)
    waiting = allowances.waiting_for(volunteer_id=volunteer_id)
    return {
        "year": year,
        "year_to_date": euros(counted),
        "cap": euros(cap),
        "over": counted > cap or bool(waiting),
        "waiting": [(e, euros(e.computed_cents)) for e in waiting],
        "has_entries": AllowanceEntry.objects.filter(volunteer_id=volunteer_id).exists(),
    }


@require_http_methods(["GET", "HEAD", "POST"])
@personal_link
def engagement(request: HttpRequest, token: str, link: PersonalToken) -> HttpResponse:
    volunteer = link.volunteer
    form = PeriodForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            certificate = certificates.issue(
                volunteer=volunteer,
                first=form.cleaned_data["first"],
                last=form.cleaned_data["last"],
            )
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    form.add_error(name if name in form.fields else None, message)
        else:
            pdf = certificates.render_pdf(certificate=certificate, name=volunteer.name)
            response = HttpResponse(pdf, content_type="application/pdf")
            name = f"engagementnachweis-{certificate.first_date}-{certificate.last_date}.pdf"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
    context = {
        "volunteer": volunteer,
        "urls": _urls(token),
        "form": form,
        **_allowances(volunteer.pk),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, TEMPLATES + "engagement.html", context, status=status)


@require_GET
@never_cache
def verify(request: HttpRequest, code: str) -> HttpResponse:
    certificate = certificates.resolve(code)
    if certificate is None:
        return render(request, TEMPLATES + "verify_refused.html", status=404)
    name = request.GET.get("name", "").strip()[:200]
    context = {
        "certificate": certificate,
        "code": certificates.code_of(certificate),
        "hours": certificates.hours_text(certificate.hours),
        "language_names": certificates.language_names(certificate),
        "name": name,
        "name_matches": certificates.name_matches(certificate, name) if name else None,
    }
    response = render(request, TEMPLATES + "verify.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
