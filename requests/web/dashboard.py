"""The office dashboard and the coordinators' view across offices.

The dashboard lists today's and the coming requests of the caller's offices in three groups:
those still looking for volunteers (soonest first, so the near deadlines lead), those filled, and
those whose appointment is over but not yet marked done. The groups are a live region: their
badges follow the workers and the volunteers' answers without a reload.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from requests import calendar
from requests.models import Offer, Office, Request, StaffMember
from requests.web import display, live, outcome_pages
from requests.web.guards import offices_of, requests_of, staff_page

# How many of a note's words a dashboard card shows.
NOTE_WORDS = 8

# Filled requests whose appointment is over wait this long at most for their hours.
COMPLETE_WITHIN = dt.timedelta(days=60)


@dataclass(frozen=True)
class Row:
    request: Request
    title: str
    when: str
    badge: display.Badge
    urgent: bool
    offers_open: int
    declined: int

    @property
    def note_start(self) -> str:
        """The note's first words, to tell similar requests apart on a card."""
        words = self.request.note.split()
        return " ".join(words[:NOTE_WORDS]) + (" …" if len(words) > NOTE_WORDS else "")


@dataclass
class Board:
    looking: list[Row] = field(default_factory=list)
    filled: list[Row] = field(default_factory=list)
    to_complete: list[Row] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.looking or self.filled or self.to_complete)


def _with_counts(requests: QuerySet[Request]) -> QuerySet[Request]:
    return requests.select_related("kind", "office").annotate(
        offers_open=Count("offers", filter=Q(offers__status__in=Offer.OPEN)),
        declined=Count("offers", filter=Q(offers__status=Offer.Status.DECLINED)),
    )


def _row(request: Request, *, now: dt.datetime) -> Row:
    return Row(
        request=request,
        title=calendar.title(request),
        when=display.span_text(request.starts_at, request.ends_at, now=now),
        badge=display.request_badge(request),
        urgent=display.is_urgent(request, now=now),
        offers_open=getattr(request, "offers_open", 0),
        declined=getattr(request, "declined", 0),
    )


def board(requests: QuerySet[Request], *, now: dt.datetime) -> Board:
    """Group `requests` (already scoped) for the dashboard, in two queries."""
    upcoming = _with_counts(
        requests.filter(starts_at__gt=now, status__in=Request.GOING_AHEAD)
    ).order_by("starts_at", "pk")
    result = Board()
    for request in upcoming:
        group = result.filled if request.status == Request.Status.FILLED else result.looking
        group.append(_row(request, now=now))
    over = _with_counts(
        requests.filter(
            status=Request.Status.FILLED,
            starts_at__lte=now,
            starts_at__gte=now - COMPLETE_WITHIN,
        )
    ).order_by("starts_at", "pk")
    result.to_complete = [_row(request, now=now) for request in over]
    return result


def _chosen_office(request: HttpRequest) -> tuple[list[Office], Office | None]:
    """The caller's offices and the one picked in `?office=` (None: all of them).

    An office the caller does not work for is a 404, as on every other page.
    """
    offices = list(offices_of(request.user))
    raw = request.GET.get("office", "").strip()
    if not raw:
        return offices, None
    chosen = next((office for office in offices if str(office.pk) == raw), None)
    if chosen is None:
        raise Http404
    return offices, chosen


def _board_region(request: HttpRequest) -> dict[str, Any]:
    offices, chosen = _chosen_office(request)
    scoped = requests_of(request.user)
    if chosen is not None:
        scoped = scoped.filter(office=chosen)
    now = timezone.now()
    url = reverse("staff-dashboard-live")
    if chosen is not None:
        url += f"?office={chosen.pk}"
    grouped = board(scoped, now=now)
    context = {
        "board": grouped,
        "show_office": len(offices) > 1 and chosen is None,
    }
    return {
        "offices": offices,
        "chosen": chosen,
        "live": live.region(
            request,
            region_id="board",
            url=url,
            template="requests/web/_board.html",
            context=context,
            # Offers out somewhere: an accept should show within a second or two.
            fast=any(row.request.status == Request.Status.OFFERING for row in grouped.looking),
        ),
    }


