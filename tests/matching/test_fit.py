"""How one volunteer fits one request, for offers by hand: the ranking's own rule, person by
person. What rules them out is hard and named; what only lowers their tier is soft and named."""

from __future__ import annotations

import random

import pytest
from django.utils import translation

import matching
from matching import fit
from matching.features import BEYOND_LIMIT, EXACT, OUTSIDE_TIMES
from tests.factories.matching import (
    MONDAY,
    RECORDED_AT,
    accepted_elsewhere,
    appointment,
    eligible_ids,
    fitting_volunteer,
)

WEDNESDAY_MORNINGS = [(2, "09:00", "12:00")]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def fit_of(need, volunteer):
    return fit.fit_of(need, volunteer, now=RECORDED_AT)


def hard(need, volunteer) -> list[str]:
    return [m.reason for m in fit_of(need, volunteer).hard]


def soft(need, volunteer) -> list[str]:
    return [m.reason for m in fit_of(need, volunteer).soft]


def test_an_exact_match_fits_without_anything_to_confirm(office_a):
    found = fit_of(appointment(office_a), fitting_volunteer())
    assert (found.hard, found.soft, found.tier) == ((), (), EXACT)


def test_it_names_the_language_that_is_missing(office_a):
    arabic = fitting_volunteer(languages=[("ar", "native"), ("de", "C1")])
    assert hard(appointment(office_a), arabic) == [
        "does not speak Persian (or a close language) at B2 or better"
    ]
    b1 = fitting_volunteer(languages=[("fa", "native"), ("de", "B1")])
    assert hard(appointment(office_a), b1) == ["does not speak German at B2 or better"]


def test_the_request_s_least_level_counts(office_a):
    b2 = fitting_volunteer(languages=[("fa", "B2"), ("de", "C1")])
    assert hard(appointment(office_a), b2) == []
    assert hard(appointment(office_a, min_level="C1"), b2) == [
        "does not speak Persian (or a close language) at C1 or better"
    ]


def test_it_refuses_the_skill_the_wishes_and_another_task_at_the_time(office_a):
    need = appointment(office_a, gender_preference="female", certificate_required=True)
    person = fitting_volunteer(skills=["letters"], gender="male")
    accepted_elsewhere(person, office_a, day=MONDAY, start="10:30", end="12:00")
    assert hard(need, person) == [
        "does not offer Interpreting",
        "has no certificate of conduct valid that day",
        "is not of the gender asked for (female)",
        "has another task at that time",
    ]


def test_it_refuses_someone_away_that_day_or_unwilling_to_help_remotely(office_a):
    away = fitting_volunteer(absences=[(MONDAY, MONDAY)])
    assert hard(appointment(office_a), away) == ["is away that day"]
    assert hard(appointment(office_a, remote=True), fitting_volunteer(remote_ok=False)) == [
        "does not help by phone or video"
    ]


def test_outside_their_stated_times_is_soft(office_a):
    flexible = fitting_volunteer(availability=WEDNESDAY_MORNINGS)
    found = fit_of(appointment(office_a), flexible)
    assert (found.hard, found.tier) == ((), OUTSIDE_TIMES)
    assert [m.reason for m in found.soft] == ["outside their stated times"]
    strict = fitting_volunteer(availability=WEDNESDAY_MORNINGS, only_at_stated_times=True)
    assert soft(appointment(office_a), strict) == ["outside the only times they want to be asked"]


def test_stating_no_times_is_no_mismatch(office_a):
    """Flexible by their own choice: nothing to confirm, though not in the exact tier."""
    found = fit_of(appointment(office_a), fitting_volunteer(availability=[]))
    assert (found.hard, found.soft, found.tier) == ((), (), OUTSIDE_TIMES)


def test_beyond_their_limit_is_soft_and_says_by_how_much(office_a):
    far = fitting_volunteer(postcode="44265", max_distance_km=8)  # about 10.3 km away
    found = fit_of(appointment(office_a), far)
    assert (found.hard, found.tier) == ((), BEYOND_LIMIT)
    (reason,) = [m.reason for m in found.soft]
    assert reason.endswith("km beyond their limit")
    assert 1.5 < float(reason.split()[0]) < 3.5


def test_their_own_monthly_limit_is_soft(office_a):
    busy = fitting_volunteer(max_tasks_per_month=1)
    accepted_elsewhere(busy, office_a, day=MONDAY, start="15:00", end="16:00")
    assert hard(appointment(office_a), busy) == []
    assert soft(appointment(office_a), busy) == ["has reached their own limit of tasks that month"]


def test_the_picker_keeps_the_requests_a_person_fits(office_a):
    person = fitting_volunteer()
    fits = appointment(office_a)
    other_language = appointment(office_a, languages=["ar", "de"])
    outside = appointment(office_a, start="15:00", end="16:00")  # soft: still listed
    ids = fit.fitting_ids([fits, other_language, outside], person, now=RECORDED_AT)
    assert ids == {fits.pk, outside.pk}


@pytest.mark.parametrize("seed", [11, 12])
def test_it_agrees_with_the_ranking_on_a_mixed_population(office_a, seed):
    """Everyone ranked fits with the tier the ranking gave them; everyone who fits without
    anything to confirm is ranked: one rule, in one place."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible population, not a secret
    people = [
        fitting_volunteer(
            availability=rng.choice([[(0, "09:00", "12:00")], WEDNESDAY_MORNINGS, []]),
            postcode=rng.choice(["44147", "44265", "44139"]),
            max_distance_km=rng.choice([3, 8, 20]),
            languages=rng.choice(
                [[("fa", "native"), ("de", "C1")], [("prs", "C1"), ("de", "B2")], [("ar", "C1")]]
            ),
            skills=rng.choice([["interpreting"], ["letters"]]),
            only_at_stated_times=rng.random() < 0.3,
        )
        for _ in range(30)
    ]
    need = appointment(office_a)
    ranked = {m.volunteer_id: m.tier for m in matching.rank(need, now=RECORDED_AT)}
    assert set(ranked) == eligible_ids(need)
    for person in people:
        found = fit_of(need, person)
        if person.pk in ranked:
            assert (found.hard, found.tier) == ((), ranked[person.pk])
        if not found.hard and not found.soft:
            assert person.pk in ranked
