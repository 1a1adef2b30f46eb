"""Reasons true to the features they come from, and the fairness term. No database.

Every match carries the feature values it was ranked on; each reason staff read must say what
those values say, and the reasons beyond languages, distance and history must be the features
that moved the score most.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest
from django.test import override_settings
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import features, model, reasons, scoring
from matching.features import Pool
from tests.matching.test_scoring import PERSIAN_GERMAN, Person, pool_of
from volunteers import places


def with_history(pool: Pool, **columns: list[float]) -> Pool:
    """`pool` with some of the optional history columns given, one value per person."""
    return Pool(**{**pool.__dict__, **{k: np.array(v, dtype=float) for k, v in columns.items()}})


def ranked(pool: Pool, **kwargs) -> list[scoring.Match]:
    with translation.override("en"):
        return scoring.rank(PERSIAN_GERMAN, pool, **kwargs)


def test_it_says_when_someone_was_asked_just_before():
    """Asked yesterday costs a good share of the score, so it is one of the reasons."""
    pool = with_history(pool_of(Person(1)), days_since_asked=[1.2], offers_recent=[1])
    (match,) = ranked(pool)
    assert match.reasons == [
        "Persian native, German C1",
        "2.0 km away",
        "no answered offers yet",
        "last asked yesterday",
    ]


def test_it_says_how_often_someone_was_asked_lately():
    """Several offers in 30 days: the count says more than the date of the last one."""
    pool = with_history(pool_of(Person(1)), days_since_asked=[9.0], offers_recent=[4])
    (match,) = ranked(pool)
    assert match.reasons[-1] == "asked 4 times in the last 30 days"


def test_it_leaves_out_what_did_not_move_the_score():
    """Someone never asked and without recent tasks: nothing beyond the three basics."""
    (match,) = ranked(pool_of(Person(1, accepted=2, decided=3)))
    assert match.reasons == ["Persian native, German C1", "2.0 km away", "accepted 2 of 3 offers"]


def test_it_moves_people_asked_lately_down():
    """Of two equal volunteers, the one asked this morning ranks below the one not asked."""
    pool = with_history(
        pool_of(Person(1), Person(2)), days_since_asked=[0.2, np.nan], offers_recent=[1, 0]
    )
    matches = ranked(pool)
    assert [m.volunteer_id for m in matches] == [2, 1]
    assert matches[1].score < matches[0].score


@override_settings(MATCHING_FAIRNESS_OFFER_STEP=0.0, MATCHING_FAIRNESS_RECENT_PENALTY=0.0)
def test_it_can_be_told_to_ignore_who_was_asked_lately():
    """With the fairness term off, being asked lately changes nothing: equal scores, by id."""
    pool = with_history(
        pool_of(Person(1), Person(2)), days_since_asked=[0.2, np.nan], offers_recent=[6, 0]
    )
    matches = ranked(pool)
    assert [m.volunteer_id for m in matches] == [1, 2]
    assert matches[0].score == matches[1].score


@override_settings(MATCHING_LOAD_STEP=0.0)
def test_it_can_be_told_to_ignore_recent_tasks():
    """With the load step at 0, three tasks this month do not lower anyone's score."""
    matches = ranked(pool_of(Person(1, recent=3), Person(2)))
    assert matches[0].score == matches[1].score
    assert not any("tasks accepted" in reason for reason in matches[0].reasons)


def test_it_recovers_from_being_asked_as_time_passes():
    """The longer ago the last offer, the smaller the penalty: a day, a week, a month."""
    days = np.array([1.0, 7.0, 30.0, features.DAYS_CAP])
    fairness = scoring.fairness(offers_30d=np.zeros(4), days_since_asked=days)
    assert list(fairness) == sorted(fairness)
    assert fairness[1] == pytest.approx(1 - 0.5 * 0.5)
    assert fairness[-1] == pytest.approx(1.0)


