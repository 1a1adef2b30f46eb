"""The staff pages that show ranked candidates: the new-request form and a request's candidates.

They live here, not in `requests/web/`, because `matching` sits above `requests`: a page that
ranks uses both, and `requests` never imports `matching`.

- New request: the form (`requests.web.forms.RequestForm`) with the candidates beside it. htmx
  posts the form to `new_request_candidates` as staff type and swaps the list in; without
  JavaScript the "Check and show candidates" button does the same with a full page. "Send offers"
  saves the request with automatic offers (the workers send the first wave); "Ask this person"
  saves it without and offers it to that one volunteer; "Save without offers" just saves.
- A saved request's candidates: the same list with "Ask" buttons that post to the request's
  ask action; a full page, or just the list when htmx asks for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

import matching
from matching import drafts, features, funnel, ranking
from matching.scoring import Match
from requests import calendar, fitting, lifecycle
from requests.errors import RequestError
from requests.models import Request
from requests.web.forms import RequestForm
from requests.web.guards import offices_of, scoped_request, staff_page
from requests.web.request_pages import SeeOther
from volunteers.models import Volunteer

DRAFT_LIMIT = 10
REQUEST_LIMIT = 20


@dataclass(frozen=True)
class Candidate:
    match: Match
    name: str
    district: str

    @property
    def chance_percent(self) -> int:
        return round(self.match.p_accept * 100)

    @property
    def tier_name(self) -> str:
        """`exact`, `outside_times` or `beyond_limit`, as the API says (and the CSS class)."""
        return ranking.TIER_NAMES[self.match.tier]

    @property
    def tier_label(self) -> str:
        if self.match.tier == features.EXACT:
            return _("fits exactly")
        if self.match.tier == features.OUTSIDE_TIMES:
            return _("outside their usual times")
        return _("beyond their limit")


@dataclass(frozen=True)
class Tiers:
    """The candidates per tier, as one line for staff: "12 fit exactly · 9 outside …"."""

    counts: ranking.TierCounts
    exact_only: bool

    @property
    def parts(self) -> list[str]:
        counts = self.counts
        parts = [
            ngettext("%(count)d fits exactly", "%(count)d fit exactly", counts.exact)
            % {"count": counts.exact}
        ]
        if counts.outside_times:
            parts.append(_("%(count)d outside their usual times") % {"count": counts.outside_times})
        if counts.beyond_limit:
            parts.append(_("%(count)d beyond their limit") % {"count": counts.beyond_limit})
        return parts

    @property
    def text(self) -> str:
        return " · ".join(self.parts)


def _tiers(need: Request | drafts.DraftRequest) -> Tiers:
    # One count query beside the list: the list may hold the exact tier only.
    return Tiers(ranking.tier_counts(need), exact_only=bool(need.exact_only))  # type: ignore[arg-type]


def _candidates(matches: list[Match]) -> list[Candidate]:
    ids = [match.volunteer_id for match in matches]
    people = {
        pk: (name, district)
        for pk, name, district in Volunteer.objects.filter(pk__in=ids).values_list(
            "pk", "name", "district"
        )
    }
    return [Candidate(match, *people.get(match.volunteer_id, ("", ""))) for match in matches]


def _draft_context(form: RequestForm) -> dict[str, Any]:
    """The candidates for what the form holds so far, or why there are none yet."""
    if not form.is_bound or not form.rankable():
        missing, wrong = form.not_rankable_yet()
        return {"candidates": None, "missing": missing, "wrong": wrong}
    draft = drafts.draft_from(form.cleaned_data)
    found = _candidates(drafts.rank_draft(draft, limit=DRAFT_LIMIT))
    # Nobody: which condition rules the last person out (a few counts, only then).
    return {
        "candidates": found,
        "tiers": _tiers(draft) if found else None,
        "funnel": None if found else funnel.funnel(draft),
    }


@require_http_methods(["GET", "POST"])
@staff_page
def new_request(request: HttpRequest) -> HttpResponse:
    offices = offices_of(request.user)
    form = RequestForm(request.POST if request.method == "POST" else None, offices=offices)
    if request.method == "GET":
        return render(request, "matching/new_request.html", {"form": form, **_draft_context(form)})
    action = request.POST.get("action", "check")
    # "Ask this person", or the same after confirming what is soft about them.
    confirmed = request.POST.get("ask_confirmed", "")
    ask = confirmed or request.POST.get("ask", "")
    soft = None
    if form.is_valid() and (action in {"offers", "save"} or ask):
        try:
            created = _create(
                request,
                form,
                auto_offer=action == "offers" and not ask,
                ask=ask,
                confirm=bool(confirmed),
            )
        except fitting.MismatchError as exc:
            created, soft = None, exc
        if created is not None:
            return SeeOther(reverse("staff-request", args=[created]))
    # A check shows what is still missing; a question to confirm is no refusal; anything else
    # that lands here was refused.
    checked = action == "check" and not ask
    return render(
        request,
        "matching/new_request.html",
        {
            "form": form,
            **_draft_context(form),
            "checked": checked,
            "confirm_ask": _confirmation(soft, ask),
        },
        status=200 if checked or soft is not None else 400,
    )


def _confirmation(soft: fitting.MismatchError | None, ask: str) -> dict[str, Any] | None:
    if soft is None:
        return None
    return {"volunteer_id": ask, "message": soft.message, "fit": soft.fit}


def _create(
    request: HttpRequest, form: RequestForm, *, auto_offer: bool, ask: str, confirm: bool
) -> int | None:
    """Save the request (and the offer by hand); the id, or None with the form's errors.

    A person who fits only softly, without `confirm`: nothing is saved and MismatchError
    ("confirm") tells the page to ask.
    """
    volunteer = None
    if ask:
        volunteer = (
            Volunteer.objects.not_erased().filter(pk=int(ask)).first() if ask.isdigit() else None
        )
        if volunteer is None:
            form.add_error(None, _("There is no such volunteer."))
            return None
    try:
        with transaction.atomic():
            created = lifecycle.create_request(
                created_by=request.user, auto_offer=auto_offer, **form.create_kwargs()
            )
            if volunteer is not None:
                # The saved request is the draft the person was ranked for: the same fit.
                fitting.offer_checked(request=created, volunteer=volunteer, confirm=confirm)
    except fitting.MismatchError as exc:
        if exc.code == "confirm":
            raise
        form.add_error(None, exc.message)
        return None
    except RequestError as exc:
        form.add_error(None, exc.message)
        return None
    except ValidationError as exc:
        form.add_domain_errors(exc)
        return None
    if volunteer is not None:
        messages.success(
            request,
            _("The request is saved and %(name)s has been asked; the email is on its way.")
            % {"name": volunteer.name},
        )
    elif auto_offer:
        messages.success(
            request, _("The request is saved. The workers are sending the first offers.")
        )
    else:
        messages.success(request, _("The request is saved. No offers have been sent."))
    return created.pk


@require_POST
@staff_page
def new_request_candidates(request: HttpRequest) -> HttpResponse:
    """The candidates for the form as it is now (htmx, while staff fill it in)."""
    form = RequestForm(request.POST, offices=offices_of(request.user))
    form.is_valid()
    return render(request, "matching/_draft_candidates.html", _draft_context(form))


@require_GET
@staff_page
def request_candidates(request: HttpRequest, pk: int) -> HttpResponse:
    """The ranked candidates of a saved request, with a button to ask each one."""
    need = scoped_request(request.user, pk)
    if not need.takes_offers(now=timezone.now()):
        # Filled, closed or begun meanwhile (the list reloads as the status changes).
        if not request.htmx:
            return SeeOther(reverse("staff-request", args=[pk]))
        return render(request, "matching/_no_more_candidates.html", {"need": need})
    found = _candidates(matching.rank(need, limit=REQUEST_LIMIT))
    context = {
        "need": need,
        "title": calendar.title(need),
        "candidates": found,
        "tiers": _tiers(need) if found else None,
        "funnel": None if found else funnel.funnel(need),
        "asked_before": not found and need.offers.exists(),
    }
    if request.htmx:
        return render(request, "matching/_request_candidates.html", context)
    return render(request, "matching/request_candidates.html", context)
