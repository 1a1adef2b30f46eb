"""Wave sizing and timing: pure functions, no database."""

import datetime as dt
import itertools
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching.waves import (
    SMS_WAVE_TIMEOUT,
    chance_at_least,
    plan_wave,
    wave_ceiling,
    wave_timeout,
)

UTC = dt.UTC


@dataclass(frozen=True)
class Candidate:
    name: str
    p_accept: float


def people(*chances: float) -> list[Candidate]:
    return [Candidate(f"v{i}", p) for i, p in enumerate(chances)]


def brute_force(chances, needed):
    total = 0.0
    for outcome in itertools.product([0, 1], repeat=len(chances)):
        if sum(outcome) >= needed:
            weight = 1.0
            for hit, p in zip(outcome, chances, strict=True):
                weight *= p if hit else 1 - p
            total += weight
    return total


@given(
    st.lists(st.floats(min_value=0, max_value=1), max_size=8),
    st.integers(min_value=0, max_value=4),
)
def test_chance_at_least_is_the_poisson_binomial_tail(chances, needed):
    assert chance_at_least(chances, needed) == pytest.approx(brute_force(chances, needed))


def test_likely_candidates_make_a_small_wave():
    # 0.6 then 0.6: 1 - 0.4² = 0.84 < 0.9; a third gives 1 - 0.4³ = 0.936.
    wave = plan_wave(people(0.6, 0.6, 0.6, 0.6, 0.6), target=0.9, minimum=1, maximum=10)
    assert [c.name for c in wave] == ["v0", "v1", "v2"]


def test_unlikely_candidates_make_a_larger_wave():
    # 1 - 0.8^k >= 0.9 needs k = 11.
    wave = plan_wave(people(*[0.2] * 30), target=0.9, minimum=1, maximum=20)
    assert len(wave) == 11


def test_a_wave_stops_at_the_maximum_even_below_target():
    assert len(plan_wave(people(*[0.05] * 30), target=0.9, minimum=1, maximum=6)) == 6


def test_a_wave_takes_at_least_the_minimum_even_when_one_would_do():
    assert len(plan_wave(people(0.99, 0.99, 0.99), target=0.9, minimum=2, maximum=6)) == 2


def test_a_wave_cannot_take_more_than_remain():
    assert len(plan_wave(people(0.1, 0.1), target=0.9, minimum=3, maximum=6)) == 2
    assert plan_wave([], target=0.9) == []


def test_several_places_need_enough_yeses_not_just_one():
    chances = [0.5] * 20
    one = plan_wave(people(*chances), needed=1, target=0.9, minimum=1, maximum=20)
    three = plan_wave(people(*chances), needed=3, target=0.9, minimum=1, maximum=20)
    assert len(one) == 4  # 1 - 0.5^4 = 0.9375
    assert len(three) > len(one)
    assert chance_at_least([0.5] * len(three), 3) >= 0.9
    assert chance_at_least([0.5] * (len(three) - 1), 3) < 0.9


def test_never_fewer_candidates_than_places():
    assert len(plan_wave(people(*[0.99] * 10), needed=4, target=0.5, minimum=1)) == 4


def test_the_wave_is_the_best_ranked_prefix():
    ranked = people(0.3, 0.9, 0.2, 0.8)
    assert plan_wave(ranked, target=0.5, minimum=1, maximum=4) == ranked[:2]


@given(
    st.lists(st.floats(min_value=0, max_value=1), max_size=40),
    st.integers(min_value=1, max_value=15),
    st.integers(min_value=1, max_value=6),
    st.integers(min_value=1, max_value=20),
)
def test_ranking_only_the_ceiling_plans_the_same_wave(chances, needed, minimum, maximum):
    # The wave worker ranks only `wave_ceiling` candidates; the wave must not change.
    ranked = people(*chances)
    ceiling = wave_ceiling(needed=needed, minimum=minimum, maximum=maximum)
    bounds = {"needed": needed, "target": 0.9, "minimum": minimum, "maximum": maximum}
    assert plan_wave(ranked[:ceiling], **bounds) == plan_wave(ranked, **bounds)


def test_defaults_come_from_settings(settings):
    settings.MATCHING_WAVE_TARGET = 0.5
    settings.MATCHING_WAVE_MIN = 1
    settings.MATCHING_WAVE_MAX = 3
    assert len(plan_wave(people(0.6, 0.6, 0.6))) == 1
    assert len(plan_wave(people(*[0.01] * 10))) == 3


NOW = dt.datetime(2026, 11, 23, 19, 0, tzinfo=UTC)


