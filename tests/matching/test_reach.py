"""Reach: stated weekly times and the travel limit are evidence, not a wall, unless a volunteer
says they are. Candidates come in tiers: exact first, then outside their usual times, then
beyond their limit.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import translation

import matching
from matching.features import BEYOND_LIMIT, EXACT, OUTSIDE_TIMES
from requests import offers as offer_rules
from requests.models import Request
from tests.factories.matching import (
    MONDAY,
    RECORDED_AT,
    appointment,
    eligible_ids,
    fitting_volunteer,
)
from tests.factories.requests import sent_offer

# `appointment()` is on a Monday (weekday 0), 10–11, in 44147.
WEDNESDAY_MORNINGS = [(2, "09:00", "12:00")]


def tiers(need: Request) -> dict[int, int]:
    return {m.volunteer_id: m.tier for m in matching.rank(need, now=RECORDED_AT)}


def test_a_flexible_volunteer_with_other_times_is_a_candidate_in_a_lower_tier(office_a):
    """Free on Wednesdays, asked for a Monday: a candidate, after everyone free on Mondays."""
    exact = fitting_volunteer()
    flexible = fitting_volunteer(availability=WEDNESDAY_MORNINGS)
    assert tiers(appointment(office_a)) == {exact.pk: EXACT, flexible.pk: OUTSIDE_TIMES}


def test_a_strict_volunteer_is_never_asked_outside_their_times(office_a):
    fitting_volunteer(availability=WEDNESDAY_MORNINGS, only_at_stated_times=True)
    assert eligible_ids(appointment(office_a)) == set()


def test_a_volunteer_without_times_is_a_candidate(office_a):
    """Someone who gave no weekly times is flexible by definition, and the reason says so."""
    anytime = fitting_volunteer(availability=[])
    translation.activate("en")
    (match,) = matching.rank(appointment(office_a), now=RECORDED_AT)
    assert (match.volunteer_id, match.tier) == (anytime.pk, OUTSIDE_TIMES)
    assert "no fixed times stated" in match.reasons


def test_the_reasons_name_what_is_soft(office_a):
    fitting_volunteer(availability=WEDNESDAY_MORNINGS)
    fitting_volunteer(postcode="44265", max_distance_km=8)  # about 10.3 km away
    translation.activate("en")
    reasons = [m.reasons for m in matching.rank(appointment(office_a), now=RECORDED_AT)]
    assert "outside their stated times" in reasons[0]
    assert any(r.endswith("km beyond their limit") for r in reasons[1])


def test_a_flexible_volunteer_may_be_asked_a_little_beyond_their_limit(office_a):
    """Up to 1.5 times the limit, in the last tier; a strict one only within it."""
    need = appointment(office_a)  # 44147; 44265 (Hörde) is about 10.3 km away
    beyond = fitting_volunteer(postcode="44265", max_distance_km=8)
    fitting_volunteer(postcode="44265", max_distance_km=8, only_at_stated_times=True)
    fitting_volunteer(postcode="44265", max_distance_km=6)  # 1.5 × 6 = 9 km: too far
    assert tiers(need) == {beyond.pk: BEYOND_LIMIT}


def test_staff_can_limit_a_request_to_exact_matches(office_a):
    exact = fitting_volunteer()
    fitting_volunteer(availability=WEDNESDAY_MORNINGS)
    fitting_volunteer(availability=[])
    fitting_volunteer(postcode="44265", max_distance_km=8)
    assert eligible_ids(appointment(office_a, exact_only=True)) == {exact.pk}


def test_staff_can_ask_for_a_higher_language_level(office_a):
    """Interpreting asks for B2 by default; staff may ask for C1 on a hard appointment."""
    native = fitting_volunteer()
    b2 = fitting_volunteer(languages=[("fa", "native"), ("de", "B2")])
    assert eligible_ids(appointment(office_a)) == {native.pk, b2.pk}
    assert eligible_ids(appointment(office_a, min_level="C1")) == {native.pk}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_exact_matches_always_rank_first(office_a, seed):
    """On a random population, every exact candidate ranks above every other, whatever their
    history or language level; within a tier, by score."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible population, not a secret
    for _ in range(25):
        fitting_volunteer(
            availability=rng.choice([[(0, "09:00", "12:00")], WEDNESDAY_MORNINGS, []]),
            postcode=rng.choice(["44147", "44145", "44265", "44139"]),
            max_distance_km=rng.choice([3, 6, 10, 20]),
            languages=[("fa", rng.choice(["native", "C1", "B2"])), ("de", "C1")],
        )
    ranked = matching.rank(appointment(office_a), now=RECORDED_AT)
    assert len(ranked) >= 10
    assert [m.tier for m in ranked] == sorted(m.tier for m in ranked)
    for tier in {m.tier for m in ranked}:
        scores = [m.score for m in ranked if m.tier == tier]
        assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(("seed", "limit"), [(4, 3), (5, 8), (6, 40)])
def test_a_short_list_is_the_top_of_the_whole_ranking(office_a, seed, limit):
    """With a limit, the exact tier may be ranked alone (it always comes first); the list is
    the same as the first `limit` of the whole ranking, whether or not the tier fills it."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible population, not a secret
    for _ in range(20):
        fitting_volunteer(
            availability=rng.choice([[(0, "09:00", "12:00")], WEDNESDAY_MORNINGS, []]),
            postcode=rng.choice(["44147", "44145", "44265"]),
            max_distance_km=rng.choice([6, 8, 20]),
        )
    need = appointment(office_a)
    whole = matching.rank(need, now=RECORDED_AT)
    short = matching.rank(need, limit=limit, now=RECORDED_AT)
    assert [(m.volunteer_id, m.tier, m.score) for m in short] == [
        (m.volunteer_id, m.tier, m.score) for m in whole[:limit]
    ]


def test_not_my_usual_time_teaches_the_ranking(office_a):
    """A "not my usual time" answer counts as an offer outside their times: the next offer
    outside their times expects less of them (features `outside_rate`, and the prior)."""
    flexible = fitting_volunteer(availability=WEDNESDAY_MORNINGS)
    before = matching.rank(appointment(office_a), now=RECORDED_AT)[0]
    for day in (8, 15, 22):
        past = appointment(office_a, day=MONDAY + dt.timedelta(days=day - 1 + 7))
        offer_rules.decline(
            offer=sent_offer(past, flexible), reason="not_usual_time", now=RECORDED_AT
        )
    after = matching.rank(appointment(office_a), now=RECORDED_AT)[0]
    assert after.features["outside_rate"] < before.features["outside_rate"]
    assert after.p_accept < before.p_accept
