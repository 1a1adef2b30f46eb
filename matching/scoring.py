"""The numbers of the ranking: features in, scores and an ordered list of `Match` out. No ORM.

`matching.pool` gathers, for the volunteers who pass every hard constraint, a `Pool` of plain
arrays; `matching.features` turns it into the feature matrix; this module turns that into an
ordered list of `Match`, and `matching.reasons` says why each is on it:

    suitability = language fit × distance fit × load fit
    score       = suitability × P(accept) × fairness

- language fit: the mean over the needed languages of the level's weight (native 1.0 … B1 0.6),
  three quarters of it when the volunteer speaks a close language instead (Dari for Persian);
- distance fit: 1.0 at the door, falling linearly to 0.5 at the volunteer's own limit and on
  to 0.25 at 1.5 times it (flexible people only); 1.0 for phone/video;
- load fit (busy people move down): 1 / (1 + MATCHING_LOAD_STEP × tasks accepted in the last
  30 days), so work spreads out;
- reliability (`reliability_fit`): the share of their accepted assignments they attended,
  smoothed towards RELIABILITY_TYPICAL as if RELIABILITY_PRIOR_COUNT assignments of typical
  attendance came first, relative to that typical share: 1.0 without a record, about 1.08 for
  11 of 11, 0.72 for 2 of 5. A client who did not come never counts; a late drop-out does;
- P(accept): the learned model's (`matching.model`) when one is saved that beat the prior, else
  the transparent prior (`matching.prior`, one formula for ranking, waves and evaluation);
- fairness (recently asked people move down): 1 / (1 + MATCHING_FAIRNESS_OFFER_STEP × offers in
  the last 30 days) × (1 − MATCHING_FAIRNESS_RECENT_PENALTY × ½^(days since last asked /
  MATCHING_FAIRNESS_HALF_LIFE_DAYS)): someone asked an hour ago counts half by default, someone
  asked a fortnight ago seven eighths of a person never asked.

Candidates are ranked tier by tier (`features.tiers`: in their times and within their limit,
then outside their times, then beyond their limit); the score orders people within a tier.
`contributions` says how much each factor beyond languages, distance and history moved a
person's log(score), for the reasons.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from matching import features, prior
from matching.conf import matching_settings
from matching.features import (
    CLOSE_LANGUAGE_FACTOR,
    LEVEL_WEIGHT,
    LEVELS,
    Demand,
    LanguageFit,
    Pool,
    column,
    language_fit,
)
from matching.reasons import Wording, reasons

if TYPE_CHECKING:
    from matching.model import AcceptanceModel

__all__ = [
    "CLOSE_LANGUAGE_FACTOR",
    "LEVELS",
    "LEVEL_WEIGHT",
    "Demand",
    "LanguageFit",
    "Match",
    "Pool",
    "language_fit",
    "rank",
    "score",
]

DISTANCE_FIT_AT_LIMIT = 0.5
# Reliability: most accepted assignments are attended; a record moves the share from there, and
# a few assignments move it little (one missed appointment is not a verdict).
RELIABILITY_TYPICAL = 0.9
RELIABILITY_PRIOR_COUNT = 5.0


@dataclass(frozen=True)
class Match:
    """One candidate for a request: where they rank, how well they fit, and why."""

    volunteer_id: int
    rank: int
    score: float
    p_accept: float
    distance_km: float | None
    reasons: list[str] = field(default_factory=list)
    # features.EXACT, OUTSIDE_TIMES or BEYOND_LIMIT: every match of a better tier ranks first.
    tier: int = features.EXACT
    # The feature values the match was ranked on (name -> number, see matching.features), stored
    # on the Offer so that the acceptance model can learn from what became of it.
    features: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Scores:
    """The numbers behind the ranking, one entry per volunteer of the pool."""

    language: LanguageFit
    suitability: np.ndarray
    p_accept: np.ndarray
    fairness: np.ndarray
    score: np.ndarray
    complete: np.ndarray
    # The feature matrix (len(pool) × len(features.FEATURES)).
    x: np.ndarray
    load: np.ndarray
    tier: np.ndarray
    # The reliability factor of each volunteer (1.0 without a record).
    reliability: np.ndarray | None = None


def distance_fit(*, distance_km: np.ndarray, max_distance_km: np.ndarray) -> np.ndarray:
    """1.0 next door, DISTANCE_FIT_AT_LIMIT at the volunteer's limit, lower beyond it; 1.0
    where unknown (remote)."""
    distance = np.asarray(distance_km, dtype=float)
    share = np.clip(
        distance / np.maximum(np.asarray(max_distance_km, dtype=float), 1.0),
        0,
        features.BEYOND_LIMIT_FACTOR,
    )
    fit = 1.0 - (1.0 - DISTANCE_FIT_AT_LIMIT) * share
    return np.where(np.isnan(distance), 1.0, fit)


def load_fit(*, recent_accepted: np.ndarray) -> np.ndarray:
    """Lower for people who took many tasks lately, so that work spreads out."""
    step = matching_settings().load_step
    return 1.0 / (1.0 + step * np.asarray(recent_accepted, dtype=float))


def reliability_fit(*, attended: np.ndarray, due: np.ndarray) -> np.ndarray:
    """Higher for people who came to what they accepted, lower for those who did not; 1.0
    for someone without a record."""
    share = (np.asarray(attended, dtype=float) + RELIABILITY_TYPICAL * RELIABILITY_PRIOR_COUNT) / (
        np.asarray(due, dtype=float) + RELIABILITY_PRIOR_COUNT
    )
    return share / RELIABILITY_TYPICAL


def fairness(*, offers_30d: np.ndarray, days_since_asked: np.ndarray) -> np.ndarray:
    """Lower for people asked often or just now, so that the same few are not asked every time."""
    days = np.asarray(days_since_asked, dtype=float)
    knobs = matching_settings()
    recency = 1.0 - knobs.fairness_recent_penalty * np.exp2(-days / knobs.fairness_half_life_days)
    offers = np.asarray(offers_30d, dtype=float)
    return recency / (1.0 + knobs.fairness_offer_step * offers)


def score(demand: Demand, pool: Pool, *, model: AcceptanceModel | None = None) -> Scores:
    """Suitability, P(accept), fairness and score for every volunteer of the pool."""
    fit = language_fit(demand, pool)
    x = features.matrix(demand, pool, fit)
    complete = (fit.row >= 0).all(axis=0) if len(demand.languages) else np.ones(len(pool), bool)
    load = load_fit(recent_accepted=pool.recent_accepted)
    reliable = reliability_fit(attended=column(x, "attended"), due=column(x, "attendance_due"))
    suitability = (
        column(x, "language_fit")
        * distance_fit(distance_km=pool.distance_km, max_distance_km=pool.max_distance_km)
        * load
        * reliable
    )
    chance = model.predict(x) if model is not None else prior.of_features(x)
    fair = fairness(
        offers_30d=column(x, "offers_30d"), days_since_asked=column(x, "days_since_asked")
    )
    return Scores(
        fit,
        suitability,
        chance,
        fair,
        suitability * chance * fair,
        complete,
        x,
        load,
        features.tiers(x),
        reliable,
    )


def order(scores: Scores, pool: Pool) -> np.ndarray:
    """Positions of the complete candidates: better tier first, then best score first; equal
    scores by volunteer id."""
    candidates = np.flatnonzero(scores.complete)
    ranked = np.lexsort(
        (pool.volunteer_id[candidates], -scores.score[candidates], scores.tier[candidates])
    )
    return candidates[ranked]


def rank(
    demand: Demand,
    pool: Pool,
    *,
    limit: int | None = None,
    model: AcceptanceModel | None = None,
    explain: bool = True,
) -> list[Match]:
    """The ranked matches (the best `limit`, or all), each with its features and 2–4 reasons.

    `model` gives P(accept) instead of the prior; `explain=False` leaves out the reasons (a
    simulation that reads none saves the wording).
    """
    scores = score(demand, pool, model=model)
    positions = order(scores, pool)
    if limit is not None:
        positions = positions[:limit]
    if explain:
        wording = Wording()
        extra = contributions(scores, positions, model=model)
    # Rounded in one go: a dict per match is most of the cost of a long list.
    stored = np.round(scores.x[positions], features.DECIMALS).tolist()
    matches = []
    for place, j in enumerate(positions, start=1):
        distance = float(pool.distance_km[j])
        matches.append(
            Match(
                volunteer_id=int(pool.volunteer_id[j]),
                rank=place,
                score=round(float(scores.score[j]), 4),
                p_accept=round(float(scores.p_accept[j]), 3),
                distance_km=None if np.isnan(distance) else round(distance, 1),
                tier=int(scores.tier[j]),
                reasons=(
                    reasons(
                        demand,
                        pool,
                        scores.language,
                        int(j),
                        wording=wording,
                        # The stored (rounded) values: a reason says what the offer keeps.
                        x=np.array(stored[place - 1]),
                        contribution={kind: float(c[place - 1]) for kind, c in extra.items()},
                    )
                    if explain
                    else []
                ),
                features=dict(zip(features.FEATURES, stored[place - 1], strict=True)),
            )
        )
    return matches


# --- Contributions ---------------------------------------------------------------------------

# Reasons beyond languages, distance and history, and the features each one speaks for.
EXTRA_REASONS: Mapping[str, tuple[str, ...]] = {
    "load": ("tasks_30d",),
    "asked": ("offers_30d", "days_since_asked"),
    "last_task": ("days_since_task",),
    "office": ("office_tasks",),
    "response": ("response_hours",),
    "tenure": ("tenure_days",),
    "skill": ("skill_level",),
    "reliability": ("attended", "attendance_due"),
}


def contributions(
    scores: Scores, positions: np.ndarray, *, model: AcceptanceModel | None = None
) -> dict[str, np.ndarray]:
    """For each extra reason and each ranked position, how much it moved log(score).

    Load and fairness are factors of the score: their contribution is the log of the factor. A
    learned model adds each feature's share of the log-odds against an average offer.
    """
    positions = np.asarray(positions, dtype=np.int64)
    out = {kind: np.zeros(len(positions)) for kind in EXTRA_REASONS}
    if len(positions) == 0:
        return out
    out["load"] += np.log(scores.load[positions])
    out["asked"] += np.log(np.maximum(scores.fairness[positions], 1e-9))
    if scores.reliability is not None:
        out["reliability"] += np.log(np.maximum(scores.reliability[positions], 1e-9))
    if model is not None:
        shares = model.contributions(scores.x[positions])
        for kind, names in EXTRA_REASONS.items():
            for name in names:
                out[kind] += shares[:, features.INDEX[name]]
    return out
