"""The learned acceptance model: P(accept) from the feature matrix, and when to trust it.

`train` fits a scikit-learn pipeline (log of counts and durations → standard scaling →
LogisticRegression) on decided offers (accepted = 1, declined or expired = 0), evaluates it on a
time-based hold-out (the latest offers) against the transparent prior of `matching.prior`, and
refits it on all rows. LogisticRegression because inference must stay cheap at scale: it scores
100k rows in a few milliseconds, and its coefficients give each feature's contribution, which
the reasons staff read are chosen from.

`save` writes the model with its version and metrics to `MATCHING_MODEL_DIR` (outside git, by
default VAR_DIR / "models"); `current` returns the newest saved model if it beat the prior, else
None (the prior ranks). Loaded models are cached per process, keyed on the file's mtime.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from matching import prior
from matching.conf import matching_settings
from matching.features import FEATURES, INDEX

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

# scikit-learn, SciPy and joblib take seconds to import; they are imported where needed, so that
# ranking without a saved model (and every process that merely imports this) never pays for it.

logger = logging.getLogger(__name__)

FILE_PREFIX = "acceptance-"
FILE_SUFFIX = ".joblib"
FORMAT = 1
# Counts, days, hours and kilometres enter on a log scale: the first offer this month says
# more than the twentieth, a day since the last offer more than the 300th.
LOG_FEATURES: tuple[str, ...] = (
    "distance_km",
    "offers_30d",
    "tasks_30d",
    "days_since_asked",
    "days_since_task",
    "offers_accepted",
    "offers_decided",
    "response_hours",
    "office_tasks",
    "tenure_days",
    "lead_days",
)
_LOG_COLUMNS = [INDEX[name] for name in LOG_FEATURES]
# The hour is also given as its squared distance from early afternoon, so that a linear model
# can learn "early mornings and evenings are harder" rather than only "later is better".
MIDDAY_HOUR = 13.0
# For each prepared column, the feature it comes from (contributions are summed back to it).
PREPARED_SOURCE: tuple[int, ...] = (*range(len(FEATURES)), INDEX["start_hour"])
# The model must lower the prior's log loss by at least this share (and not lose ROC AUC) to be
# trusted: a tie on noise is no reason to replace the transparent prior.
MIN_IMPROVEMENT = 0.01
# At least this many accepted and this many not accepted offers in the training part and in the
# hold-out; below it, no metric means anything.
MIN_PER_CLASS = 10
PROBABILITY_FLOOR = 0.001
CALIBRATION_BINS = 10


class NotEnoughHistory(Exception):
    """Too few decided offers to learn from; the prior keeps ranking."""


def prepare(x: np.ndarray) -> np.ndarray:
    """The pipeline's first step (module level, so that a saved pipeline can be loaded).

    Column by column into a Fortran-ordered array: each column is contiguous, which makes this
    several times faster than fancy indexing on 100k rows.
    """
    x = np.asarray(x, dtype=float)
    n, k = x.shape
    out = np.empty((n, k + 1), order="F")
    out[:, :k] = x
    for c in _LOG_COLUMNS:
        column = out[:, c]
        np.maximum(column, 0.0, out=column)
        np.log1p(column, out=column)
    hour = out[:, k]
    np.subtract(x[:, INDEX["start_hour"]], MIDDAY_HOUR, out=hour)
    hour /= 5.0
    np.square(hour, out=hour)
    return out


def pipeline() -> Pipeline:
    """A fresh, unfitted acceptance pipeline."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    return Pipeline(
        [
            ("prepare", FunctionTransformer(prepare)),
            ("scale", StandardScaler()),
            ("classify", LogisticRegression(C=1.0, max_iter=2000)),
        ]
    )


