"""The numeric core of the ranking: features in, scores and reasons out. No ORM, no database.

`matching.candidates` gathers, for the volunteers who pass every hard constraint, a `Pool` of
plain arrays; this module turns it into an ordered list of `Match`. The prior is transparent on
purpose, so that every reason shown to staff is one of the numbers the score is made of:

    suitability = language fit × distance fit × load fit
    score       = suitability × P(accept)

- language fit: the mean over the needed languages of the level's weight (native 1.0 … B1 0.6),
  three quarters of it when the volunteer speaks a close language instead (Dari for Persian);
- distance fit: 1.0 at the door, falling linearly to 0.5 at the volunteer's own limit; 1.0 for
  phone/video;
- load fit: 1 / (1 + 0.25 × tasks accepted in the last 30 days), so work spreads out;
- P(accept): 0.3 with no history, scaled by the smoothed acceptance rate
  (accepted + 1) / (decided + 3) relative to the rate of someone without history (1/3).
  "Decided" offers are those accepted, declined or left to expire: an ignored offer is a no.

The learned model replaces P(accept) later; the reasons stay derived from the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from volunteers import languages
from volunteers.translation import active_language

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
# At the volunteer's own distance limit the distance fit has fallen to this.
DISTANCE_FIT_AT_LIMIT = 0.5
# Each task accepted in the last 30 days lowers the load fit by this step (1 / (1 + step × n)).
LOAD_STEP = 0.25
BASE_P_ACCEPT = 0.3
# The smoothed rate (accepted + 1) / (decided + 3) of someone who has decided no offer yet.
NO_HISTORY_RATE = 1 / 3
MAX_REASONS = 4
# Distances are between postcode area points: below this, both are in the same area.
SAME_AREA_KM = 0.05


@dataclass(frozen=True)
class Match:
    """One candidate for a request: where they rank, how well they fit, and why."""

    volunteer_id: int
    rank: int
    score: float
    p_accept: float
    distance_km: float | None
    reasons: list[str] = field(default_factory=list)
    # The feature values the match was ranked on (name -> number), stored on the Offer so that
    # the acceptance model can learn from what became of it.
    features: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Need:
    """What the request asks for, as far as scoring is concerned.

    `acceptable[i]` maps every language code that may stand in for `languages[i]` (the code
    itself included) to its CLDR distance from it (0 = the same language).
    """

    languages: tuple[str, ...]
    acceptable: tuple[Mapping[str, int], ...]
    remote: bool


@dataclass(frozen=True)
class Pool:
    """The eligible volunteers as columns; `spoken_*` are rows of their spoken languages.

    `spoken_owner[r]` is the position (not the id) in `volunteer_id` of the volunteer who speaks
    row r. `distance_km` is NaN for a phone/video request.
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


@dataclass(frozen=True)
class Scores:
    """The numbers behind the ranking, one entry per volunteer of the pool."""

    language: LanguageFit
    suitability: np.ndarray
    p_accept: np.ndarray
    score: np.ndarray
    complete: np.ndarray


def p_accept(*, accepted: np.ndarray, decided: np.ndarray) -> np.ndarray:
    """The prior chance that a volunteer accepts: 0.3, moved by their own smoothed rate."""
    rate = (np.asarray(accepted, dtype=float) + 1) / (np.asarray(decided, dtype=float) + 3)
    return BASE_P_ACCEPT * rate / NO_HISTORY_RATE


def distance_fit(*, distance_km: np.ndarray, max_distance_km: np.ndarray) -> np.ndarray:
    """1.0 next door, DISTANCE_FIT_AT_LIMIT at the volunteer's limit; 1.0 where unknown (remote)."""
    distance = np.asarray(distance_km, dtype=float)
    share = np.clip(distance / np.maximum(np.asarray(max_distance_km, dtype=float), 1.0), 0, 1)
    fit = 1.0 - (1.0 - DISTANCE_FIT_AT_LIMIT) * share
    return np.where(np.isnan(distance), 1.0, fit)


def load_fit(*, recent_accepted: np.ndarray) -> np.ndarray:
    """Lower for people who took many tasks lately, so that work spreads out."""
    return 1.0 / (1.0 + LOAD_STEP * np.asarray(recent_accepted, dtype=float))


def language_fit(need: Need, pool: Pool) -> LanguageFit:
    """For each needed language, each volunteer's best spoken row and how well it serves.

    A row serves with its level's weight, times CLOSE_LANGUAGE_FACTOR when it is a close
    language rather than the one asked for. A volunteer without any row for a language gets
    factor 0 and row -1.
    """
    n, k = len(pool), len(need.languages)
    factor = np.zeros((k, n))
    chosen = np.full((k, n), -1, dtype=np.int64)
    if n == 0 or len(pool.spoken_code) == 0:
        return LanguageFit(factor, chosen)
    # Look up per distinct code and level, not per row: a pool has few distinct values.
    codes, code_of_row = np.unique(pool.spoken_code, return_inverse=True)
    levels, level_of_row = np.unique(pool.spoken_level, return_inverse=True)
    weight = np.array([LEVEL_WEIGHT.get(str(level), 0.0) for level in levels])[level_of_row]
    owner = pool.spoken_owner
    for i, (needed, acceptable) in enumerate(zip(need.languages, need.acceptable, strict=True)):
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


