"""The acceptance model: time-based evaluation, the bar it must clear, saving and loading.
No database: the history is invented as feature rows."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os

import numpy as np
import pytest

from matching import features, model, prior
from matching.features import Pool
from tests.matching.test_scoring import PERSIAN_GERMAN, Person, pool_of

START = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)


def history(n: int, *, signal: bool, seed: int = 3) -> tuple[np.ndarray, np.ndarray, list]:
    """n invented offers, one an hour. With `signal`, people far away (for their limit) and
    with tasks lately say no far more often; without it, outcomes follow the prior exactly."""
    rng = np.random.default_rng(seed)
    decided = rng.integers(0, 12, n)
    people = [
        Person(
            i,
            km=float(rng.uniform(0, 10)),
            max_km=10,
            accepted=int(rng.binomial(d, 0.4)),
            decided=int(d),
            recent=int(rng.integers(0, 4)),
        )
        for i, d in enumerate(decided)
    ]
    x = features.matrix(PERSIAN_GERMAN, pool_of(*people))
    if signal:
        logit = 1.0 - 3.0 * features.column(x, "distance_share") - features.column(x, "tasks_30d")
        chance = 1 / (1 + np.exp(-logit))
    else:
        chance = prior.of_features(x)
    y = (rng.random(n) < chance).astype(int)
    return x, y, [START + dt.timedelta(hours=i) for i in range(n)]


def test_it_holds_out_the_latest_offers():
    """The hold-out is the latest share by time, whatever order the rows come in."""
    times = [START + dt.timedelta(days=d) for d in (5, 1, 9, 3, 7, 2, 8, 4, 6, 0)]
    train, holdout = model.split_by_time(times, 0.2)
    assert sorted(holdout.tolist()) == [2, 6]  # days 9 and 8
    assert max(times[i] for i in train) < min(times[i] for i in holdout)


def test_it_learns_what_the_prior_cannot_see_and_beats_it():
    """Distance and recent tasks decide here; the prior only knows the acceptance rate."""
    x, y, times = history(1500, signal=True)
    fitted, evaluation = model.train(x, y, times, holdout_share=0.2, min_offers=500)
    assert evaluation.beats_prior
    assert fitted.beats_prior
    assert evaluation.model.log_loss < evaluation.prior.log_loss
    assert evaluation.model.roc_auc > evaluation.prior.roc_auc + 0.05
    assert (evaluation.train_offers, evaluation.holdout_offers) == (1200, 300)
    assert evaluation.holdout_from == times[1200]
    coefficients = fitted.coefficients()
    assert coefficients["distance_share"] < 0
    assert coefficients["tasks_30d"] < 0


def test_it_does_not_claim_to_beat_a_prior_that_is_the_truth():
    """When outcomes follow the prior exactly, the model cannot clear the bar."""
    x, y, times = history(2000, signal=False)
    _, evaluation = model.train(x, y, times, holdout_share=0.2, min_offers=500)
    assert not evaluation.beats_prior


def test_it_refuses_to_learn_from_too_little_history():
    """Below the minimum, or with too few of either outcome, there is no model at all."""
    x, y, times = history(300, signal=True)
    with pytest.raises(model.NotEnoughHistory, match="300 decided offers"):
        model.train(x, y, times, holdout_share=0.2, min_offers=500)
    with pytest.raises(model.NotEnoughHistory, match="accepted"):
        model.train(x, np.zeros_like(y), times, holdout_share=0.2, min_offers=100)


def test_it_measures_calibration_against_what_happened():
    """Chances of 0.2 of which a fifth came true are calibrated; 0.8 for the same are not."""
    y = np.array([1] + [0] * 4)
    assert model.measure(y, np.full(5, 0.2)).calibration_error == pytest.approx(0.0)
    assert model.measure(y, np.full(5, 0.8)).calibration_error == pytest.approx(0.6)


def test_it_explains_each_prediction_by_feature():
    """The contributions add up to the log-odds, less that of an average offer; the chances are
    those of the scikit-learn pipeline."""
    x, y, times = history(1500, signal=True)
    fitted, _ = model.train(x, y, times, holdout_share=0.2, min_offers=500)
    classify = fitted.pipeline.named_steps["classify"]
    log_odds = fitted.pipeline.decision_function(x[:5])
    assert fitted.contributions(x[:5]).sum(axis=1) == pytest.approx(
        log_odds - classify.intercept_[0]
    )
    assert fitted.predict(x) == pytest.approx(fitted.pipeline.predict_proba(x)[:, 1])


@pytest.fixture
def trained():
    x, y, times = history(1500, signal=True)
    fitted, _ = model.train(x, y, times, holdout_share=0.2, min_offers=500, now=START)
    return fitted


def test_it_saves_the_model_with_its_version_and_metrics(trained, tmp_path):
    """A joblib file named by version, and its metrics as JSON for people to read."""
    path = model.save(trained, tmp_path)
    assert path.name == f"acceptance-{trained.version}.joblib"
    about = json.loads(path.with_suffix(".json").read_text())
    assert about["version"] == trained.version
    assert about["beats_prior"] is True
    assert about["evaluation"]["model"]["log_loss"] < about["evaluation"]["prior"]["log_loss"]
    assert "distance_share" in about["coefficients"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_it_uses_the_newest_model_only_if_it_beat_the_prior(trained, tmp_path):
    """The newest file decides: a better model is used; a newer one that lost means the prior."""
    assert model.current(tmp_path) is None
    model.save(trained, tmp_path)
    used = model.current(tmp_path)
    assert used is not None and used.version == trained.version

    loser = dataclasses.replace(trained, version="29990101T000000000000Z", beats_prior=False)
    model.save(loser, tmp_path)
    assert model.current(tmp_path) is None


def test_it_loads_a_model_once_until_the_file_changes(trained, tmp_path):
    """Cached per process on the file's mtime: the same object until the file is rewritten."""
    path = model.save(trained, tmp_path)
    first = model.current(tmp_path)
    assert model.current(tmp_path) is first
    model.save(trained, tmp_path)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert model.current(tmp_path) is not first


def test_it_ignores_a_model_trained_on_other_features(trained, tmp_path):
    """A file from before a feature was added is not used; the prior ranks until retraining."""
    import joblib

    path = model.save(trained, tmp_path)
    payload = joblib.load(path)
    payload["features"] = payload["features"][:-1]
    joblib.dump(payload, path)
    assert model.current(tmp_path) is None


def test_it_scores_a_pool_with_the_learned_chance(trained):
    """Someone far away and busy gets a lower chance than someone next door and free."""
    pool = pool_of(Person(1, km=0.5), Person(2, km=9.5, recent=3))
    chance = trained.predict(features.matrix(PERSIAN_GERMAN, pool))
    assert chance[0] > 0.5 > chance[1]
    assert trained.predict(features.matrix(PERSIAN_GERMAN, Pool.empty())).shape == (0,)