def test_it_says_the_new_reasons_in_german():
    """German staff read "zuletzt vor 3 Wochen angefragt" and German counts."""
    pool = with_history(pool_of(Person(1)), days_since_asked=[22.0], offers_recent=[1])
    with translation.override("de"):
        wording = reasons.Wording()
        (match,) = scoring.rank(PERSIAN_GERMAN, pool)
        assert wording.asked(offers_30d=5, days=2) == "in den letzten 30 Tagen 5-mal angefragt"
        assert wording.office(2) == "2 Einsätze für dieses Büro"
        assert wording.response(30) == "antwortet meist innerhalb von 30 Stunden"
        assert wording.tenure(800) == "registriert vor 2 Jahren"
    assert match.reasons[-1] == "zuletzt vor 3 Wochen angefragt"


def test_it_carries_the_features_it_was_ranked_on():
    """`Match.features` is the feature row, by name, rounded for storage."""
    pool = with_history(pool_of(Person(1, km=3.3333, accepted=1, decided=4)), office_tasks=[2])
    (match,) = ranked(pool)
    assert list(match.features) == list(features.FEATURES)
    assert match.features["distance_km"] == 3.3333
    assert match.features["office_tasks"] == 2
    assert match.features["acceptance_rate"] == pytest.approx(2 / 7, abs=1e-4)


# --- Every reason says what the features say --------------------------------------------------

AGO = {
    "today": lambda d: d < 1,
    "yesterday": lambda d: 1 <= d < 2,
}


def _ago_is_true(text: str, days: float) -> bool:
    if text in AGO:
        return AGO[text](days)
    count, unit = re.fullmatch(r"(\d+) (day|week|month|year)s? ago", text).groups()
    size = {"day": 1, "week": 7, "month": 30, "year": 365}[unit]
    return int(days) // size == int(count)


def check_reason(reason: str, f: dict[str, float], pool: Pool, j: int) -> None:
    """Fail unless `reason` is true to the feature row `f` (and the pool position j)."""
    if m := re.fullmatch(r"(\d+\.\d) km away", reason):
        # Said to half a kilometre (places.shown_km); the feature keeps four decimals.
        assert float(m.group(1)) == places.shown_km(round(f["distance_km"], 4)) or (
            abs(float(m.group(1)) - f["distance_km"]) <= 0.25 + 1e-4
        )
    elif m := re.fullmatch(r"(\d+\.\d) km beyond their limit", reason):
        assert f["distance_share"] > 1
    elif reason == "outside their stated times":
        assert f["in_times"] == 0 and f["no_times"] == 0
    elif reason == "no fixed times stated":
        assert f["no_times"] == 1
    elif reason == "same postcode area":
        assert f["distance_km"] < reasons.SAME_AREA_KM
    elif m := re.fullmatch(r"accepted (\d+) of (\d+) offers?", reason):
        assert (int(m.group(1)), int(m.group(2))) == (f["offers_accepted"], f["offers_decided"])
    elif reason == "no answered offers yet":
        assert f["offers_decided"] == 0
    elif m := re.fullmatch(r"(\d+) tasks? accepted in the last 30 days", reason):
        assert int(m.group(1)) == f["tasks_30d"] > 0
    elif m := re.fullmatch(r"asked (\d+) times? in the last 30 days", reason):
        assert int(m.group(1)) == f["offers_30d"] >= 2
    elif m := re.fullmatch(r"last asked (.+)", reason):
        assert f["days_since_asked"] < features.DAYS_CAP
        assert _ago_is_true(m.group(1), f["days_since_asked"])
    elif reason == "not asked lately":
        assert f["days_since_asked"] >= features.DAYS_CAP
    elif m := re.fullmatch(r"(\d+) tasks? for this office before", reason):
        assert int(m.group(1)) == f["office_tasks"] > 0
    elif reason == "no task for this office yet":
        assert f["office_tasks"] == 0
    elif m := re.fullmatch(r"last task (.+)", reason):
        assert f["days_since_task"] < features.DAYS_CAP
        assert _ago_is_true(m.group(1), f["days_since_task"])
    elif reason == "no task lately":
        assert f["days_since_task"] >= features.DAYS_CAP
    elif m := re.fullmatch(r"usually answers within (\d+) (hour|day)s?", reason):
        hours = f["response_hours"]
        assert not np.isnan(pool.response_hours[j])
        size = 1 if m.group(2) == "hour" else 24
        assert (int(m.group(1)) - 1) * size < hours <= int(m.group(1)) * size
    elif m := re.fullmatch(r"registered (.+)", reason):
        assert _ago_is_true(m.group(1), f["tenure_days"])
    else:
        assert reason in {"Persian native, German C1", "German C1", "by phone/video"} or (
            "close to Persian" in reason
        ), f"unexpected reason {reason!r}"


