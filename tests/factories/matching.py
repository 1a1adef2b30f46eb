"""Test data of the matching app: a request and a volunteer who fit each other exactly.

Each hard-constraint test starts from this pair and changes one thing:

    need = appointment(office_a)                 # Monday 1 March 2027, 10–11, fa+de, 44147
    fits = fitting_volunteer()                  # fa native, de C1, interpreting, Mondays 9–12
    misfit = fitting_volunteer(gender="male")
    assert eligible_ids(need) == {fits.pk, ...}

Requests are recorded through `lifecycle.create_request` at `RECORDED_AT`, a moment before the
appointment, and eligibility is asked at that moment too, so the fixed dates never go stale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from matching import eligibility
from requests import lifecycle
from requests.models import Offer, Office, Request
from tests.factories.requests import BERLIN, at
from tests.factories.volunteers import VolunteerFactory, skill
from volunteers.models import Volunteer

MONDAY = dt.date(2027, 3, 1)
RECORDED_AT = dt.datetime(2027, 2, 1, 9, 0, tzinfo=BERLIN)


def monday_ahead(weeks: int = 2) -> dt.date:
    """A Monday at least `weeks` weeks minus six days after today (Berlin)."""
    day = timezone.localdate() + dt.timedelta(weeks=weeks)
    return day - dt.timedelta(days=day.weekday())


def appointment(
    office: Office,
    *,
    day: dt.date = MONDAY,
    start: str = "10:00",
    end: str = "11:00",
    languages: Sequence[str] = ("fa", "de"),
    skill_code: str = "interpreting",
    postcode: str = "44147",
    remote: bool = False,
    recorded_at: dt.datetime = RECORDED_AT,
    ends_at: dt.datetime | None = None,
    **fields: Any,
) -> Request:
    """A request recorded at `recorded_at` for `day` start–end (Berlin times), or until
    `ends_at` if given."""
    return lifecycle.create_request(
        office=office,
        created_by=None,
        skill=skill(skill_code),
        languages=list(languages),
        starts_at=at(day, start),
        ends_at=ends_at or at(day, end),
        postcode="" if remote else postcode,
        remote=remote,
        now=recorded_at,
        **fields,
    )


def fitting_volunteer(**overrides: Any) -> Volunteer:
    """A volunteer who fits `appointment()`'s defaults, with `overrides` applied."""
    values: dict[str, Any] = {
        "languages": [("fa", "native"), ("de", "C1")],
        "skills": ["interpreting"],
        "availability": [(0, "09:00", "12:00")],
        "postcode": "44147",
    }
    values.update(overrides)
    return VolunteerFactory(**values)


def stored_as(need: Request, **fields: Any) -> Request:
    """`need` as a row written before today's rules refused such values (a postcode that exists
    nowhere, an appointment across midnight)."""
    Request.objects.filter(pk=need.pk).update(**fields)
    need.refresh_from_db()
    return need


def across_midnight(need: Request) -> Request:
    """`need` moved to 23:00 on its day until 01:00 the next (Berlin)."""
    day = need.starts_at.astimezone(BERLIN).date()
    return stored_as(
        need, starts_at=at(day, "23:00"), ends_at=at(day + dt.timedelta(days=1), "01:00")
    )


def placed_nowhere(need: Request) -> Request:
    """`need` with a postcode that exists nowhere (no district, no point)."""
    return stored_as(need, postcode="99999", district="", lat=None, lon=None)


def eligible_ids(need: Request, *, now: dt.datetime = RECORDED_AT) -> set[int]:
    """The ids of the volunteers `eligibility.eligible` lets through for `need` at `now`."""
    return set(eligibility.eligible(need, now=now).values_list("pk", flat=True))


def accepted_elsewhere(
    volunteer: Volunteer, office, *, day: dt.date, start: str, end: str, status: str = "open"
) -> Offer:
    """An accepted offer of `volunteer` for another appointment on `day`, start–end."""
    other = appointment(office, day=day, start=start, end=end, languages=["ar", "de"])
    if status != "open":
        Request.objects.filter(pk=other.pk).update(status=status)
    return Offer.objects.create(
        request=other, volunteer=volunteer, status=Offer.Status.ACCEPTED, responded_at=RECORDED_AT
    )
