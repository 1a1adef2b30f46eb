"""The feature matrix: what ranking knows about each eligible volunteer, as numbers. No ORM.

`matching.pool.gather` (or the simulation, in memory) fills a `Pool` of plain columns for
the volunteers who passed every hard constraint; `matrix` turns a `Demand` and a `Pool` into an
(n × len(FEATURES)) float array. The same numbers feed the transparent prior (`scoring`), the
learned acceptance model (`model`) and the reasons staff read, and each match carries its row as
`Match.features`, which the offer stores so that `train_matching` later learns from exactly what
the ranking saw. Every value is finite, so a row is valid JSON (PostgreSQL's jsonb refuses NaN).

The columns, in order (a stored model names them; rename one only with a new model):

- language_fit      mean over the needed languages of the level's weight (native 1.0 … B1 0.6),
                    × CLOSE_LANGUAGE_FACTOR where a close language stands in (Dari for Persian)
- language_min      the weakest needed language's fit
- close_language    1 if a close language stands in for one asked for, else 0
- skill_level       the volunteer's own level in the skill: 0 not given, 1 basic, 2 experienced,
                    3 professional
- distance_km       between the postcode area points (0 for phone/video)
- distance_share    distance / the volunteer's own limit (0 for phone/video)
- remote            1 for a phone/video request
- offers_30d        offers sent to them in the last 30 days
- tasks_30d         offers they accepted in the last 30 days
- days_since_asked  since their last offer; DAYS_CAP if never (or longer ago)
- days_since_task   since the start of their last accepted appointment; DAYS_CAP if none
- offers_accepted   offers accepted, ever
- offers_decided    offers accepted, declined or left to expire, ever
- acceptance_rate   the smoothed rate (accepted + 1) / (decided + 3)
- response_hours    median hours from sending to their answer; RESPONSE_HOURS_UNKNOWN if none
- office_tasks      accepted appointments for this request's office that have started
- tenure_days       since they registered
- lead_days         from the ranking to the appointment (the same for every candidate)
- start_hour        the appointment's Berlin wall-clock hour (the same for every candidate)
- in_times          1 if one of their stated weekly times covers the appointment, else 0
- no_times          1 if they stated no weekly times at all (flexible by definition), else 0
- outside_rate      their smoothed acceptance rate of offers made outside their stated times,
                    (accepted + 1) / (decided + 3), like acceptance_rate
- attended          accepted assignments they really attended (check-in or office: it took place)
- attendance_due    accepted assignments that count for reliability: attended, their own
                    no-shows, and late drop-outs (signed off within LOTSE_LATE_DROPOUT_HOURS of
                    the start). A client who did not come, or an appointment called off, is
                    not counted either way.

`attended` and `attendance_due` came after offers were first stored: a stored row without them
was ranked before any check-in existed, when both were 0 for everyone (`ADDED_LATER`).

`distance_share` above 1 means beyond their own limit: flexible people may be asked up to
`BEYOND_LIMIT_FACTOR` times it.

Tiers (`tiers`): within a request, candidates fall into EXACT (in their times and within their
limit), OUTSIDE_TIMES (within their limit, but outside their stated times or without any) and
BEYOND_LIMIT (farther than their limit). Every candidate of a better tier ranks above every
candidate of a worse one; the score orders people within a tier.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

# Level order as in volunteers.models.Level (a test keeps the two in step); importing the model
# here would tie this module to the ORM.
LEVELS: tuple[str, ...] = ("A1", "A2", "B1", "B2", "C1", "C2", "native")
LEVEL_WEIGHT: Mapping[str, float] = {
    "A1": 0.3,
    "A2": 0.45,
    "B1": 0.6,
    "B2": 0.75,
    "C1": 0.9,
    "C2": 0.95,
    "native": 1.0,
}
# A close variety serves, but less well than the language asked for.
CLOSE_LANGUAGE_FACTOR = 0.75
# VolunteerSkill.Level as a number; "" is a volunteer who did not say.
SKILL_LEVEL: Mapping[str, float] = {"": 0.0, "basic": 1.0, "experienced": 2.0, "professional": 3.0}

# "Never" and "longer ago than a year" look the same to ranking: both mean "not lately".
DAYS_CAP = 365.0
# A volunteer who never answered is taken to answer within a day, the typical wait.
RESPONSE_HOURS_UNKNOWN = 24.0
# When a pure caller gives no appointment time (tests), a week ahead at noon.
LEAD_DAYS_UNKNOWN = 7.0
START_HOUR_UNKNOWN = 12.0
RECENT_DAYS = 30

FEATURES: tuple[str, ...] = (
    "language_fit",
    "language_min",
    "close_language",
    "skill_level",
    "distance_km",
    "distance_share",
    "remote",
    "offers_30d",
    "tasks_30d",
    "days_since_asked",
    "days_since_task",
    "offers_accepted",
    "offers_decided",
    "acceptance_rate",
    "response_hours",
    "office_tasks",
    "tenure_days",
    "lead_days",
    "start_hour",
    "in_times",
    "no_times",
    "outside_rate",
    "attended",
    "attendance_due",
)
# Features added after offers were stored, with the value every candidate had before they
# existed; `from_dicts` fills them in for older rows instead of dropping them from training.
ADDED_LATER: Mapping[str, float] = {"attended": 0.0, "attendance_due": 0.0}
INDEX: Mapping[str, int] = {name: i for i, name in enumerate(FEATURES)}
# Features that are the same for every candidate of one request: they move P(accept) for the
# whole list (and so the wave size) but never explain why one person ranks above another.
REQUEST_LEVEL: frozenset[str] = frozenset({"remote", "lead_days", "start_hour"})
# Rounding of the stored values: enough for learning, short in the database.
DECIMALS = 4

# How far beyond their own travel limit a flexible volunteer may be asked.
BEYOND_LIMIT_FACTOR = 1.5
# The tiers, best first (see the module docstring).
EXACT, OUTSIDE_TIMES, BEYOND_LIMIT = 0, 1, 2
TIERS: tuple[int, ...] = (EXACT, OUTSIDE_TIMES, BEYOND_LIMIT)


@dataclass(frozen=True)
class Demand:
    """What the request asks for, as far as scoring is concerned.

    `acceptable[i]` maps every language code that may stand in for `languages[i]` (the code
    itself included) to its CLDR distance from it (0 = the same language). `lead_days` and
    `start_hour` describe the appointment as seen at the moment of ranking.
    """

    languages: tuple[str, ...]
    acceptable: tuple[Mapping[str, int], ...]
    remote: bool
    lead_days: float = LEAD_DAYS_UNKNOWN
    start_hour: float = START_HOUR_UNKNOWN


# The Pool's optional columns and what None stands for.
OPTIONAL_COLUMNS: Mapping[str, float] = {
    "skill_level": 0.0,
    "offers_recent": 0.0,
    "days_since_asked": np.nan,
    "days_since_task": np.nan,
    "response_hours": np.nan,
    "office_tasks": 0.0,
    "tenure_days": 0.0,
    # A caller that does not know when people are free treats everyone as free then.
    "in_times": 1.0,
    "no_times": 0.0,
    "outside_accepted": 0.0,
    "outside_decided": 0.0,
    "attended": 0.0,
    "attendance_due": 0.0,
}


@dataclass(frozen=True)
class Pool:
    """The eligible volunteers as columns; `spoken_*` are rows of their spoken languages.

    `spoken_owner[r]` is the position (not the id) in `volunteer_id` of the volunteer who speaks
    row r. `distance_km` is NaN for a phone/video request. The history columns after
    `spoken_level` are optional for a caller that lacks them: None means none (zero counts,
    never asked, no task, no answer, unknown skill level, registered today).
    `days_since_*` and `response_hours` are NaN where there is nothing to measure.
    """

    volunteer_id: np.ndarray
    distance_km: np.ndarray
    max_distance_km: np.ndarray
    accepted: np.ndarray
    decided: np.ndarray
    recent_accepted: np.ndarray
    spoken_owner: np.ndarray
    spoken_code: np.ndarray
    spoken_level: np.ndarray
    skill_level: np.ndarray | None = None
    offers_recent: np.ndarray | None = None
    days_since_asked: np.ndarray | None = None
    days_since_task: np.ndarray | None = None
    response_hours: np.ndarray | None = None
    office_tasks: np.ndarray | None = None
    tenure_days: np.ndarray | None = None
    # 1.0 where a stated weekly time covers the appointment; 1.0 where they stated none.
    in_times: np.ndarray | None = None
    no_times: np.ndarray | None = None
    # Offers made to them outside their stated times: accepted, and decided (as `decided`).
    outside_accepted: np.ndarray | None = None
    outside_decided: np.ndarray | None = None
    # Accepted assignments attended, and those that count for reliability (see the module
    # docstring): a client no-show counts for neither.
    attended: np.ndarray | None = None
    attendance_due: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.volunteer_id)
        for name, default in OPTIONAL_COLUMNS.items():
            if getattr(self, name) is None:
                # A frozen dataclass: filling in the defaults is the one write it allows itself.
                object.__setattr__(self, name, np.full(n, default))

    @classmethod
    def empty(cls) -> Pool:
        ints, floats, texts = (np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0, dtype=str))
        return cls(ints, floats, floats, ints, ints, ints, ints, texts, texts)

    def __len__(self) -> int:
        return len(self.volunteer_id)


@dataclass(frozen=True)
class LanguageFit:
    """Per needed language (rows) and volunteer (columns): the fit and the spoken row used."""

    factor: np.ndarray
    row: np.ndarray


def language_fit(demand: Demand, pool: Pool) -> LanguageFit:
    """For each needed language, each volunteer's best spoken row and how well it serves.

    A row serves with its level's weight, times CLOSE_LANGUAGE_FACTOR when it is a close
    language rather than the one asked for. A volunteer without any row for a language gets
    factor 0 and row -1.
    """
    n, k = len(pool), len(demand.languages)
    factor = np.zeros((k, n))
    chosen = np.full((k, n), -1, dtype=np.int64)
    if n == 0 or len(pool.spoken_code) == 0:
        return LanguageFit(factor, chosen)
    # Look up per distinct code and level, not per row: a pool has few distinct values.
    codes, code_of_row = np.unique(pool.spoken_code, return_inverse=True)
    levels, level_of_row = np.unique(pool.spoken_level, return_inverse=True)
    weight = np.array([LEVEL_WEIGHT.get(str(level), 0.0) for level in levels])[level_of_row]
    owner = pool.spoken_owner
    for i, (needed, acceptable) in enumerate(zip(demand.languages, demand.acceptable, strict=True)):
        exact_code = np.array([str(code) == needed for code in codes])
        code_factor = np.array(
            [
                (1.0 if str(code) == needed else CLOSE_LANGUAGE_FACTOR)
                if str(code) in acceptable
                else 0.0
                for code in codes
            ]
        )
        row_factor = weight * code_factor[code_of_row]
        exact = exact_code[code_of_row]
        # Best row first within each volunteer; on equal factors the language asked for wins.
        order = np.lexsort((~exact, -row_factor, owner))
        owners = owner[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = owners[1:] != owners[:-1]
        best = order[first]
        usable = row_factor[best] > 0
        factor[i, owner[best[usable]]] = row_factor[best[usable]]
        chosen[i, owner[best[usable]]] = best[usable]
    return LanguageFit(factor, chosen)


def smoothed_rate(*, accepted: np.ndarray, decided: np.ndarray) -> np.ndarray:
    """(accepted + 1) / (decided + 3): 1/3 without history, moving towards the own rate."""
    return (np.asarray(accepted, dtype=float) + 1) / (np.asarray(decided, dtype=float) + 3)


def matrix(demand: Demand, pool: Pool, fit: LanguageFit | None = None) -> np.ndarray:
    """The (len(pool) × len(FEATURES)) feature matrix; `fit` if already computed."""
    n = len(pool)
    fit = fit if fit is not None else language_fit(demand, pool)
    # Column-major: the matrix is filled, scaled and logged column by column.
    x = np.zeros((n, len(FEATURES)), order="F")
    if n == 0:
        return x

    def put(name: str, values: np.ndarray | float) -> None:
        x[:, INDEX[name]] = values

    if demand.languages:
        put("language_fit", fit.factor.mean(axis=0))
        put("language_min", fit.factor.min(axis=0))
        put("close_language", _close_language(demand, pool, fit))
    else:
        put("language_fit", 1.0)
        put("language_min", 1.0)
    put("skill_level", pool.skill_level)
    distance = np.asarray(pool.distance_km, dtype=float)
    if not demand.remote:
        known = np.nan_to_num(distance, nan=0.0)
        put("distance_km", known)
        put("distance_share", known / np.maximum(np.asarray(pool.max_distance_km, float), 1.0))
    put("remote", 1.0 if demand.remote else 0.0)
    put("offers_30d", pool.offers_recent)
    put("tasks_30d", pool.recent_accepted)
    put("days_since_asked", _days(pool.days_since_asked))
    put("days_since_task", _days(pool.days_since_task))
    put("offers_accepted", pool.accepted)
    put("offers_decided", pool.decided)
    put("acceptance_rate", smoothed_rate(accepted=pool.accepted, decided=pool.decided))
    hours = np.asarray(pool.response_hours, dtype=float)
    put("response_hours", np.where(np.isnan(hours), RESPONSE_HOURS_UNKNOWN, np.maximum(hours, 0)))
    put("office_tasks", pool.office_tasks)
    put("tenure_days", np.maximum(np.nan_to_num(pool.tenure_days, nan=0.0), 0.0))
    put("lead_days", _finite(demand.lead_days, LEAD_DAYS_UNKNOWN, low=0.0))
    put("start_hour", _finite(demand.start_hour, START_HOUR_UNKNOWN, low=0.0))
    no_times = np.asarray(pool.no_times, dtype=float) > 0
    put("in_times", np.where(no_times, 0.0, np.asarray(pool.in_times, dtype=float) > 0))
    put("no_times", no_times.astype(float))
    put(
        "outside_rate",
        smoothed_rate(accepted=pool.outside_accepted, decided=pool.outside_decided),
    )
    put("attended", pool.attended)
    put("attendance_due", pool.attendance_due)
    return x


def tiers(x: np.ndarray) -> np.ndarray:
    """The tier of each row of a feature matrix: EXACT, OUTSIDE_TIMES or BEYOND_LIMIT."""
    beyond = column(x, "distance_share") > 1.0
    inside = column(x, "in_times") > 0
    return np.where(beyond, BEYOND_LIMIT, np.where(inside, EXACT, OUTSIDE_TIMES)).astype(np.int64)


def _close_language(demand: Demand, pool: Pool, fit: LanguageFit) -> np.ndarray:
    close = np.zeros(len(pool), dtype=bool)
    for i, needed in enumerate(demand.languages):
        rows = fit.row[i]
        used = rows >= 0
        close[used] |= pool.spoken_code[rows[used]] != needed
    return close.astype(float)


def _days(values: np.ndarray) -> np.ndarray:
    days = np.asarray(values, dtype=float)
    return np.clip(np.where(np.isnan(days), DAYS_CAP, days), 0.0, DAYS_CAP)


def _finite(value: float, default: float, *, low: float) -> float:
    return default if value is None or not math.isfinite(value) else max(float(value), low)


def column(x: np.ndarray, name: str) -> np.ndarray:
    """The column `name` of a feature matrix."""
    return x[:, INDEX[name]]


def as_dict(row: np.ndarray) -> dict[str, float]:
    """One row as the JSON-able mapping a Match carries and an Offer stores."""
    return {name: round(float(value), DECIMALS) for name, value in zip(FEATURES, row, strict=True)}


def from_dicts(rows: list[Mapping[str, object]]) -> tuple[np.ndarray, np.ndarray]:
    """Stored feature mappings back into a matrix, and a mask of the rows that had every feature.

    Rows stored before a feature existed (or hand-made offers without features) are left out
    by the mask rather than guessed, except for the features of `ADDED_LATER`, whose value
    before they existed is known.
    """
    x = np.zeros((len(rows), len(FEATURES)))
    complete = np.ones(len(rows), dtype=bool)
    for i, row in enumerate(rows):
        try:
            values = [
                float(row[name] if name in row else ADDED_LATER[name])  # type: ignore[arg-type]
                for name in FEATURES
            ]
        except (KeyError, TypeError, ValueError):
            complete[i] = False
            continue
        if not all(math.isfinite(value) for value in values):
            complete[i] = False
            continue
        x[i] = values
    return x, complete
