"""The features `gather` reads from the database: a volunteer's offer history as of `now`."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from matching import pool, rank
from requests.models import Offer
from tests.factories.matching import MONDAY, RECORDED_AT, appointment, at, fitting_volunteer

pytestmark = pytest.mark.django_db

NOW = RECORDED_AT  # Monday 1 February 2027, 09:00 Berlin
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def past(office, *, days_ago: float):
    """A request whose appointment started `days_ago` days before NOW (recorded a week before)."""
    starts = NOW - days_ago * DAY
    return appointment(
        office,
        day=starts.date(),
        start=f"{starts:%H:%M}",
        end=f"{starts + HOUR:%H:%M}",
        recorded_at=starts - 7 * DAY,
    )


def offer(request, volunteer, *, status, sent_days_ago, answer_hours=None):
    sent = NOW - sent_days_ago * DAY
    return Offer.objects.create(
        request=request,
        volunteer=volunteer,
        status=status,
        sent_at=sent,
        responded_at=None if answer_hours is None else sent + answer_hours * HOUR,
    )


def test_it_reads_the_history_of_offers_as_of_now(office_a, office_b):
    """Counts, the last offer and task, the median answer time, tasks for this office, the skill
    level and the time since registering, all from one aggregate and the volunteer's rows."""
    volunteer = fitting_volunteer(
        skills=[("interpreting", "experienced")], created_at=NOW - 400 * DAY
    )
    offer(
        past(office_a, days_ago=2),
        volunteer,
        status=Offer.Status.ACCEPTED,
        sent_days_ago=3,
        answer_hours=2,
    )
    offer(
        past(office_b, days_ago=5),
        volunteer,
        status=Offer.Status.DECLINED,
        sent_days_ago=10,
        answer_hours=6,
    )
    offer(past(office_a, days_ago=35), volunteer, status=Offer.Status.EXPIRED, sent_days_ago=40)
    # Queued, never sent: not an offer the volunteer has seen.
    Offer.objects.create(request=past(office_b, days_ago=1), volunteer=volunteer)
    need = appointment(office_a, day=MONDAY)

    with translation.override("en"):
        (match,) = rank(need, now=NOW)

    f = match.features
    assert (f["offers_30d"], f["tasks_30d"]) == (2, 1)
    assert (f["offers_accepted"], f["offers_decided"]) == (1, 3)
    assert f["acceptance_rate"] == pytest.approx(2 / 6, abs=1e-4)
    assert f["days_since_asked"] == pytest.approx(3, abs=1e-3)
    assert f["days_since_task"] == pytest.approx(2, abs=1e-3)
    assert f["response_hours"] == pytest.approx(4)  # the median of 2 and 6 hours
    assert f["office_tasks"] == 1
    assert f["skill_level"] == 2  # experienced
    assert f["tenure_days"] == pytest.approx(400, abs=1e-3)
    assert f["lead_days"] == pytest.approx((at(MONDAY, "10:00") - NOW) / DAY, abs=1e-3)
    assert f["start_hour"] == 10
    assert "accepted 1 of 3 offers" in match.reasons


def test_it_does_not_count_what_happens_after_now(office_a):
    """A simulation replays the past: offers sent after `now` are not yet history."""
    volunteer = fitting_volunteer()
    offer(past(office_a, days_ago=1), volunteer, status=Offer.Status.DECLINED, sent_days_ago=-2)
    (match,) = rank(appointment(office_a), now=NOW)
    assert match.features["offers_30d"] == 0
    assert match.features["days_since_asked"] == 365
    assert match.features["response_hours"] == 24  # never answered (as of now)


@given(st.lists(st.tuples(st.integers(0, 5), st.floats(-1e3, 1e6, allow_nan=False)), max_size=40))
def test_the_median_per_person_is_the_median_of_their_answer_times(pairs):
    """The answer-time median computed for all candidates at once is each one's own median
    (odd and even counts, and NaN for someone who never answered)."""
    group = np.array([g for g, _ in pairs], dtype=np.int64)
    value = np.array([v for _, v in pairs], dtype=float)
    medians = pool._median_by_group(group, value, 6)
    for person in range(6):
        own = value[group == person]
        if len(own):
            assert medians[person] == pytest.approx(np.median(own))
        else:
            assert np.isnan(medians[person])


@pytest.mark.parametrize(("sent_after_now", "counted"), [(0, True), (1, False)])
def test_an_offer_sent_at_now_itself_is_history_to_the_microsecond(
    office_a, sent_after_now, counted
):
    """Instants are compared exactly: sent at `now` (with microseconds) counts, a microsecond
    later does not."""
    now = NOW + dt.timedelta(microseconds=123457)
    volunteer = fitting_volunteer()
    Offer.objects.create(
        request=past(office_a, days_ago=3),
        volunteer=volunteer,
        sent_at=now + dt.timedelta(microseconds=sent_after_now),
    )
    (match,) = rank(appointment(office_a, day=MONDAY), now=now)
    assert match.features["offers_30d"] == (1 if counted else 0)
