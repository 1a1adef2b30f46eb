"""Hard constraints: who may be asked for a request at all, decided in one database query.

Each test adds someone who fits in every respect but one and shows that this one thing keeps
them off the list, next to someone who fits (the baseline), so a constraint that excluded
everybody could not pass either.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.test import override_settings
from django.utils import timezone

from matching import eligibility
from requests.models import Offer, Request
from tests.factories.matching import (
    MONDAY,
    RECORDED_AT,
    accepted_elsewhere,
    across_midnight,
    appointment,
    at,
    eligible_ids,
    fitting_volunteer,
    monday_ahead,
    placed_nowhere,
    stored_as,
)
from tests.factories.volunteers import add_absence
from volunteers import profiles
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db


@pytest.fixture
def need(office_a) -> Request:
    """Interpreting Persian–German on Monday 1 March 2027, 10:00–11:00 Berlin, in 44147."""
    return appointment(office_a)


@pytest.fixture
def fits() -> Volunteer:
    return fitting_volunteer()


def test_it_lets_the_baseline_volunteer_through_in_one_query(need, fits, django_assert_num_queries):
    """Someone who fits in every respect is a candidate, and deciding that is one query."""
    fetched = eligibility.appointment_of(need)
    with django_assert_num_queries(1):
        ids = set(eligibility.eligible_for(fetched, now=RECORDED_AT).values_list("pk", flat=True))
    assert ids == {fits.pk}


@pytest.mark.parametrize("status", ["pending", "paused", "inactive"])
def test_it_leaves_out_volunteers_who_are_not_active(need, fits, status):
    """Only active volunteers are asked: not unconfirmed, paused or switched-off ones."""
    fitting_volunteer(status=status)
    assert eligible_ids(need) == {fits.pk}


def test_it_leaves_out_erased_volunteers(need, fits):
    """An erased person is never asked again, even if their rows still fit."""
    fitting_volunteer(erased_at=RECORDED_AT)
    assert eligible_ids(need) == {fits.pk}


def test_it_leaves_out_volunteers_paused_through_the_appointment_day(need, fits):
    """A pause until the appointment's date (inclusive) keeps them off; one ending the day
    before does not."""
    fitting_volunteer(paused_until=MONDAY)
    back_in_time = fitting_volunteer(paused_until=MONDAY - dt.timedelta(days=1))
    assert eligible_ids(need) == {fits.pk, back_in_time.pk}


@pytest.mark.parametrize(
    ("start", "end"),
    [(MONDAY, MONDAY), (MONDAY - dt.timedelta(days=3), MONDAY), (MONDAY, MONDAY.replace(day=9))],
    ids=["that day", "ending that day", "starting that day"],
)
def test_it_leaves_out_volunteers_absent_on_the_day(need, fits, start, end):
    """An absence that includes the appointment's date keeps them off the list."""
    add_absence(fitting_volunteer(), start, end)
    just_back = fitting_volunteer()
    add_absence(just_back, MONDAY - dt.timedelta(days=7), MONDAY - dt.timedelta(days=1))
    assert eligible_ids(need) == {fits.pk, just_back.pk}


def test_it_leaves_out_volunteers_missing_a_needed_language(need, fits):
    """Interpreting Persian–German needs both: German alone or Persian alone is not enough."""
    fitting_volunteer(languages=[("de", "native")])
    fitting_volunteer(languages=[("fa", "native"), ("en", "C2")])
    assert eligible_ids(need) == {fits.pk}


def test_it_asks_interpreters_for_b2_in_every_language(need, fits):
    """For interpreting, B1 German is not enough, B2 is; likewise for the other language."""
    fitting_volunteer(languages=[("fa", "native"), ("de", "B1")])
    fitting_volunteer(languages=[("fa", "B1"), ("de", "C2")])
    just_enough = fitting_volunteer(languages=[("fa", "B2"), ("de", "B2")])
    assert eligible_ids(need) == {fits.pk, just_enough.pk}


def test_it_asks_for_b1_in_other_tasks(office_a):
    """Help with letters in Persian needs B1; A2 is not enough."""
    need = appointment(office_a, skill_code="letters", languages=["fa"])
    fitting_volunteer(languages=[("fa", "A2")], skills=["letters"])
    b1 = fitting_volunteer(languages=[("fa", "B1")], skills=["letters"])
    assert eligible_ids(need) == {b1.pk}


