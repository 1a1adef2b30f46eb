"""`GET /api/volunteers/?available_at=…`: who is free at an instant, in Berlin wall-clock time.

2026 switches to summer time on Sunday 29 March and back on Sunday 25 October, so Monday
30 March is CEST (+02:00) and Monday 26 October is CET (+01:00). A slot "Mondays 09:00–12:00"
means those local hours in both seasons.
"""

from __future__ import annotations

import pytest

from tests.factories.volunteers import VolunteerFactory, add_absence
from volunteers.models import Volunteer

URL = "/api/volunteers/"
MONDAY_MORNING = [(0, "09:00", "12:00")]


def free_at(client, instant: str) -> list[str]:
    response = client.get(URL, {"available_at": instant})
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


@pytest.fixture
def monday_person(db):
    return VolunteerFactory(name="Monday mornings", availability=MONDAY_MORNING)


@pytest.mark.parametrize(
    "instant",
    [
        "2026-03-30T09:30:00+02:00",  # summer time, given in Berlin's own offset
        "2026-10-26T09:30:00+01:00",  # winter time
        "2026-03-30T07:30:00+00:00",  # 09:30 CEST given in UTC
        "2026-03-30T07:30:00Z",
        "2026-10-26T08:30:00+00:00",  # 09:30 CET given in UTC
        "2026-03-30T16:30:00+09:00",  # 09:30 CEST given from Tokyo
    ],
)
def test_it_finds_someone_free_in_their_local_hours_all_year(api_a, monday_person, instant):
    """A Monday 09:00–12:00 slot matches 09:30 Berlin time, in summer and winter alike."""
    assert free_at(api_a, instant) == ["Monday mornings"]


@pytest.mark.parametrize(
    "instant",
    [
        "2026-03-30T06:30:00+00:00",  # 08:30 CEST: before the slot
        "2026-10-26T07:30:00+00:00",  # 08:30 CET
        "2026-03-30T10:30:00+00:00",  # 12:30 CEST (10:30 if the offset were ignored)
        "2026-03-31T09:30:00+02:00",  # a Tuesday
    ],
)
def test_it_leaves_out_someone_outside_their_local_hours(api_a, monday_person, instant):
    """Outside the slot in Berlin time (or on another weekday) the person is not listed."""
    assert free_at(api_a, instant) == []


def test_it_counts_the_start_in_and_the_end_out(api_a, monday_person):
    """09:00 is inside a 09:00–12:00 slot, 11:59 too, 12:00 is not: the end is exclusive."""
    assert free_at(api_a, "2026-03-30T09:00:00+02:00") == ["Monday mornings"]
    assert free_at(api_a, "2026-03-30T11:59:59+02:00") == ["Monday mornings"]
    assert free_at(api_a, "2026-03-30T12:00:00+02:00") == []


def test_it_uses_the_berlin_weekday_when_utc_is_still_on_sunday(api_a, db):
    """23:30 UTC on Sunday is 01:30 on Monday in Berlin: the Monday night slot applies."""
    VolunteerFactory(name="Night owl", availability=[(0, "00:30", "02:00")])
    assert free_at(api_a, "2026-03-29T23:30:00+00:00") == ["Night owl"]


def test_it_leaves_out_someone_absent_that_day(api_a, monday_person):
    """An absence covering the local date excludes the person; one ending the day before not."""
    VolunteerFactory(
        name="Back on Monday", availability=MONDAY_MORNING, absences=[("2026-03-20", "2026-03-29")]
    )
    add_absence(monday_person, "2026-03-28", "2026-04-05")
    assert free_at(api_a, "2026-03-30T09:30:00+02:00") == ["Back on Monday"]


def test_it_uses_the_berlin_date_for_absences(api_a, db):
    """Absent on Monday 30 March (Berlin): 23:30 UTC on the Sunday is already that Monday."""
    person = VolunteerFactory(name="Away", availability=[(0, "00:30", "02:00")])
    add_absence(person, "2026-03-30")
    assert free_at(api_a, "2026-03-29T23:30:00+00:00") == []


def test_it_leaves_out_someone_paused_that_day(api_a, db):
    """Paused until that date (inclusive) excludes; a pause ending the day before does not."""
    VolunteerFactory(
        name="Paused through Monday", availability=MONDAY_MORNING, paused_until="2026-03-30"
    )
    VolunteerFactory(name="Back from pause", availability=MONDAY_MORNING, paused_until="2026-03-29")
    assert free_at(api_a, "2026-03-30T09:30:00+02:00") == ["Back from pause"]


@pytest.mark.parametrize(
    "status", [Volunteer.Status.PENDING, Volunteer.Status.PAUSED, Volunteer.Status.INACTIVE]
)
def test_it_leaves_out_anyone_not_active(api_a, db, status):
    """Pending, paused and inactive people are never offered as free, whatever their slots."""
    VolunteerFactory(name="Not active", availability=MONDAY_MORNING, status=status)
    assert free_at(api_a, "2026-03-30T09:30:00+02:00") == []


def test_it_refuses_a_time_without_an_offset(api_a, monday_person):
    """A naive time is ambiguous (which zone?): 400 with a message under `available_at`."""
    response = api_a.get(URL, {"available_at": "2026-03-30T09:30:00"})
    assert response.status_code == 400
    assert list(response.json()) == ["available_at"]
    assert "Verschiebung gegenüber UTC" in response.json()["available_at"][0]
    english = api_a.get(
        URL, {"available_at": "2026-03-30T09:30:00"}, HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert "offset" in english["available_at"][0]


def test_it_accepts_an_offset_whose_plus_was_not_encoded(api_a, monday_person):
    """A hand-typed URL turns "+02:00" into " 02:00"; the offset is read as meant."""
    response = api_a.get(f"{URL}?available_at=2026-03-30T09:30:00+02:00")
    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == ["Monday mornings"]


def test_it_combines_free_at_with_other_filters(api_a, db):
    """available_at with language: only the free person who speaks it."""
    VolunteerFactory(name="Free, Arabic", availability=MONDAY_MORNING, languages=[("ar", "C1")])
    VolunteerFactory(name="Free, French", availability=MONDAY_MORNING, languages=[("fr", "C1")])
    VolunteerFactory(
        name="Busy, Arabic", availability=[(1, "09:00", "12:00")], languages=[("ar", "C1")]
    )
    response = api_a.get(URL, {"available_at": "2026-03-30T09:30:00+02:00", "language": "ar"})
    assert [row["name"] for row in response.json()["results"]] == ["Free, Arabic"]