def test_tomorrow_morning_waits_about_half_an_hour(settings):
    """Tomorrow is urgent (within MATCHING_URGENT_HOURS): half the share of the time left."""
    settings.MATCHING_WAVE_TIMEOUT_SHARE = 1 / 12
    wait = wave_timeout(now=NOW, starts_at=NOW + dt.timedelta(hours=14))
    assert wait == dt.timedelta(hours=14) / 24


def test_next_week_waits_hours_but_not_past_the_cap(settings):
    settings.MATCHING_WAVE_TIMEOUT_MAX_HOURS = 12
    assert wave_timeout(now=NOW, starts_at=NOW + dt.timedelta(days=7)) == dt.timedelta(hours=12)


def test_an_appointment_in_an_hour_still_waits_the_minimum(settings):
    settings.MATCHING_WAVE_TIMEOUT_MIN_MINUTES = 15
    wait = wave_timeout(now=NOW, starts_at=NOW + dt.timedelta(hours=1))
    assert wait == dt.timedelta(minutes=15)


def test_the_wait_never_runs_past_the_start(settings):
    settings.MATCHING_WAVE_TIMEOUT_MIN_MINUTES = 15
    assert wave_timeout(now=NOW, starts_at=NOW + dt.timedelta(minutes=5)) == dt.timedelta(minutes=5)
    assert wave_timeout(now=NOW, starts_at=NOW - dt.timedelta(minutes=5)) == dt.timedelta(0)


def test_sooner_appointments_never_wait_longer():
    leads = [dt.timedelta(minutes=m) for m in (30, 90, 600, 1440, 4000, 20000)]
    waits = [wave_timeout(now=NOW, starts_at=NOW + lead) for lead in leads]
    assert waits == sorted(waits)


@dataclass(frozen=True)
class Tiered:
    p_accept: float
    tier: int


def test_a_wave_asks_only_the_best_tier_left():
    """Nobody is asked outside their usual times while someone free then is left to ask."""
    matches = [Tiered(0.1, 0), Tiered(0.5, 1), Tiered(0.5, 1), Tiered(0.9, 2)]
    assert plan_wave(matches, target=0.9, minimum=1, maximum=10) == [matches[0]]
    assert plan_wave(matches[1:], target=0.9, minimum=1, maximum=10) == [matches[1], matches[2]]


def test_an_urgent_wave_asks_every_tier_at_once_and_more_of_them(settings):
    settings.MATCHING_WAVE_MAX = 3
    settings.MATCHING_URGENT_WAVE_TARGET = 0.99
    matches = [Tiered(0.1, 0)] + [Tiered(0.3, 1)] * 5 + [Tiered(0.3, 2)] * 5
    wave = plan_wave(matches, minimum=1, urgent=True)
    assert len(wave) == 6  # twice MATCHING_WAVE_MAX, across tiers
    assert {m.tier for m in wave} == {0, 1}


def test_an_urgent_appointment_waits_half_as_long(settings):
    settings.MATCHING_URGENT_HOURS = 24
    settings.MATCHING_WAVE_TIMEOUT_MIN_MINUTES = 1
    now = dt.datetime(2027, 3, 1, 8, tzinfo=dt.UTC)
    soon = wave_timeout(now=now, starts_at=now + dt.timedelta(hours=20))
    settings.MATCHING_URGENT_HOURS = 0
    assert soon * 2 == wave_timeout(now=now, starts_at=now + dt.timedelta(hours=20))


def test_a_wave_that_reached_everyone_by_sms_waits_at_most_an_hour(settings):
    """SMS answers come in minutes: such a wave moves on within SMS_WAVE_TIMEOUT however far off
    the appointment is; never later than an email wave, and the minimum and the start still
    hold."""
    settings.MATCHING_WAVE_TIMEOUT_MIN_MINUTES = 15
    settings.MATCHING_WAVE_TIMEOUT_MAX_HOURS = 12
    for lead in (dt.timedelta(minutes=m) for m in (5, 30, 90, 600, 1440, 4000, 20000)):
        email = wave_timeout(now=NOW, starts_at=NOW + lead)
        sms = wave_timeout(now=NOW, starts_at=NOW + lead, by_sms=True)
        assert sms <= min(email, SMS_WAVE_TIMEOUT)
        assert sms == min(max(email, dt.timedelta(minutes=15)), SMS_WAVE_TIMEOUT, lead)
    week = wave_timeout(now=NOW, starts_at=NOW + dt.timedelta(days=7), by_sms=True)
    assert week == SMS_WAVE_TIMEOUT < dt.timedelta(hours=12)
