"""What became of a request's assignments, on its page: the check-ins and the office's
confirmation (hours, travel, who did not come), and the quiet "would like to talk" flag.

Staff confirm or correct an outcome on its own small form (`outcome_edit`), which makes one call
to `requests.outcomes.confirm`; the change goes into the audit trail with its fields. The flags
show on the request's page and on the dashboard (`talk_flags`), never in an email.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from requests import calendar, outcomes
from requests.access import scope_to_offices
from requests.errors import RequestError
from requests.models import Offer, Outcome, Request
from requests.pages import SeeOther
from requests.web import display
from requests.web.guards import scoped_request, staff_page


@dataclass(frozen=True)
class OutcomeLine:
    """One accepted volunteer of a request whose appointment has begun, and their outcome."""

    offer: Offer
    outcome: Outcome | None
    state: str

    @property
    def ticket_euros(self) -> Decimal | None:
        cents = self.outcome.ticket_cents if self.outcome else None
        return None if cents is None else Decimal(cents) / 100


def _state(outcome: Outcome | None, *, now: dt.datetime) -> str:
    """In words: where the check-in stands."""
    if outcome is None or (outcome.sent_at is None and not outcome.result):
        if outcome is not None and outcome.failed_at is not None:
            return _("check-in not delivered")
        return _("check-in not sent yet")
    if outcome.confirmed_at is not None:
        when = display.moment_text(outcome.confirmed_at, now=now)
        return _("confirmed %(when)s") % {"when": when}
    if outcome.result:
        return _("answered %(when)s, not confirmed yet") % {
            "when": display.moment_text(outcome.answered_at, now=now)
        }
    if outcome.failed_at is not None:
        return _("reminder not delivered")
    if outcome.reminded_at is not None:
        return _("no answer, reminded %(when)s") % {
            "when": display.moment_text(outcome.reminded_at, now=now)
        }
    return _("no answer yet, asked %(when)s") % {
        "when": display.moment_text(outcome.sent_at, now=now)
    }


def lines(request: Request, *, now: dt.datetime | None = None) -> list[OutcomeLine]:
    """The request's accepted volunteers with their outcomes, once the appointment has begun
    (empty before, and for a cancelled request)."""
    now = now or timezone.now()
    if request.starts_at > now or request.status == Request.Status.CANCELLED:
        return []
    accepted = (
        request.offers.filter(status=Offer.Status.ACCEPTED)
        .select_related("volunteer", "outcome")
        .order_by("volunteer__name", "pk")
    )
    result = []
    for offer in accepted:
        outcome = getattr(offer, "outcome", None)
        result.append(OutcomeLine(offer, outcome, _state(outcome, now=now)))
    return result


def talk_flags(user: Any) -> list[Outcome]:
    """The outcomes of the user's offices whose volunteer would like to talk, oldest first."""
    return list(
        scope_to_offices(outcomes.wants_to_talk(), user, office_field="offer__request__office")
        .select_related("volunteer", "offer__request__skill", "offer__request__office")
        .order_by("answered_at", "pk")[:50]
    )


class OutcomeForm(forms.Form):
    """What staff confirm: the result, hours, and travel (km, or a ticket in euro)."""

    result = forms.ChoiceField(label=gettext_lazy("What happened"), choices=Outcome.Result.choices)
    hours = forms.CharField(label=gettext_lazy("Hours"), required=False, max_length=10)
    km = forms.CharField(label=gettext_lazy("Travel (km)"), required=False, max_length=10)
    ticket_euros = forms.CharField(
        label=gettext_lazy("Ticket (euro)"), required=False, max_length=10
    )

    @classmethod
    def initial_for(cls, outcome: Outcome, offer: Offer) -> dict[str, Any]:
        hours = outcome.hours
        if hours is None and offer.hours is not None:
            hours = offer.hours  # given when the request was completed
        if hours is None:
            hours = outcomes.planned_hours(offer.request)
        return {
            "result": outcome.result or Outcome.Result.TOOK_PLACE,
            "hours": _plain(hours),
            "km": _plain(outcome.km),
            "ticket_euros": _plain(
                None if outcome.ticket_cents is None else Decimal(outcome.ticket_cents) / 100
            ),
        }


def _plain(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value.normalize():f}"


def _offer_of(request: HttpRequest, pk: int, offer_id: int) -> tuple[Request, Offer]:
    need = scoped_request(request.user, pk)
    offer = need.offers.select_related("volunteer").filter(pk=offer_id).first()
    if offer is None:
        raise Http404
    offer.request = need
    return need, offer


@require_http_methods(["GET", "POST"])
@staff_page
def outcome_edit(request: HttpRequest, pk: int, offer_id: int) -> HttpResponse:
    """Confirm or correct one volunteer's outcome."""
    need, offer = _offer_of(request, pk, offer_id)
    try:
        outcome = outcomes.outcome_of(offer=offer)
    except RequestError as exc:
        messages.error(request, exc.message)
        return SeeOther(reverse("staff-request", args=[pk]))
    form = OutcomeForm(
        request.POST if request.method == "POST" else None,
        initial=OutcomeForm.initial_for(outcome, offer),
    )
    if request.method == "POST" and form.is_valid():
        try:
            euros = outcomes.ticket_cents_of_euros(form.cleaned_data["ticket_euros"])
            outcomes.confirm(
                outcome=outcome,
                by=request.user,
                result=form.cleaned_data["result"],
                hours=form.cleaned_data["hours"],
                km=form.cleaned_data["km"],
                ticket_cents=euros,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            saved = _("Saved: the outcome for %(name)s is confirmed.")
            messages.success(request, saved % {"name": offer.volunteer.name})
            return SeeOther(reverse("staff-request", args=[pk]) + "#outcomes")
    return render(
        request,
        "requests/web/outcome_edit.html",
        {
            "need": need,
            "offer": offer,
            "outcome": outcome,
            "title": calendar.title(need),
            "when": display.span_text(need.starts_at, need.ends_at),
            "form": form,
            "reported": outcome.answered_at is not None,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@require_POST
@staff_page
def outcome_talked(request: HttpRequest, pk: int, offer_id: int) -> HttpResponse:
    """Someone has talked with the volunteer: the flag goes down."""
    _need, offer = _offer_of(request, pk, offer_id)
    outcome = Outcome.objects.filter(offer=offer).first()
    if outcome is not None:
        outcomes.talked(outcome=outcome)
        name = offer.volunteer.name
        messages.success(request, _("Noted: someone has talked with %(name)s.") % {"name": name})
    return SeeOther(reverse("staff-request", args=[pk]) + "#outcomes")