def score(need: Need, pool: Pool) -> Scores:
    """Suitability, P(accept) and score for every volunteer of the pool."""
    fit = language_fit(need, pool)
    complete = (fit.row >= 0).all(axis=0) if len(need.languages) else np.ones(len(pool), bool)
    language = fit.factor.mean(axis=0) if len(need.languages) else np.ones(len(pool))
    suitability = (
        language
        * distance_fit(distance_km=pool.distance_km, max_distance_km=pool.max_distance_km)
        * load_fit(recent_accepted=pool.recent_accepted)
    )
    chance = p_accept(accepted=pool.accepted, decided=pool.decided)
    return Scores(fit, suitability, chance, suitability * chance, complete)


def order(scores: Scores, pool: Pool) -> np.ndarray:
    """Positions of the complete candidates, best score first; equal scores by volunteer id."""
    candidates = np.flatnonzero(scores.complete)
    ranked = np.lexsort((pool.volunteer_id[candidates], -scores.score[candidates]))
    return candidates[ranked]


def rank(need: Need, pool: Pool, *, limit: int | None = None) -> list[Match]:
    """The ranked matches (the best `limit`, or all), each with 2–4 reasons."""
    scores = score(need, pool)
    positions = order(scores, pool)
    if limit is not None:
        positions = positions[:limit]
    wording = Wording()
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
                reasons=reasons(need, pool, scores.language, int(j), wording=wording),
            )
        )
    return matches


# --- Reasons ---------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _language_name(code: str, lang: str) -> str:
    return languages.display_name(code, lang)


class Wording:
    """The phrases of the reasons in the active language, looked up once per ranking.

    Ranking thousands of volunteers would otherwise spend most of its time in gettext.
    """

    def __init__(self) -> None:
        self.lang = active_language()
        self.native = _("%(language)s native")
        self.close = _("speaks %(offered)s, close to %(needed)s")
        self.remote = _("by phone/video")
        self.same_area = _("same postcode area")
        self.km_away = _("%(km)s km away")
        self.no_history = _("no answered offers yet")
        self.decimal_separator = str(get_format("DECIMAL_SEPARATOR"))
        self._history: dict[tuple[int, int], str] = {}
        self._recent: dict[int, str] = {}

    def name(self, code: str) -> str:
        return _language_name(code, self.lang)

    def spoken(self, code: str, level: str) -> str:
        if level == "native":
            return self.native % {"language": self.name(code)}
        return f"{self.name(code)} {level}"

    def distance(self, km: float) -> str:
        if km < SAME_AREA_KM:
            return self.same_area
        return self.km_away % {"km": f"{km:.1f}".replace(".", self.decimal_separator)}

    def history(self, accepted: int, decided: int) -> str:
        if not decided:
            return self.no_history
        key = (accepted, decided)
        if key not in self._history:
            self._history[key] = ngettext(
                "accepted %(accepted)d of %(decided)d offer",
                "accepted %(accepted)d of %(decided)d offers",
                decided,
            ) % {"accepted": accepted, "decided": decided}
        return self._history[key]

    def recent(self, count: int) -> str:
        if count not in self._recent:
            self._recent[count] = ngettext(
                "%(count)d task accepted in the last 30 days",
                "%(count)d tasks accepted in the last 30 days",
                count,
            ) % {"count": count}
        return self._recent[count]


def reasons(
    need: Need, pool: Pool, fit: LanguageFit, j: int, *, wording: Wording | None = None
) -> list[str]:
    """Why volunteer `j` (a position in the pool) is on the list, in the active language.

    In this order, at most MAX_REASONS: the languages asked for that they speak, with level;
    each close language standing in for one asked for; the distance (or phone/video); their
    history with offers; tasks taken lately.
    """
    wording = wording or Wording()
    exact: list[str] = []
    close: list[str] = []
    for i, needed in enumerate(need.languages):
        row = int(fit.row[i, j])
        if row < 0:
            continue
        code, level = str(pool.spoken_code[row]), str(pool.spoken_level[row])
        if code == needed:
            exact.append(wording.spoken(code, level))
        else:
            phrase = wording.close % {"offered": wording.name(code), "needed": wording.name(needed)}
            if phrase not in close:
                close.append(phrase)
    said = [", ".join(exact)] if exact else []
    said.extend(close)
    distance = float(pool.distance_km[j])
    if need.remote or np.isnan(distance):
        said.append(wording.remote)
    else:
        said.append(wording.distance(distance))
    said.append(wording.history(int(pool.accepted[j]), int(pool.decided[j])))
    recent = int(pool.recent_accepted[j])
    if recent:
        said.append(wording.recent(recent))
    return said[:MAX_REASONS]