@override_settings(MATCHING_INTERPRETING_MIN_LEVEL="C1", MATCHING_MIN_LEVEL="C2")
def test_it_takes_the_levels_from_the_settings(office_a, fits):
    """The levels are settings: with C1 for interpreting, B2 German no longer does."""
    fitting_volunteer(languages=[("fa", "native"), ("de", "B2")])
    letters = appointment(office_a, skill_code="letters", languages=["fa"])
    fitting_volunteer(languages=[("fa", "C1")], skills=["letters"])
    c2 = fitting_volunteer(languages=[("fa", "C2")], skills=["letters"])
    assert eligible_ids(appointment(office_a)) == {fits.pk}
    assert eligible_ids(letters) == {c2.pk}


def test_it_leaves_out_volunteers_without_the_skill(need, fits):
    """Speaking both languages is not enough: the person must offer interpreting."""
    fitting_volunteer(skills=["letters"])
    assert eligible_ids(need) == {fits.pk}


@pytest.mark.parametrize(
    "slot",
    [(1, "09:00", "12:00"), (0, "10:30", "12:00"), (0, "09:00", "10:59"), (0, "10:15", "10:45")],
    ids=["another weekday", "starts too late", "ends too early", "inside only"],
)
def test_it_leaves_out_volunteers_whose_slot_does_not_cover_the_appointment(need, fits, slot):
    """For an exact match (and for strict people), a weekly slot must cover the whole
    appointment, on its weekday, in Berlin time."""
    fitting_volunteer(availability=[slot])
    fitting_volunteer(availability=[slot], only_at_stated_times=True)
    exact = fitting_volunteer(availability=[(0, "10:00", "11:00")])
    assert len(eligible_ids(need)) == 3  # and the flexible one, in a lower tier
    assert eligible_ids(stored_as(need, exact_only=True)) == {fits.pk, exact.pk}


def test_it_matches_across_touching_slots_as_saved_by_a_profile(office_a, need, fits):
    """Free 9–12 and 12–15 on Mondays, as entered: a task from 11 to 13 fits (the profile
    joins the two), while a gap of a minute would not."""
    joined, gap = fitting_volunteer(availability=[]), fitting_volunteer(availability=[])
    for person, afternoon in ((joined, dt.time(12)), (gap, dt.time(12, 1))):
        profiles.save_profile(
            volunteer=person,
            data={
                "availability": [
                    profiles.Slot(0, dt.time(9), dt.time(12)),
                    profiles.Slot(0, afternoon, dt.time(15)),
                ]
            },
        )
    midday = appointment(office_a, start="11:00", end="13:00", exact_only=True)
    assert eligible_ids(midday) == {joined.pk}


@pytest.mark.parametrize(
    "day", [dt.date(2027, 3, 29), dt.date(2027, 11, 1)], ids=["summer time", "winter time"]
)
def test_it_reads_slots_as_berlin_wall_clock_time_across_dst(office_a, day):
    """Mondays 9–12 covers Monday 10–11 in summer (CEST) and in winter (CET) alike."""
    need = appointment(
        office_a,
        day=day,
        recorded_at=at(day, "08:00") - dt.timedelta(days=20),
        exact_only=True,
    )
    mondays = fitting_volunteer(availability=[(0, "09:00", "12:00")])
    # 10:00 CEST is 08:00 UTC: a slot compared in UTC would wrongly take this one.
    fitting_volunteer(availability=[(0, "08:00", "09:30")])
    assert eligible_ids(need, now=need.starts_at - dt.timedelta(days=1)) == {mondays.pk}


def test_it_matches_nobody_for_an_appointment_across_midnight(office_a, caplog):
    """23:00–01:00 fits in no weekly slot, even with slots on both sides of midnight."""
    need = across_midnight(appointment(office_a, languages=["fa"], skill_code="letters"))
    fitting_volunteer(
        languages=[("fa", "native")],
        skills=["letters"],
        availability=[(0, "18:00", "23:59"), (1, "00:00", "06:00")],
    )
    with caplog.at_level(logging.INFO, logger="matching.eligibility"):
        assert eligible_ids(need) == set()
    assert "crosses midnight" in caplog.text