@dataclass(frozen=True)
class Metrics:
    """How well predicted chances fit what happened, on one set of offers."""

    offers: int
    log_loss: float
    roc_auc: float
    brier: float
    # Expected calibration error: the mean gap between predicted and observed acceptance over
    # CALIBRATION_BINS equal-width bins of the prediction, weighted by the offers in each.
    calibration_error: float
    mean_predicted: float
    observed_rate: float
    # (mean predicted, observed rate, offers) per non-empty bin.
    calibration: list[tuple[float, float, int]] = field(default_factory=list)


def measure(y: np.ndarray, p: np.ndarray) -> Metrics:
    """Log loss, ROC AUC, Brier score and calibration of the chances `p` for the outcomes `y`."""
    from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

    y = np.asarray(y, dtype=int)
    p = np.clip(np.asarray(p, dtype=float), PROBABILITY_FLOOR, 1 - PROBABILITY_FLOOR)
    bins = np.minimum((p * CALIBRATION_BINS).astype(int), CALIBRATION_BINS - 1)
    table: list[tuple[float, float, int]] = []
    gap = 0.0
    for b in range(CALIBRATION_BINS):
        inside = bins == b
        count = int(inside.sum())
        if count:
            predicted, observed = float(p[inside].mean()), float(y[inside].mean())
            table.append((round(predicted, 4), round(observed, 4), count))
            gap += count * abs(predicted - observed)
    return Metrics(
        offers=len(y),
        log_loss=float(log_loss(y, p, labels=[0, 1])),
        roc_auc=float(roc_auc_score(y, p)),
        brier=float(brier_score_loss(y, p)),
        calibration_error=gap / len(y),
        mean_predicted=float(p.mean()),
        observed_rate=float(y.mean()),
        calibration=table,
    )


def beats(model: Metrics, baseline: Metrics) -> bool:
    """Whether the model is clearly better than the prior: lower log loss by MIN_IMPROVEMENT
    (it scores both ranking and calibration, which wave sizes rely on) and no lower ROC AUC."""
    return (
        model.log_loss <= baseline.log_loss * (1 - MIN_IMPROVEMENT)
        and model.roc_auc >= baseline.roc_auc
    )


@dataclass(frozen=True)
class Evaluation:
    """The time-based hold-out: trained on the earlier offers, scored on the latest ones."""

    offers: int
    accepted: int
    train_offers: int
    holdout_offers: int
    holdout_from: dt.datetime
    model: Metrics
    prior: Metrics

    @property
    def beats_prior(self) -> bool:
        return beats(self.model, self.prior)


def split_by_time(times: Sequence[dt.datetime], holdout_share: float) -> tuple[np.ndarray, ...]:
    """Positions of the training rows and of the hold-out (the latest `holdout_share`)."""
    order = np.argsort(np.array([t.timestamp() for t in times]), kind="stable")
    holdout = max(1, math.ceil(len(order) * holdout_share))
    return order[:-holdout], order[-holdout:]


def _check(y: np.ndarray, what: str) -> None:
    accepted = int(y.sum())
    if min(accepted, len(y) - accepted) < MIN_PER_CLASS:
        raise NotEnoughHistory(
            f"the {what} has {accepted} accepted and {len(y) - accepted} other offers; "
            f"both need at least {MIN_PER_CLASS}"
        )


