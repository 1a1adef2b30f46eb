"""A request's page and what staff do with it: next wave, ask by hand, cancel, complete.

The page shows the request and its offers wave by wave (sent, declined with the reason,
accepted, expired, withdrawn). That part is a live region: a volunteer's answer shows up
without a reload. Each action is a POST that makes one call to `requests.lifecycle` or
`requests.offers`; a refusal (e.g. "already filled") comes back as a message on the page.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from requests import calendar, fitting, lifecycle
from requests.errors import RequestError
from requests.models import Offer, Request
from requests.web import deliveries, display, live, outcome_pages
from requests.web.forms import DetailsForm, HoursForm, MatchingForm, default_hours
from requests.web.guards import scoped_request, staff_page
from volunteers.models import Volunteer


class SeeOther(HttpResponseRedirect):
    """303: after a POST the browser GETs the page, and a reload repeats nothing."""

    status_code = 303


@dataclass(frozen=True)
class OfferLine:
    offer: Offer
    badge: display.Badge
    event: str
    delivery: deliveries.Delivery | None = None


@dataclass(frozen=True)
class Wave:
    number: int
    label: str
    lines: list[OfferLine]


@dataclass(frozen=True)
class Actions:
    offer: bool  # "Send offers" / "Next wave now"
    ask: bool  # who is asked, and the candidates to ask by hand
    cancel: bool
    complete: bool
    edit: bool  # kind, connection, address, note


def waves_of(request: Request, *, now: dt.datetime) -> list[Wave]:
    """The request's offers grouped by wave, waves in order, "by hand" (0) last."""
    grouped: dict[int, list[OfferLine]] = defaultdict(list)
    offers = list(request.offers.select_related("volunteer").order_by("wave", "pk"))
    delivered = deliveries.of(offers)
    for offer in offers:
        grouped[offer.wave].append(
            OfferLine(
                offer,
                display.offer_badge(offer),
                display.offer_event(offer, now=now),
                delivered.get(offer.pk),
            )
        )
    order = sorted(grouped, key=lambda wave: (wave == 0, wave))
    return [Wave(number, display.wave_label(number), grouped[number]) for number in order]


def actions_for(request: Request, *, now: dt.datetime) -> Actions:
    """What staff can still do with the request in its status: only what would work."""
    return Actions(
        offer=request.searching(now=now),
        ask=request.takes_offers(now=now),
        cancel=request.status in Request.GOING_AHEAD
        and (request.starts_at > now or request.status != Request.Status.FILLED),
        complete=request.status == Request.Status.FILLED and request.starts_at <= now,
        edit=request.status in Request.GOING_AHEAD and request.ends_at > now,
    )


def closed_text(request: Request, *, now: dt.datetime) -> str:
    """When and how the request ended: done, cancelled, or the search gave up."""
    when = display.moment_text(request.closed_at, now=now)
    if not when:
        return ""
    if request.status == Request.Status.COMPLETED:
        return _("Completed %(when)s.") % {"when": when}
    if request.status == Request.Status.CANCELLED:
        return _("Cancelled %(when)s.") % {"when": when}
    if request.status == Request.Status.UNFILLED:
        return _("Nobody left to ask since %(when)s.") % {"when": when}
    return ""


def empty_offers_text(request: Request, *, now: dt.datetime) -> str:
    """What the offers section says while there are none, true for the request's status."""
    if request.status == Request.Status.CANCELLED:
        return _("No offers were sent.")
    if request.status == Request.Status.UNFILLED:
        return _("Nobody was asked: nobody met every condition of this request.")
    if (
        request.status == Request.Status.OPEN
        and request.auto_offer
        and request.starts_at > now
        and not request.offer_problem
    ):
        return _("No offers yet. The workers send the first wave in a moment.")
    return _("No offers yet.")


def _summary(need: Request) -> str:
    return _("Status: %(status)s. %(taken)d of %(needed)d places taken.") % {
        "status": need.get_status_display(),
        "taken": need.accepted_count,
        "needed": need.volunteers_needed,
    }


def _detail_region(request: HttpRequest, need: Request) -> dict[str, Any]:
    now = timezone.now()
    actions = actions_for(need, now=now)
    looking = need.status in Request.TAKES_OFFERS
    context = {
        "need": need,
        "badge": display.request_badge(need),
        "urgent": display.is_urgent(need, now=now),
        "waves": waves_of(need, now=now),
        "actions": actions,
        "filled_at": display.moment_text(need.filled_at, now=now),
        "closed_text": closed_text(need, now=now),
        "next_wave_at": display.moment_text(need.next_wave_at, now=now) if actions.offer else "",
        "over_unfilled": looking and need.starts_at <= now,
        "empty_text": empty_offers_text(need, now=now),
    }
    return live.region(
        request,
        region_id="offers",
        url=reverse("staff-request-live", args=[need.pk]),
        template="requests/web/_request_live.html",
        context=context,
        # Answers come in while offers are out: show an accept within a second or two.
        fast=actions.offer,
    )


@require_GET
@staff_page
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need = scoped_request(request.user, pk)
    now = timezone.now()
    return render(
        request,
        "requests/web/request_detail.html",
        {
            "need": need,
            "title": calendar.title(need),
            "when": display.span_text(need.starts_at, need.ends_at, now=now),
            "place": calendar.place_text(need),
            "languages": calendar.language_names(need),
            "created_at": display.moment_text(need.created_at, now=now),
            "actions": actions_for(need, now=now),
            "matching_form": MatchingForm.of(need),
            "details_form": DetailsForm.of(need),
            "live": _detail_region(request, need),
            "outcome_lines": outcome_pages.lines(need, now=now),
        },
    )


