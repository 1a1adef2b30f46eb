"""How many candidates each tier has: the counts staff see beside the list, from their own
query (a short list may load the exact tier only), held to the whole ranking's tiers."""

from __future__ import annotations

import random
from collections import Counter

import pytest

import matching
from matching.features import BEYOND_LIMIT, EXACT, OUTSIDE_TIMES
from matching.ranking import TierCounts, tier_counts
from tests.factories.matching import RECORDED_AT, appointment, fitting_volunteer

WEDNESDAY_MORNINGS = [(2, "09:00", "12:00")]


def test_it_counts_each_tier(office_a):
    fitting_volunteer()
    fitting_volunteer()
    fitting_volunteer(availability=WEDNESDAY_MORNINGS)
    fitting_volunteer(availability=[])
    fitting_volunteer(postcode="44265", max_distance_km=8)  # about 10.3 km: beyond
    fitting_volunteer(languages=[("ar", "native"), ("de", "C1")])  # no Persian: not at all
    counts = tier_counts(appointment(office_a), now=RECORDED_AT)
    assert counts == TierCounts(exact=2, outside_times=2, beyond_limit=1)
    assert counts.total == 5


def test_an_exact_only_request_counts_only_the_exact_tier(office_a):
    fitting_volunteer()
    fitting_volunteer(availability=WEDNESDAY_MORNINGS)
    fitting_volunteer(postcode="44265", max_distance_km=8)
    counts = tier_counts(appointment(office_a, exact_only=True), now=RECORDED_AT)
    assert counts == TierCounts(exact=1)


def test_phone_or_video_has_no_tier_beyond_the_limit(office_a):
    fitting_volunteer(remote_ok=True, postcode="44265", max_distance_km=1)
    fitting_volunteer(remote_ok=True, availability=[])
    counts = tier_counts(appointment(office_a, remote=True), now=RECORDED_AT)
    assert counts == TierCounts(exact=1, outside_times=1)


@pytest.mark.parametrize("seed", [7, 8, 9])
def test_the_counts_are_the_tiers_of_the_whole_ranking(office_a, seed):
    rng = random.Random(seed)  # noqa: S311 - a reproducible population, not a secret
    for _ in range(25):
        fitting_volunteer(
            availability=rng.choice([[(0, "09:00", "12:00")], WEDNESDAY_MORNINGS, []]),
            postcode=rng.choice(["44147", "44145", "44265", "44139"]),
            max_distance_km=rng.choice([3, 6, 10, 20]),
            only_at_stated_times=rng.random() < 0.2,
        )
    need = appointment(office_a)
    ranked = Counter(m.tier for m in matching.rank(need, now=RECORDED_AT))
    counts = tier_counts(need, now=RECORDED_AT)
    assert (counts.exact, counts.outside_times, counts.beyond_limit) == (
        ranked[EXACT],
        ranked[OUTSIDE_TIMES],
        ranked[BEYOND_LIMIT],
    )