@dataclass(frozen=True)
class AcceptanceModel:
    """A fitted pipeline with what is known about it."""

    version: str
    pipeline: Pipeline
    feature_names: tuple[str, ...]
    trained_at: str
    evaluation: dict[str, Any]
    beats_prior: bool

    @cached_property
    def _linear(self) -> tuple[np.ndarray, np.ndarray, float]:
        """The fitted pipeline as plain arrays: per prepared column its weight on the scaled
        value, the scaler's mean and scale folded in, and the intercept."""
        scale = self.pipeline.named_steps["scale"]
        classify = self.pipeline.named_steps["classify"]
        coef = classify.coef_[0] / scale.scale_
        return coef, scale.mean_, float(classify.intercept_[0])

    def predict(self, x: np.ndarray) -> np.ndarray:
        """P(accept) per row of a feature matrix.

        The same numbers as `pipeline.predict_proba`, computed with NumPy alone: scikit-learn's
        input checks cost ten times the arithmetic on 100k rows.
        """
        if len(x) == 0:
            return np.zeros(0)
        coef, mean, intercept = self._linear
        log_odds = prepare(x) @ coef + (intercept - mean @ coef)
        chance = 1.0 / (1.0 + np.exp(-log_odds))
        return np.clip(chance, PROBABILITY_FLOOR, 1 - PROBABILITY_FLOOR)

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Per row and feature, its share of the log-odds against an average offer of the
        training data (coefficient × standardised value, summed over the columns it became)."""
        coef, mean, _ = self._linear
        terms = (prepare(x) - mean) * coef
        out = np.zeros((len(x), len(FEATURES)))
        np.add.at(out.T, np.array(PREPARED_SOURCE), terms.T)
        return out

    def coefficients(self) -> dict[str, float]:
        """The coefficient of each prepared column, by name (for people reading the model)."""
        names = [*FEATURES, "start_hour_from_midday"]
        coef = self.pipeline.named_steps["classify"].coef_[0]
        return {name: round(float(c), 4) for name, c in zip(names, coef, strict=True)}


def train(
    x: np.ndarray,
    y: np.ndarray,
    times: Sequence[dt.datetime],
    *,
    holdout_share: float,
    min_offers: int,
    now: dt.datetime | None = None,
) -> tuple[AcceptanceModel, Evaluation]:
    """Evaluate the pipeline on a time-based hold-out, then fit it on all rows.

    Raises NotEnoughHistory below `min_offers` rows or with too few of either outcome.
    """
    y = np.asarray(y, dtype=int)
    if len(y) < min_offers:
        raise NotEnoughHistory(f"{len(y):,} decided offers with features; {min_offers:,} needed")
    train_rows, holdout_rows = split_by_time(times, holdout_share)
    _check(y[train_rows], "training part")
    _check(y[holdout_rows], "hold-out")
    candidate = pipeline().fit(x[train_rows], y[train_rows])
    y_holdout = y[holdout_rows]
    evaluation = Evaluation(
        offers=len(y),
        accepted=int(y.sum()),
        train_offers=len(train_rows),
        holdout_offers=len(holdout_rows),
        holdout_from=min(times[i] for i in holdout_rows),
        model=measure(y_holdout, candidate.predict_proba(x[holdout_rows])[:, 1]),
        prior=measure(y_holdout, prior.of_features(x[holdout_rows])),
    )
    trained_at = now or dt.datetime.now(dt.UTC)
    fitted = AcceptanceModel(
        version=trained_at.strftime("%Y%m%dT%H%M%S%fZ"),
        pipeline=pipeline().fit(x, y),
        feature_names=FEATURES,
        trained_at=trained_at.isoformat(),
        evaluation=_jsonable(evaluation),
        beats_prior=evaluation.beats_prior,
    )
    return fitted, evaluation


def evaluation_table(evaluation: Evaluation) -> list[str]:
    """The hold-out comparison as Markdown table lines (for the command and the docs)."""
    lines = [
        "| On the hold-out | Log loss | ROC AUC | Brier score | Calibration error "
        "| Mean P(accept) / observed |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, m in (("Transparent prior", evaluation.prior), ("Learned model", evaluation.model)):
        lines.append(
            f"| {label} | {m.log_loss:.4f} | {m.roc_auc:.3f} | {m.brier:.4f} "
            f"| {m.calibration_error:.3f} | {m.mean_predicted:.3f} / {m.observed_rate:.3f} |"
        )
    return lines


def verdict(evaluation: Evaluation) -> str:
    """One sentence: did the model beat the prior, by how much."""
    m, p = evaluation.model, evaluation.prior
    change = (m.log_loss - p.log_loss) / p.log_loss
    detail = f"log loss {change:+.1%}, ROC AUC {m.roc_auc - p.roc_auc:+.3f}"
    if evaluation.beats_prior:
        return f"The learned model beats the prior ({detail})."
    return (
        f"The learned model does not beat the prior ({detail}; it needs a log loss at least "
        f"{MIN_IMPROVEMENT:.0%} lower and no lower ROC AUC)."
    )


def _jsonable(evaluation: Evaluation) -> dict[str, Any]:
    data = asdict(evaluation)
    data["holdout_from"] = evaluation.holdout_from.isoformat()
    data["beats_prior"] = evaluation.beats_prior
    return data


# --- Files -----------------------------------------------------------------------------------


def directory() -> Path:
    return matching_settings().model_dir


def save(model: AcceptanceModel, where: Path | None = None) -> Path:
    """Write the model (joblib) and its metrics (JSON, for people) to the model directory.

    Written to a temporary file and renamed, so a ranking process never reads half a model.
    """
    import joblib
    import sklearn

    where = where or directory()
    where.mkdir(parents=True, exist_ok=True)
    path = where / f"{FILE_PREFIX}{model.version}{FILE_SUFFIX}"
    payload = {
        "format": FORMAT,
        "version": model.version,
        "features": list(model.feature_names),
        "trained_at": model.trained_at,
        "sklearn": sklearn.__version__,
        "evaluation": model.evaluation,
        "beats_prior": model.beats_prior,
        "pipeline": model.pipeline,
    }
    _write_atomically(path, lambda f: joblib.dump(payload, f))
    about = {key: value for key, value in payload.items() if key != "pipeline"}
    about["coefficients"] = model.coefficients()
    text = json.dumps(about, indent=2, ensure_ascii=False).encode()
    _write_atomically(path.with_suffix(".json"), lambda f: f.write(text))
    return path


def _write_atomically(path: Path, write: Any) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as f:
            write(f)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def newest(where: Path | None = None) -> Path | None:
    """The newest saved model file (versions are UTC timestamps, so they sort by time)."""
    where = where or directory()
    try:
        names = [
            entry.name
            for entry in os.scandir(where)
            if entry.name.startswith(FILE_PREFIX) and entry.name.endswith(FILE_SUFFIX)
        ]
    except FileNotFoundError:
        return None
    return where / max(names) if names else None


# Path → (mtime_ns, model or None): one load per file version and process.
_cache: dict[Path, tuple[int, AcceptanceModel | None]] = {}


def load(path: Path) -> AcceptanceModel | None:
    """The model saved at `path`, or None if it cannot be used (logged)."""
    import joblib

    try:
        # joblib files are pickles, and loading a pickle runs code: only ever load from
        # MATCHING_MODEL_DIR, which only `train_matching` writes. Never point it at files
        # from elsewhere.
        payload = joblib.load(path)
    except Exception:
        logger.exception("acceptance model %s cannot be loaded; ranking uses the prior", path)
        return None
    if payload.get("format") != FORMAT or tuple(payload.get("features", ())) != FEATURES:
        logger.warning(
            "acceptance model %s was trained on other features; ranking uses the prior until "
            "`manage.py train_matching` trains a new one",
            path,
        )
        return None
    return AcceptanceModel(
        version=payload["version"],
        pipeline=payload["pipeline"],
        feature_names=tuple(payload["features"]),
        trained_at=payload["trained_at"],
        evaluation=payload["evaluation"],
        beats_prior=bool(payload["beats_prior"]),
    )


def current(where: Path | None = None) -> AcceptanceModel | None:
    """The model ranking should use: the newest saved one if it beat the prior, else None.

    Costs a directory listing and a stat per call; the file is read again only when it changed.
    """
    path = newest(where)
    if path is None:
        return None
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        return None
    cached = _cache.get(path)
    if cached is None or cached[0] != mtime:
        _cache.clear()
        cached = (mtime, load(path))
        _cache[path] = cached
    model = cached[1]
    return model if model is not None and model.beats_prior else None