def test_it_leaves_out_volunteers_with_an_overlapping_accepted_appointment(office_a, need, fits):
    """Whoever already said yes to 10:30–12:00 that day cannot take 10–11; 11–12 is fine, and a
    cancelled appointment does not block the time."""
    busy = fitting_volunteer()
    accepted_elsewhere(busy, office_a, day=MONDAY, start="10:30", end="12:00")
    after = fitting_volunteer()
    accepted_elsewhere(after, office_a, day=MONDAY, start="11:00", end="12:00")
    freed = fitting_volunteer()
    accepted_elsewhere(
        freed, office_a, day=MONDAY, start="10:00", end="11:00", status=Request.Status.CANCELLED
    )
    assert eligible_ids(need) == {fits.pk, after.pk, freed.pk}


def test_it_ignores_answers_other_than_yes_to_overlapping_appointments(office_a, need, fits):
    """A declined or still open offer at the same time does not block anyone."""
    other = appointment(office_a, languages=["ar", "de"])
    declined, sent = fitting_volunteer(), fitting_volunteer()
    Offer.objects.create(request=other, volunteer=declined, status=Offer.Status.DECLINED)
    Offer.objects.create(request=other, volunteer=sent, status=Offer.Status.SENT)
    assert eligible_ids(need) == {fits.pk, declined.pk, sent.pk}


def test_it_asks_for_a_recent_certificate_when_the_request_needs_one(office_a):
    """With a certificate required: none, or one older than three years at the appointment,
    keeps people off; one exactly three years old still counts."""
    need = appointment(office_a, certificate_required=True)
    fitting_volunteer()
    fitting_volunteer(certificate_date=dt.date(2024, 2, 28))
    three_years = fitting_volunteer(certificate_date=dt.date(2024, 3, 1))
    recent = fitting_volunteer(certificate_date=dt.date(2026, 5, 1))
    assert eligible_ids(need) == {three_years.pk, recent.pk}


def test_it_needs_no_certificate_when_the_request_does_not_ask(need, fits):
    """Without the requirement, the certificate plays no part."""
    old = fitting_volunteer(certificate_date=dt.date(2010, 1, 1))
    assert eligible_ids(need) == {fits.pk, old.pk}


@override_settings(MATCHING_CERTIFICATE_MAX_AGE_YEARS=5)
def test_it_takes_the_certificate_age_from_the_settings(office_a):
    """With five years allowed, a four-year-old certificate counts."""
    need = appointment(office_a, certificate_required=True)
    four = fitting_volunteer(certificate_date=dt.date(2023, 3, 1))
    fitting_volunteer(certificate_date=dt.date(2022, 2, 28))
    assert eligible_ids(need) == {four.pk}


def test_it_asks_only_the_gender_the_request_asks_for(office_a):
    """A request for a woman leaves out men and people who gave no gender."""
    need = appointment(office_a, gender_preference="female")
    woman = fitting_volunteer(gender="female")
    fitting_volunteer(gender="male")
    fitting_volunteer(gender="")
    assert eligible_ids(need) == {woman.pk}


def test_it_respects_the_monthly_cap_in_berlin_months(office_a, need, fits):
    """Someone with one task a month who took one in March is not asked for another in March.
    Months are Berlin months: 00:30 on 1 March is March (though still February in UTC), 00:30
    on 1 April is April (though still March in UTC)."""
    early_march = fitting_volunteer(max_tasks_per_month=1)
    accepted_elsewhere(early_march, office_a, day=dt.date(2027, 3, 1), start="00:30", end="01:00")
    late_march = fitting_volunteer(max_tasks_per_month=1)
    accepted_elsewhere(late_march, office_a, day=dt.date(2027, 3, 31), start="23:00", end="23:30")
    february = fitting_volunteer(max_tasks_per_month=1)
    accepted_elsewhere(february, office_a, day=dt.date(2027, 2, 28), start="23:30", end="23:45")
    april = fitting_volunteer(max_tasks_per_month=1)
    accepted_elsewhere(april, office_a, day=dt.date(2027, 4, 1), start="00:30", end="01:00")
    room_left = fitting_volunteer(max_tasks_per_month=2)
    accepted_elsewhere(room_left, office_a, day=dt.date(2027, 3, 15), start="10:00", end="11:00")
    assert eligible_ids(need) == {fits.pk, february.pk, april.pk, room_left.pk}