@require_GET
@staff_page
def request_live(request: HttpRequest, pk: int) -> HttpResponse:
    need = scoped_request(request.user, pk)
    return live.poll_response(request, live=_detail_region(request, need), announce=_summary(need))


def _back(pk: int) -> SeeOther:
    return SeeOther(reverse("staff-request", args=[pk]))


@require_POST
@staff_page
def request_next_wave(request: HttpRequest, pk: int) -> HttpResponse:
    need = scoped_request(request.user, pk)
    try:
        lifecycle.request_next_wave(request=need)
    except RequestError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The next wave of offers will be sent shortly."))
    return _back(pk)


@require_POST
@staff_page
def request_ask(request: HttpRequest, pk: int) -> HttpResponse:
    """Offer the request to one volunteer by hand (from the candidates or a profile)."""
    need = scoped_request(request.user, pk)
    raw = request.POST.get("volunteer", "")
    volunteer = (
        Volunteer.objects.not_erased().filter(pk=int(raw)).first() if raw.isdigit() else None
    )
    if volunteer is None:
        messages.error(request, _("There is no such volunteer."))
        return _back(pk)
    return ask_by_hand(
        request,
        need=need,
        volunteer=volunteer,
        field="volunteer",
        action=reverse("staff-request-ask", args=[pk]),
        back=reverse("staff-request", args=[pk]),
    )


def ask_by_hand(
    request: HttpRequest, *, need: Request, volunteer: Volunteer, field: str, action: str, back: str
) -> HttpResponse:
    """Offer `need` to `volunteer` if they fit (`fitting.offer_checked`), then show the request.

    What rules the person out comes back as a message on `back`; what is soft is a page that
    names it and posts `field` again to `action` with the confirmation.
    """
    try:
        fitting.offer_checked(
            request=need, volunteer=volunteer, confirm=request.POST.get("confirm") == "1"
        )
    except fitting.MismatchError as exc:
        if exc.code != "confirm":
            messages.error(request, exc.message)
            return SeeOther(back)
        return render(
            request,
            "requests/web/ask_confirm.html",
            {
                "need": need,
                "title": calendar.title(need),
                "when": display.span_text(need.starts_at, need.ends_at),
                "volunteer": volunteer,
                "fit": exc.fit,
                "field": field,
                "value": need.pk if field == "request" else volunteer.pk,
                "action": action,
                "back": back,
            },
        )
    except RequestError as exc:
        messages.error(request, exc.message)
        return SeeOther(back)
    messages.success(
        request, _("%(name)s has been asked; the email is on its way.") % {"name": volunteer.name}
    )
    return _back(need.pk)


@require_POST
@staff_page
def request_matching(request: HttpRequest, pk: int) -> HttpResponse:
    """Who a request asks: exact matches only, and the least language level."""
    need = scoped_request(request.user, pk)
    form = MatchingForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
        return _back(pk)
    try:
        lifecycle.update_request(request=need, data=form.changes())
    except RequestError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Saved: the next offers ask accordingly."))
    return _back(pk)


@require_POST
@staff_page
def request_details(request: HttpRequest, pk: int) -> HttpResponse:
    """The kind, how to connect, the address and the note of a request not yet over."""
    need = scoped_request(request.user, pk)
    if not actions_for(need, now=timezone.now()).edit:
        messages.error(request, _("This request is closed and can no longer be changed."))
        return _back(pk)
    form = DetailsForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
        return _back(pk)
    try:
        lifecycle.update_request(request=need, data=form.changes())
    except RequestError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
    else:
        messages.success(request, _("Saved."))
    return _back(pk)


@require_http_methods(["GET", "POST"])
@staff_page
def request_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    need = scoped_request(request.user, pk)
    if request.method == "POST":
        try:
            lifecycle.cancel_request(request=need)
        except RequestError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("The request is cancelled. Volunteers who had accepted are told by email."),
            )
        return _back(pk)
    return render(
        request,
        "requests/web/request_cancel.html",
        {
            "need": need,
            "title": calendar.title(need),
            "when": display.span_text(need.starts_at, need.ends_at),
            "accepted": need.offers.filter(status=Offer.Status.ACCEPTED).count(),
            "open_offers": need.offers.filter(status__in=Offer.OPEN).count(),
        },
    )


@require_http_methods(["GET", "POST"])
@staff_page
def request_complete(request: HttpRequest, pk: int) -> HttpResponse:
    need = scoped_request(request.user, pk)
    people = list(
        need.offers.filter(status=Offer.Status.ACCEPTED)
        .order_by("volunteer__name", "pk")
        .values_list("volunteer_id", "volunteer__name")
    )
    form = HoursForm(
        request.POST if request.method == "POST" else None,
        people=people,
        default=default_hours(need),
    )
    if request.method == "POST" and form.is_valid():
        try:
            lifecycle.complete_request(request=need, hours=form.hours())
        except RequestError as exc:
            messages.error(request, exc.message)
            return _back(pk)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Done: the request is complete and the hours recorded."))
            return _back(pk)
    return render(
        request,
        "requests/web/request_complete.html",
        {
            "need": need,
            "title": calendar.title(need),
            "when": display.span_text(need.starts_at, need.ends_at),
            "form": form,
            "can_complete": actions_for(need, now=timezone.now()).complete,
        },
        status=400 if form.is_bound and form.errors else 200,
    )
