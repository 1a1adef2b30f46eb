"""The volunteer directory for staff, with the API's filters, and a volunteer's profile.

Volunteers serve the whole network, so the directory itself is not scoped by office (as in the
API). What a volunteer did for requests is: the profile lists the tasks done for the caller's
offices and only counts those of other offices.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from requests import calendar, fitting
from requests.access import scope_to_offices
from requests.models import Offer, Request
from requests.web import display
from requests.web.forms import berlin_moment, language_choices
from requests.web.guards import requests_of, scoped_request, staff_page
from requests.web.request_pages import SeeOther, ask_by_hand
from volunteers import audit, directory, languages, places
from volunteers.filters import VolunteerFilter
from volunteers.models import Level, Skill, Volunteer
from volunteers.places import BERLIN
from volunteers.translation import active_language

PAGE_SIZE = 50
RECENT_TASKS = 10
# The week grid's rows: whole hours from 06:00 to 22:00.
GRID_HOURS = range(6, 22)

# The page's field names that differ from the API's parameters, for the filter's messages.
PAGE_FIELD = {"available_at": "available_date"}


class DirectorySearchForm(forms.Form):
    """The directory's filters as menus; `filter_data()` gives `VolunteerFilter` its input."""

    search = forms.CharField(label=_("Name or email"), required=False, max_length=100)
    language = forms.ChoiceField(label=_("Speaks"), required=False)
    min_level = forms.ChoiceField(
        label=_("at least"), required=False, choices=[("", "–"), *Level.choices]
    )
    skill = forms.ChoiceField(
        label=pgettext_lazy("volunteer offers a skill", "Offers"), required=False
    )
    district = forms.ChoiceField(label=_("District"), required=False)
    postcode = forms.CharField(label=_("Postcode"), required=False, max_length=12)
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("everyone")), ("true", _("active today")), ("false", _("not active"))],
    )
    available_date = forms.DateField(
        label=_("Free on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    available_time = forms.TimeField(
        label=_("at"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = language_choices()
        self.fields["skill"].choices = [
            ("", "–"),
            *((skill.code, skill.name) for skill in Skill.objects.order_by("position", "code")),
        ]
        self.fields["district"].choices = [("", "–"), *((d, d) for d in places.DISTRICTS)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, clock = data.get("available_date"), data.get("available_time")
        if (day is None) != (clock is None) and not self.errors.get("available_date"):
            self.add_error("available_date", _("Give both the date and the time."))
        elif day is not None and clock is not None:
            moment = berlin_moment(day, clock)
            if moment is None:
                self.add_error(
                    "available_time",
                    _("The clocks go forward that night: this time does not exist on that day."),
                )
            data["available_at"] = moment
        return data

    def filter_data(self) -> dict[str, str]:
        data = self.cleaned_data
        given = {
            name: str(data[name]).strip()
            for name in ("search", "language", "min_level", "skill", "district", "postcode")
            if data.get(name)
        }
        if data.get("active"):
            given["active"] = data["active"]
        if data.get("available_at"):
            given["available_at"] = data["available_at"].isoformat()
        return given


@dataclass(frozen=True)
class DirectoryRow:
    volunteer: Volunteer
    languages: str
    skills: str
    status: str
    place: str  # the district in Dortmund, the town elsewhere; never the bare postcode


def _status_text(volunteer: Volunteer, today: dt.date) -> str:
    if volunteer.status == Volunteer.Status.ACTIVE and volunteer.is_paused_on(today):
        return str(_("paused until %(date)s")) % {
            "date": display.day_text(
                dt.datetime.combine(volunteer.paused_until, dt.time(12), tzinfo=BERLIN)
            )
        }
    return str(volunteer.get_status_display())


def _spoken(volunteer: Volunteer) -> list[tuple[str, str]]:
    lang = active_language()
    order = {level: i for i, level in enumerate(reversed(Level.values))}
    rows = sorted(volunteer.languages.all(), key=lambda row: (order[row.level], row.code))
    return [(languages.display_name(row.code, lang), str(row.get_level_display())) for row in rows]


def _row(volunteer: Volunteer, today: dt.date) -> DirectoryRow:
    return DirectoryRow(
        volunteer=volunteer,
        languages=", ".join(f"{name} {level}" for name, level in _spoken(volunteer)),
        skills=", ".join(entry.skill.name for entry in volunteer.skill_set.all()),
        status=_status_text(volunteer, today),
        place=_place(volunteer),
    )


def _place(volunteer: Volunteer) -> str:
    # The stored district is empty for profiles saved before towns outside Dortmund were
    # known; the postcode data name the town.
    if volunteer.district:
        return volunteer.district
    place = places.lookup(volunteer.postcode) if volunteer.postcode else None
    return place.district if place is not None else ""


def _search_terms(query: Any) -> str:
    """The filters of a search as `key=value` pairs, without the page number."""
    return " ".join(
        f"{key}={value}" for key, value in sorted(query.items()) if key != "page" and value
    )


@require_GET
@staff_page
def volunteer_directory(request: HttpRequest) -> HttpResponse:
    form = DirectorySearchForm(request.GET or None)
    volunteers = directory.directory_queryset()
    if form.is_bound and form.is_valid():
        filters = VolunteerFilter(form.filter_data(), queryset=volunteers)
        if filters.is_valid():
            volunteers = filters.qs
        else:
            for name, problems in filters.errors.items():
                field = PAGE_FIELD.get(name, name)
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
            volunteers = volunteers.none()
    elif form.is_bound:
        volunteers = volunteers.none()
    page = Paginator(volunteers, PAGE_SIZE).get_page(request.GET.get("page"))
    # A search is a read of personal data: what was searched for (never the names shown).
    audit.record_read(event=audit.Event.DIRECTORY_SEARCHED, detail=_search_terms(request.GET))
    today = directory.local_today()
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "requests/web/volunteers.html",
        {
            "form": form,
            "page": page,
            "rows": [_row(volunteer, today) for volunteer in page.object_list],
            "query": query.urlencode(),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@dataclass(frozen=True)
class GridDay:
    name: str
    short: str
    windows: str
    cells: list[bool]


def week_grid(slots: list[Any]) -> list[GridDay]:
    """Per weekday: the windows as text and, per hour of GRID_HOURS, whether a slot touches it."""
    days = []
    for weekday in range(7):
        mine = [slot for slot in slots if slot.weekday == weekday]
        # GRID_HOURS ends before midnight, so hour + 1 is always a valid clock time.
        cells = [
            any(slot.start < dt.time(hour + 1) and slot.end > dt.time(hour) for slot in mine)
            for hour in GRID_HOURS
        ]
        windows = ", ".join(f"{slot.start:%H:%M}–{slot.end:%H:%M}" for slot in mine)
        days.append(GridDay(str(WEEKDAYS[weekday]), str(WEEKDAYS_ABBR[weekday]), windows, cells))
    return days


@dataclass(frozen=True)
class Task:
    offer: Offer
    title: str
    when: str


@require_GET
@staff_page
def volunteer_profile(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = get_object_or_404(directory.directory_queryset(), pk=pk)
    audit.record_read(event=audit.Event.PROFILE_VIEWED, volunteer_ids=[volunteer.pk])
    now = timezone.now()
    today = directory.local_today()
    everything = Offer.objects.filter(volunteer=volunteer)
    mine = scope_to_offices(everything, request.user, office_field="request__office")
    accepted = Q(status=Offer.Status.ACCEPTED)
    tasks = [
        Task(
            offer,
            calendar.title(offer.request),
            display.span_text(offer.request.starts_at, offer.request.ends_at, now=now),
        )
        for offer in mine.filter(accepted)
        .select_related("request__skill", "request__office")
        .prefetch_related("request__languages")
        .order_by("-request__starts_at", "-pk")[:RECENT_TASKS]
    ]
    elsewhere = everything.filter(accepted).exclude(pk__in=mine.values("pk")).count()
    decided = everything.filter(status__in=Offer.DECIDED)
    grid = week_grid(list(volunteer.availability.all()))
    open_requests = list(
        requests_of(request.user)
        .filter(Request.taking_offers_q(now=now))
        .exclude(offers__volunteer=volunteer)
        .order_by("starts_at", "pk")[:50]
    )
    # Only the requests the person can do: the picker never offers a hard mismatch.
    fitting_requests = fitting.fitting_requests(open_requests, volunteer, now=now)
    return render(
        request,
        "requests/web/volunteer.html",
        {
            "volunteer": volunteer,
            "status": _status_text(volunteer, today),
            "spoken": _spoken(volunteer),
            "grid": grid,
            "grid_rows": [
                (f"{hour:02d}", [day.cells[i] for day in grid]) for i, hour in enumerate(GRID_HOURS)
            ],
            "absences": [a for a in volunteer.absences.all() if a.end >= today],
            "tasks": tasks,
            "elsewhere": elsewhere,
            "accepted_count": decided.filter(accepted).count(),
            "decided_count": decided.count(),
            "open_requests": [
                (need, calendar.title(need), display.span_text(need.starts_at, need.ends_at))
                for need in fitting_requests
            ],
            "unfit_requests": len(open_requests) - len(fitting_requests),
        },
    )


@require_POST
@staff_page
def volunteer_ask(request: HttpRequest, pk: int) -> HttpResponse:
    """Offer one of the caller's open requests to this volunteer (from the profile)."""
    volunteer = get_object_or_404(Volunteer.objects.not_erased(), pk=pk)
    raw = request.POST.get("request", "")
    if not raw.isdigit():
        messages.error(request, _("Choose a request."))
        return SeeOther(reverse("staff-volunteer", args=[pk]))
    need = scoped_request(request.user, int(raw))
    return ask_by_hand(
        request,
        need=need,
        volunteer=volunteer,
        field="request",
        action=reverse("staff-volunteer-ask", args=[pk]),
        back=reverse("staff-volunteer", args=[pk]),
    )
