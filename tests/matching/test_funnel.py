"""Why nobody fits: the hard constraints counted step by step, and the step that leaves nobody."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from matching import drafts
from matching.funnel import funnel
from requests import lifecycle
from requests.models import Offer
from tests.factories.matching import (
    MONDAY,
    RECORDED_AT,
    accepted_elsewhere,
    across_midnight,
    appointment,
    eligible_ids,
    fitting_volunteer,
    placed_nowhere,
)

pytestmark = pytest.mark.django_db


def counts(need, *, now: dt.datetime = RECORDED_AT) -> dict[str, int]:
    return {stage.key: stage.count for stage in funnel(need, now=now).stages}


def test_each_step_counts_those_of_the_step_before_who_also_meet_it(office_a):
    """One person drops out at each step; the last count is exactly who may be asked."""
    need = appointment(office_a, gender_preference="female")
    fitting_volunteer(gender="female", status="paused")
    fitting_volunteer(gender="female", languages=[("ar", "native"), ("de", "C1")])
    fitting_volunteer(gender="female", skills=["letters"])
    strict = {"gender": "female", "only_at_stated_times": True}
    fitting_volunteer(**strict, availability=[(1, "09:00", "12:00")])
    fitting_volunteer(**strict, postcode="44357", max_distance_km=5)
    fitting_volunteer(gender="male")
    busy = fitting_volunteer(gender="female")
    accepted_elsewhere(busy, office_a, day=MONDAY, start="10:30", end="12:00")
    asked = fitting_volunteer(gender="female")
    Offer.objects.create(request=need, volunteer=asked, status=Offer.Status.DECLINED)
    fits = fitting_volunteer(gender="female")
    assert counts(need) == {
        "active": 8,
        "languages": 7,
        "skill": 6,
        "time": 5,
        "reach": 4,
        "wanted": 3,
        "free": 2,
        "not_asked": 1,
    }
    assert eligible_ids(need) == {fits.pk}
    assert funnel(need, now=RECORDED_AT).stop is None


# For each step, one person who meets every condition before it and fails this one.
FAILS_AT: dict[str, dict] = {
    "active": {"status": "inactive"},
    "languages": {"languages": [("fa", "B1"), ("de", "C1")]},
    "skill": {"skills": ["letters"]},
    "time": {"availability": [(0, "10:30", "12:00")], "only_at_stated_times": True},
    "reach": {"postcode": "44357", "max_distance_km": 3},
}


@pytest.mark.parametrize("key", [*FAILS_AT, "free", "not_asked"])
def test_it_stops_at_the_step_that_leaves_nobody_and_says_what_to_do(office_a, key):
    need = appointment(office_a)
    person = fitting_volunteer(**FAILS_AT.get(key, {}))
    if key == "free":
        accepted_elsewhere(person, office_a, day=MONDAY, start="10:30", end="12:00")
    if key == "not_asked":
        Offer.objects.create(request=need, volunteer=person, status=Offer.Status.EXPIRED)
    result = funnel(need, now=RECORDED_AT)
    assert eligible_ids(need) == set()
    assert result.stop is not None
    assert result.stop.key == key
    assert result.stages[-1] is result.stop
    assert all(stage.count == 1 for stage in result.stages[:-1])
    assert result.advice


def test_wishes_are_a_step_only_when_the_request_has_some(office_a):
    fitting_volunteer(gender="male")
    assert "wanted" not in counts(appointment(office_a))
    translation.activate("de")
    with_wish = funnel(appointment(office_a, gender_preference="female"), now=RECORDED_AT)
    assert with_wish.stop.key == "wanted"
    assert with_wish.stop.label == "Wie gewünscht: weiblich"


def test_phone_or_video_asks_for_willingness_instead_of_distance(office_a):
    fitting_volunteer(remote_ok=False, postcode="44575")
    translation.activate("en")
    result = funnel(appointment(office_a, remote=True), now=RECORDED_AT)
    assert result.stop.key == "reach"
    assert result.stop.label == "Also help by phone or video"


def test_a_draft_has_no_step_for_people_asked_before(office_a):
    """A request not saved yet has no offers: the funnel ends at who is free then."""
    fits = fitting_volunteer()
    need = appointment(office_a)
    draft = drafts.DraftRequest(
        office=office_a,
        skill=need.skill,
        languages=["fa", "de"],
        starts_at=need.starts_at,
        ends_at=need.ends_at,
        place=lifecycle.place_fields(remote=False, postcode="44147"),
    )
    result = funnel(draft, now=RECORDED_AT)
    assert [stage.key for stage in result.stages][-1] == "free"
    assert result.stages[-1].count == 1
    assert result.stop is None
    assert eligible_ids(draft) == {fits.pk}


def test_it_names_the_conditions_in_the_staff_language(office_a):
    """Languages, level, task and weekly time as the request has them; close languages named."""
    fitting_volunteer(availability=[(1, "09:00", "12:00")], only_at_stated_times=True)
    need = appointment(office_a, start="10:00", end="11:30")
    translation.activate("de")
    labels = [stage.label for stage in funnel(need, now=RECORDED_AT).stages]
    assert labels == [
        "An dem Tag aktiv (nicht pausiert oder abwesend)",
        "Spricht Persisch und Deutsch mindestens auf B2 (nahe Sprachen zählen)",
        "Bietet Sprachmittlung an",
        "Jede Woche frei: Montag 10–11:30, oder flexibel bei den Zeiten",
    ]
    translation.activate("en")
    labels = [stage.label for stage in funnel(need, now=RECORDED_AT).stages]
    assert labels[1] == "Speak Persian and German at B2 or better (close languages count)"
    assert labels[3] == "Free every week on Monday 10–11:30, or flexible about their times"


def test_it_says_when_the_appointment_runs_past_midnight(office_a):
    fitting_volunteer()
    need = across_midnight(appointment(office_a))
    translation.activate("en")
    result = funnel(need, now=RECORDED_AT)
    assert "runs past midnight" in result.blocker
    assert result.stages == ()


def test_it_says_when_the_place_is_unknown(office_a):
    fitting_volunteer(max_distance_km=100)
    translation.activate("en")
    result = funnel(placed_nowhere(appointment(office_a)), now=RECORDED_AT)
    assert "no place on record for the postcode 99999" in result.blocker


def test_it_says_when_the_appointment_has_started(office_a):
    fitting_volunteer()
    need = appointment(office_a)
    translation.activate("en")
    assert funnel(need, now=need.starts_at).blocker == "The appointment has already started."


def test_it_agrees_with_eligibility_on_a_mixed_population(office_a):
    """Whatever the mix, the last count is the number of people `eligible` lets through (on
    PostgreSQL, which uses the match keys, this compares the two ways of checking)."""
    need = appointment(office_a, certificate_required=True)
    for i in range(24):
        fitting_volunteer(
            languages=[("fa", ["native", "B2", "B1"][i % 3]), ("de", ["C1", "A2"][i % 2])],
            skills=[["interpreting"], ["letters"]][i % 5 == 0],
            availability=[(0, ["09:00", "10:30"][i % 4 == 0], "12:00")],
            certificate_date=[dt.date(2026, 1, 1), None][i % 7 == 0],
            postcode=["44147", "44357"][i % 2],
            max_distance_km=[5, 20][i % 3 == 0],
        )
    stages = funnel(need, now=RECORDED_AT).stages
    assert stages[-1].count == len(eligible_ids(need)) > 0
    assert [s.count for s in stages] == sorted((s.count for s in stages), reverse=True)
