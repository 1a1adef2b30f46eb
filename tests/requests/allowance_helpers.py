"""Confirmed assignments on given days, made the way real ones are: a request recorded before
the appointment, an accepted offer, the outcome confirmed by staff; the `outcome_confirmed`
event runs its handlers (the ledger) as after a real commit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from requests import outcomes
from requests.models import AllowanceEntry, Office, Outcome
from tests.domain_helpers import accepted_offer, at, make_request
from tests.volunteer_factories import VolunteerFactory
from volunteers.models import Volunteer


def confirmed(
    capture: Any,
    *,
    office: Office,
    volunteer: Volunteer | None = None,
    day: dt.date,
    hours: str = "2",
    km: str | None = None,
    ticket_cents: int | None = None,
    result: str = Outcome.Result.TOOK_PLACE,
    languages: tuple[str, ...] = ("fa", "de"),
) -> AllowanceEntry:
    """An appointment 10:00–12:00 on `day` (Berlin), confirmed by staff with `hours`; returns its
    ledger entry. `capture` is pytest-django's `django_capture_on_commit_callbacks`."""
    volunteer = volunteer or VolunteerFactory()
    starts_at = at(day, "10:00")
    week_before = starts_at - dt.timedelta(days=7)
    need = make_request(office=office, starts_at=starts_at, now=week_before, languages=languages)
    offer = accepted_offer(need, volunteer, now=week_before)
    after = starts_at + dt.timedelta(hours=3)
    outcome = outcomes.outcome_of(offer=offer, now=after)
    with capture(execute=True):
        outcomes.confirm(
            outcome=outcome,
            by=None,
            result=result,
            hours=hours if result == Outcome.Result.TOOK_PLACE else None,
            km=km,
            ticket_cents=ticket_cents,
            now=after,
        )
    return AllowanceEntry.objects.get(outcome=outcome)


def correct(capture: Any, entry: AllowanceEntry, **changes: Any) -> AllowanceEntry:
    """Staff correct the confirmed outcome behind `entry` a day later."""
    outcome = entry.outcome
    values = {"result": outcome.result, "hours": outcome.hours, "km": outcome.km}
    values.update(changes)
    with capture(execute=True):
        outcomes.confirm(
            outcome=outcome,
            by=None,
            result=values["result"],
            hours=values["hours"],
            km=values["km"],
            ticket_cents=values.get("ticket_cents", outcome.ticket_cents),
            now=outcome.confirmed_at + dt.timedelta(days=1),
        )
    return AllowanceEntry.objects.get(pk=entry.pk)