@pytest.mark.parametrize(
    "status", [choice for choice, _ in Offer.Status.choices if choice != Offer.Status.WITHDRAWN]
)
def test_it_never_asks_the_same_person_twice_for_a_request(need, fits, status):
    """Whoever was offered this request before, whatever they answered, is not asked again."""
    asked = fitting_volunteer()
    Offer.objects.create(request=need, volunteer=asked, status=status)
    assert eligible_ids(need) == {fits.pk}


def test_it_asks_again_whom_it_told_the_place_was_taken_but_not_who_dropped_out(need, fits):
    """An offer withdrawn because the place went to someone else leaves that person free to be
    asked when a place comes free; a volunteer who took the place and gave it back is not."""
    told_taken, dropped_out = fitting_volunteer(), fitting_volunteer()
    Offer.objects.create(request=need, volunteer=told_taken, status=Offer.Status.WITHDRAWN)
    Offer.objects.create(
        request=need, volunteer=dropped_out, status=Offer.Status.WITHDRAWN, released_at=RECORDED_AT
    )
    assert eligible_ids(need) == {fits.pk, told_taken.pk}


def test_it_leaves_out_volunteers_beyond_their_own_travel_distance(need, fits):
    """From Mengede (44357) to the city centre (44147) is about 6 km: too far for someone
    strict who travels 5 km, or flexible who travels 3 (4.5 km at most), fine for someone who
    travels 10."""
    fitting_volunteer(postcode="44357", max_distance_km=5, only_at_stated_times=True)
    fitting_volunteer(postcode="44357", max_distance_km=3)
    willing = fitting_volunteer(postcode="44357", max_distance_km=10)
    assert eligible_ids(need) == {fits.pk, willing.pk}


def test_it_leaves_out_volunteers_of_unknown_place_for_in_person_requests(need, fits):
    """A volunteer whose postcode exists nowhere cannot be placed on the map."""
    fitting_volunteer(postcode="99999", max_distance_km=100)
    assert eligible_ids(need) == {fits.pk}


def test_it_places_volunteers_from_the_towns_around_dortmund(need, fits):
    """Castrop-Rauxel (44575) is about 10 km from 44147: within 12 km, not within 8."""
    near_enough = fitting_volunteer(postcode="44575", max_distance_km=12)
    fitting_volunteer(postcode="44575", max_distance_km=8, only_at_stated_times=True)
    assert eligible_ids(need) == {fits.pk, near_enough.pk}


def test_it_asks_only_remote_volunteers_for_phone_or_video(office_a):
    """Phone/video needs people who agreed to it; where they live does not matter."""
    need = appointment(office_a, remote=True)
    fitting_volunteer(remote_ok=False)
    far = fitting_volunteer(remote_ok=True, postcode="44575")
    near = fitting_volunteer(remote_ok=True)
    assert eligible_ids(need) == {far.pk, near.pk}


def test_it_matches_nobody_in_person_where_the_place_is_unknown(office_a, caplog):
    """A request in a postcode outside the place data finds nobody in person, and says why."""
    need = placed_nowhere(appointment(office_a))
    fitting_volunteer(max_distance_km=100)
    with caplog.at_level(logging.INFO, logger="matching.eligibility"):
        assert eligible_ids(need) == set()
    assert "99999" in caplog.text
    assert "no known place" in caplog.text


def test_it_matches_nobody_once_the_appointment_has_started(need, fits):
    """Nobody is asked for an appointment that has begun: the offer could not be taken."""
    assert eligible_ids(need, now=need.starts_at) == set()
    assert eligible_ids(need, now=need.starts_at - dt.timedelta(minutes=1)) == {fits.pk}


def test_it_uses_the_current_time_when_not_told(office_a, fits):
    """Without `now`, eligibility is judged at the current time."""
    day = monday_ahead()
    need = appointment(office_a, day=day, recorded_at=timezone.now())
    assert set(eligibility.eligible(need).values_list("pk", flat=True)) == {fits.pk}
