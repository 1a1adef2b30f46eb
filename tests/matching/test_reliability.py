"""Reliability moves people in the ranking: who came to what they accepted ranks higher, with
the reason; a client who did not come never counts against the volunteer; a late drop-out does.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.utils import translation

import matching
from matching import features, scoring
from requests import offers, outcomes
from requests.models import Offer, Outcome
from tests.factories.matching import appointment, at, fitting_volunteer, monday_ahead
from tests.matching.test_reasons import with_history
from tests.matching.test_scoring import PERSIAN_GERMAN, Person, pool_of


def test_a_record_of_coming_lifts_and_no_shows_lower_with_the_reason():
    """Three people alike but for their record: 11 of 11 first, no record next, 2 of 5 last;
    the reason says it in staff's words."""
    pool = with_history(
        pool_of(Person(1), Person(2), Person(3)),
        attended=[2, 11, 0],
        attendance_due=[5, 11, 0],
    )
    with translation.override("en"):
        ranked = scoring.rank(PERSIAN_GERMAN, pool)
    assert [m.volunteer_id for m in ranked] == [2, 3, 1]
    assert "came to 11 of 11 accepted assignments" in ranked[0].reasons
    assert "came to 2 of 5 accepted assignments" in ranked[2].reasons
    assert ranked[0].features["attended"] == 11 and ranked[0].features["attendance_due"] == 11


def test_no_record_changes_nothing():
    assert scoring.reliability_fit(attended=np.zeros(1), due=np.zeros(1))[0] == pytest.approx(1.0)


def test_offers_stored_before_the_feature_still_train():
    """A stored row without `attended` was ranked when nobody had a record: read as 0."""
    row = {name: 1.0 for name in features.FEATURES if name not in features.ADDED_LATER}
    x, complete = features.from_dicts([row])
    assert complete.all()
    assert features.column(x, "attendance_due")[0] == 0.0


DAY = monday_ahead(3)
PAST_DAY = DAY - dt.timedelta(weeks=2)
RECORDED = at(PAST_DAY, "08:00") - dt.timedelta(days=30)


def past_assignment(office, person, *, days_before: int) -> Offer:
    """An accepted offer of `person` for an appointment `days_before` days before PAST_DAY."""
    past = appointment(
        office,
        day=PAST_DAY - dt.timedelta(days=days_before),
        languages=["ar", "de"],
        recorded_at=RECORDED,
    )
    offer = Offer.objects.create(
        request=past, volunteer=person, status=Offer.Status.SENT, sent_at=RECORDED
    )
    return offers.accept(offer=offer, now=RECORDED + dt.timedelta(hours=1))


def ranking(office) -> dict[int, matching.Match]:
    request = appointment(office, day=DAY, recorded_at=at(PAST_DAY, "12:00"))
    with translation.override("en"):
        ranked = matching.rank(request, now=at(DAY, "08:00") - dt.timedelta(days=1))
    return {m.volunteer_id: m for m in ranked}


@pytest.mark.django_db
def test_own_no_shows_move_a_person_down_but_a_clients_no_show_does_not(office_a):
    """Amal and Bijan each accepted the same three appointments' twins; Amal did not come to
    them, Bijan's clients did not come. Bijan ranks above Amal, and exactly where Bijan would
    without any record: a client who does not come is never the volunteer's fault."""
    amal, bijan = fitting_volunteer(name="Amal"), fitting_volunteer(name="Bijan")
    for days_before in (1, 2, 3):
        for person, result in [
            (amal, Outcome.Result.VOLUNTEER_NO_SHOW),
            (bijan, Outcome.Result.CLIENT_NO_SHOW),
        ]:
            offer = past_assignment(office_a, person, days_before=days_before)
            Outcome.objects.create(
                offer=offer, volunteer=person, result=result, due_at=offer.request.ends_at
            )
    before = ranking(office_a)
    assert [before[amal.pk].rank, before[bijan.pk].rank] == [2, 1]
    assert (before[amal.pk].features["attended"], before[amal.pk].features["attendance_due"]) == (
        0,
        3,
    )
    assert before[bijan.pk].features["attendance_due"] == 0
    assert "came to 0 of 3 accepted assignments" in before[amal.pk].reasons
    # Without their records the two are alike: the same score.
    Outcome.objects.all().delete()
    after = ranking(office_a)
    assert after[amal.pk].score == pytest.approx(after[bijan.pk].score)
    assert after[bijan.pk].score == pytest.approx(before[bijan.pk].score)


@pytest.mark.django_db
def test_a_late_drop_out_counts_and_an_early_one_does_not(office_a, settings):
    """Signed off the evening before (within MATCHING_LATE_DROPOUT_HOURS) counts as not coming;
    a week before, the office had time to find someone: no mark."""
    settings.MATCHING_LATE_DROPOUT_HOURS = 48
    late, early = fitting_volunteer(name="Dana"), fitting_volunteer(name="Emil")
    for person, before in [(late, dt.timedelta(hours=14)), (early, dt.timedelta(days=7))]:
        offer = past_assignment(office_a, person, days_before=8)
        offers.release(offer=offer, now=offer.request.starts_at - before)
    ranked = ranking(office_a)
    assert ranked[late.pk].features["attendance_due"] == 1
    assert ranked[early.pk].features["attendance_due"] == 0
    assert ranked[early.pk].rank < ranked[late.pk].rank


@pytest.mark.django_db
def test_a_checkin_answer_feeds_the_ranking(office_a):
    """ "Yes, as planned" through the check-in counts as attended."""
    day = monday_ahead(3)
    person = fitting_volunteer()
    past_day = day - dt.timedelta(weeks=1)
    past = appointment(
        office_a, day=past_day, languages=["ar", "de"], recorded_at=at(past_day, "08:00")
    )
    offer = Offer.objects.create(
        request=past, volunteer=person, status=Offer.Status.ACCEPTED, responded_at=past.created_at
    )
    outcomes.answer(outcome=outcomes.outcome_of(offer=offer, now=past.ends_at), choice="as_planned")
    request = appointment(office_a, day=day, recorded_at=at(past_day, "12:00"))
    (match,) = matching.rank(request, now=at(day, "08:00") - dt.timedelta(days=1))
    assert (match.features["attended"], match.features["attendance_due"]) == (1, 1)
