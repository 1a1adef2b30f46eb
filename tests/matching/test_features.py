"""The feature matrix: every column from the pool's numbers, finite and JSON-able. No database."""

from __future__ import annotations

import json

import numpy as np
import pytest

from matching import features
from matching.features import FEATURES, Demand, Pool
from tests.matching.test_scoring import PERSIAN_GERMAN, Person, pool_of


def row(demand: Demand, pool: Pool, j: int = 0) -> dict[str, float]:
    return dict(zip(FEATURES, features.matrix(demand, pool)[j].tolist(), strict=True))


def test_it_describes_languages_skill_and_distance():
    """Language fit is the mean of the level weights, the weakest language is kept apart, a
    close language is flagged, and the distance is given in km and as a share of the limit."""
    pool = pool_of(
        Person(1, spoken=[("fa", "native"), ("de", "B2")], km=3.0, max_km=12),
        Person(2, spoken=[("prs", "C2"), ("de", "C1")], km=0.0, max_km=5),
    )
    pool = Pool(**{**pool.__dict__, "skill_level": np.array([3.0, 0.0])})
    persian, dari = row(PERSIAN_GERMAN, pool, 0), row(PERSIAN_GERMAN, pool, 1)

    assert persian["language_fit"] == pytest.approx((1.0 + 0.75) / 2)
    assert persian["language_min"] == pytest.approx(0.75)
    assert persian["close_language"] == 0.0
    assert dari["language_fit"] == pytest.approx((0.95 * 0.75 + 0.9) / 2)
    assert dari["close_language"] == 1.0
    assert persian["skill_level"] == 3.0
    assert persian["distance_km"] == 3.0
    assert persian["distance_share"] == pytest.approx(0.25)
    assert dari["distance_share"] == 0.0
    assert persian["remote"] == 0.0


def test_it_has_no_distance_for_phone_or_video():
    """A phone/video request: distance 0 (not NaN), and the remote flag set."""
    demand = Demand(languages=("fa",), acceptable=({"fa": 0},), remote=True)
    values = row(demand, pool_of(Person(1, km=float("nan"))))
    assert (values["distance_km"], values["distance_share"], values["remote"]) == (0, 0, 1)


def test_it_counts_the_history_and_smooths_the_rate():
    """Offers and tasks lately, the days since, the counts and the smoothed rate come through."""
    pool = pool_of(Person(1, accepted=8, decided=10, recent=2))
    history = {
        "offers_recent": np.array([5.0]),
        "days_since_asked": np.array([2.5]),
        "days_since_task": np.array([40.0]),
        "response_hours": np.array([3.5]),
        "office_tasks": np.array([4.0]),
        "tenure_days": np.array([700.0]),
    }
    values = row(PERSIAN_GERMAN, Pool(**{**pool.__dict__, **history}))
    assert values["offers_30d"] == 5
    assert values["tasks_30d"] == 2
    assert values["days_since_asked"] == 2.5
    assert values["days_since_task"] == 40
    assert (values["offers_accepted"], values["offers_decided"]) == (8, 10)
    assert values["acceptance_rate"] == pytest.approx(9 / 13, abs=1e-4)
    assert values["response_hours"] == 3.5
    assert values["office_tasks"] == 4
    assert values["tenure_days"] == 700


def test_it_stands_in_for_what_has_never_happened():
    """Never asked, no task, never answered: finite stand-ins (a year; a day), not NaN."""
    values = row(PERSIAN_GERMAN, pool_of(Person(1)))
    assert values["days_since_asked"] == features.DAYS_CAP
    assert values["days_since_task"] == features.DAYS_CAP
    assert values["response_hours"] == features.RESPONSE_HOURS_UNKNOWN
    assert values["acceptance_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert values["tenure_days"] == 0


def test_it_caps_long_ago_at_a_year():
    """Two years since the last offer is "not lately", the same as never."""
    pool = pool_of(Person(1))
    pool = Pool(**{**pool.__dict__, "days_since_asked": np.array([800.0])})
    assert row(PERSIAN_GERMAN, pool)["days_since_asked"] == features.DAYS_CAP


def test_it_describes_the_appointment_the_same_for_everyone():
    """Lead time and start hour come from the request, equal for every candidate."""
    demand = Demand(**{**PERSIAN_GERMAN.__dict__, "lead_days": 2.25, "start_hour": 9.5})
    x = features.matrix(demand, pool_of(Person(1), Person(2, km=7)))
    assert features.column(x, "lead_days").tolist() == [2.25, 2.25]
    assert features.column(x, "start_hour").tolist() == [9.5, 9.5]


def test_it_gives_one_row_per_volunteer_in_the_fixed_order():
    """n rows × the named columns; an empty pool gives an empty matrix of the same width."""
    x = features.matrix(PERSIAN_GERMAN, pool_of(Person(1), Person(2), Person(3)))
    assert x.shape == (3, len(FEATURES))
    assert features.matrix(PERSIAN_GERMAN, Pool.empty()).shape == (0, len(FEATURES))
    assert len(set(FEATURES)) == len(FEATURES)


def test_it_produces_rows_that_are_strict_json():
    """A stored row must be valid JSON for PostgreSQL's jsonb: no NaN or infinity anywhere."""
    people = [Person(1, km=float("nan"))] + [Person(i, km=i, recent=i) for i in range(2, 6)]
    x = features.matrix(PERSIAN_GERMAN, pool_of(*people))
    assert np.isfinite(x).all()
    json.dumps([features.as_dict(r) for r in x], allow_nan=False)


def test_it_reads_stored_rows_back_and_leaves_out_incomplete_ones():
    """Stored mappings become a matrix again; a row missing a feature (an offer made by hand,
    or one ranked before a feature existed) is masked out rather than guessed."""
    x = features.matrix(PERSIAN_GERMAN, pool_of(Person(1, km=4), Person(2, recent=1)))
    stored = [features.as_dict(r) for r in x]
    partial = dict(stored[0])
    del partial["tenure_days"]
    back, complete = features.from_dicts([stored[0], {}, partial, stored[1]])
    assert complete.tolist() == [True, False, False, True]
    assert back[[0, 3]] == pytest.approx(np.round(x, features.DECIMALS))