person = st.fixed_dictionaries(
    {
        "km": st.floats(0, 20),
        "max_km": st.integers(1, 25),
        "decided": st.integers(0, 30),
        "share": st.floats(0, 1),
        "recent": st.integers(0, 5),
        "offers": st.integers(0, 12),
        "asked": st.one_of(st.none(), st.floats(0, 500)),
        "office": st.integers(0, 6),
        "response": st.one_of(st.none(), st.floats(0.1, 120)),
        "tenure": st.floats(0, 3000),
    }
)


@settings(max_examples=40, deadline=None)
@given(st.lists(person, min_size=1, max_size=6))
def test_every_reason_is_true_to_the_features_of_its_match(people):
    """Whatever the history, 2–4 reasons, each saying what the match's own features say."""
    base = pool_of(
        *[
            Person(
                i + 1,
                km=p["km"],
                max_km=p["max_km"],
                accepted=round(p["share"] * p["decided"]),
                decided=p["decided"],
                recent=p["recent"],
            )
            for i, p in enumerate(people)
        ]
    )
    nan = float("nan")
    pool = with_history(
        base,
        offers_recent=[p["offers"] for p in people],
        days_since_asked=[nan if p["asked"] is None else p["asked"] for p in people],
        office_tasks=[p["office"] for p in people],
        response_hours=[nan if p["response"] is None else p["response"] for p in people],
        tenure_days=[p["tenure"] for p in people],
    )
    for match in ranked(pool, model=_office_model()):
        j = match.volunteer_id - 1
        assert reasons.MIN_REASONS <= len(match.reasons) <= reasons.MAX_REASONS
        for reason in match.reasons:
            check_reason(reason, match.features, pool, j)


# --- With a learned model ------------------------------------------------------------------


_trained: dict[str, model.AcceptanceModel] = {}


def _office_model() -> model.AcceptanceModel:
    """A real model, trained on invented offers where people who worked for the office before
    accept far more often (and nothing else matters)."""
    if "office" not in _trained:
        rng = np.random.default_rng(5)
        n = 1200
        pool = with_history(
            pool_of(*[Person(i + 1, km=float(rng.uniform(0, 9))) for i in range(n)]),
            office_tasks=rng.integers(0, 4, n).tolist(),
            offers_recent=rng.integers(0, 5, n).tolist(),
        )
        x = features.matrix(PERSIAN_GERMAN, pool)
        logit = -1.5 + 1.2 * features.column(x, "office_tasks")
        y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
        start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        times = [start + dt.timedelta(hours=i) for i in range(n)]
        _trained["office"], _ = model.train(x, y, times, holdout_share=0.25, min_offers=100)
    return _trained["office"]


def test_it_names_the_feature_the_learned_model_weighs_most():
    """With a model that learned that working for the office before matters, that is the
    reason given beyond the basics, and the chance of accepting is the model's."""
    learned = _office_model()
    pool = with_history(pool_of(Person(1), Person(2)), office_tasks=[3, 0])
    matches = {m.volunteer_id: m for m in ranked(pool, model=learned)}
    assert matches[1].reasons[-1] == "3 tasks for this office before"
    assert matches[1].rank == 1
    x = features.matrix(PERSIAN_GERMAN, pool)
    assert matches[1].p_accept == pytest.approx(learned.predict(x)[0], abs=1e-3)
    assert matches[1].p_accept > 0.8 > 0.3 > matches[2].p_accept