PAST_PAGE_SIZE = 50


@staff_page
def past_requests(request: HttpRequest) -> HttpResponse:
    """Requests whose appointment has begun, newest first; `?unfilled=1`: those that never
    got all their volunteers (still looking, or nobody found, when the time came)."""
    offices, chosen = _chosen_office(request)
    scoped = requests_of(request.user)
    if chosen is not None:
        scoped = scoped.filter(office=chosen)
    now = timezone.now()
    past = scoped.filter(starts_at__lte=now)
    unfilled = request.GET.get("unfilled") == "1"
    if unfilled:
        past = past.filter(status__in=Request.TAKES_OFFERS)
    page = Paginator(_with_counts(past).order_by("-starts_at", "-pk"), PAST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "requests/web/past.html",
        {
            "offices": offices,
            "chosen": chosen,
            "unfilled": unfilled,
            "page": page,
            "rows": [_row(need, now=now) for need in page.object_list],
            "show_office": len(offices) > 1 and chosen is None,
        },
    )


@staff_page
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "requests/web/dashboard.html",
        {**_board_region(request), "talk_flags": outcome_pages.talk_flags(request.user)},
    )


@staff_page
def dashboard_live(request: HttpRequest) -> HttpResponse:
    region = _board_region(request)
    return live.poll_response(
        request, live=region["live"], announce=_("The list of requests has been updated.")
    )


@dataclass(frozen=True)
class OfficeFigures:
    office: Office
    looking: int
    urgent: int
    unfilled: int
    filled_upcoming: int
    to_complete: int
    done_30_days: int


def office_figures(*, offices: list[Office], now: dt.datetime) -> list[OfficeFigures]:
    """Per office: what is open now and what got done lately, in one query."""
    soon = now + display.URGENT_WITHIN
    looking = Request.taking_offers_q(now=now)
    counts = (
        Request.objects.filter(office__in=offices)
        .values("office")
        .annotate(
            looking=Count("pk", filter=looking),
            urgent=Count("pk", filter=looking & Q(starts_at__lte=soon)),
            unfilled=Count("pk", filter=Q(status=Request.Status.UNFILLED, starts_at__gt=now)),
            filled_upcoming=Count("pk", filter=Q(status=Request.Status.FILLED, starts_at__gt=now)),
            to_complete=Count(
                "pk",
                filter=Q(
                    status=Request.Status.FILLED,
                    starts_at__lte=now,
                    starts_at__gte=now - COMPLETE_WITHIN,
                ),
            ),
            done_30_days=Count(
                "pk",
                filter=Q(
                    status=Request.Status.COMPLETED,
                    starts_at__gte=now - dt.timedelta(days=30),
                ),
            ),
        )
        .order_by()
    )
    by_office = {row.pop("office"): row for row in counts}
    empty = dict.fromkeys(
        ("looking", "urgent", "unfilled", "filled_upcoming", "to_complete", "done_30_days"), 0
    )
    return [OfficeFigures(office=office, **by_office.get(office.pk, empty)) for office in offices]


@staff_page
def coordination(request: HttpRequest) -> HttpResponse:
    """Every office at a glance; for coordinators only (others: 404, as for any hidden page)."""
    member = StaffMember.of(request.user)
    if member is None or not member.is_coordinator:
        raise Http404
    now = timezone.now()
    figures = office_figures(offices=list(offices_of(request.user)), now=now)
    urgent = [
        _row(row, now=now)
        for row in _with_counts(
            requests_of(request.user).filter(
                Request.taking_offers_q(now=now), starts_at__lte=now + display.URGENT_WITHIN
            )
        ).order_by("starts_at", "pk")
    ]
    return render(
        request,
        "requests/web/coordination.html",
        {"figures": figures, "urgent": urgent},
    )
