"""The numeric core of the ranking: features in, scores and reasons out. No ORM, no database.

`matching.candidates` gathers, for the volunteers who pass every hard constraint, a `Pool` of
plain arrays; `matching.features` turns it into the feature matrix; this module turns that into
an ordered list of `Match`:

    suitability = language fit × distance fit × load fit
    score       = suitability × P(accept) × fairness

- language fit: the mean over the needed languages of the level's weight (native 1.0 … B1 0.6),
  three quarters of it when the volunteer speaks a close language instead (Dari for Persian);
- distance fit: 1.0 at the door, falling linearly to 0.5 at the volunteer's own limit and on
  to 0.25 at 1.5 times it (flexible people only); 1.0 for phone/video;
- load fit (busy people move down): 1 / (1 + MATCHING_LOAD_STEP × tasks accepted in the last
  30 days), so work spreads out;
- P(accept): the learned model's (`matching.model`) when one is saved that beat the prior, else
  the transparent prior: 0.3 with no history, scaled by the smoothed acceptance rate
  (accepted + 1) / (decided + 3) relative to the rate of someone without history (1/3).
  "Decided" offers are those accepted, declined or left to expire: an ignored offer is a no.
  Outside their stated times the prior is OUTSIDE_TIMES_PRIOR of that, moved by their own
  smoothed rate of accepting offers outside their times; without stated times, NO_TIMES_PRIOR;
- fairness (recently asked people move down): 1 / (1 + MATCHING_FAIRNESS_OFFER_STEP × offers in
  the last 30 days) × (1 − MATCHING_FAIRNESS_RECENT_PENALTY × ½^(days since last asked /
  MATCHING_FAIRNESS_HALF_LIFE_DAYS)): someone asked an hour ago counts half by default, someone
  asked a fortnight ago seven eighths of a person never asked.

Candidates are ranked tier by tier (`features.tiers`: in their times and within their limit,
then outside their times, then beyond their limit); the score orders people within a tier.

Reasons (2–4) always name the languages, the distance and the offer history, the facts the score
is built on; further reasons are the other features that moved this person's score most, by their
contribution: the log of the factor for load and fairness, plus, with a learned model, each
feature's share of the log-odds.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from django.conf import settings
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from matching import features
from matching.features import (
    CLOSE_LANGUAGE_FACTOR,
    DAYS_CAP,
    LEVEL_WEIGHT,
    LEVELS,
    LanguageFit,
    Need,
    Pool,
    column,
    language_fit,
)
from volunteers import languages, places
from volunteers.translation import active_language

if TYPE_CHECKING:
    from matching.model import AcceptanceModel

__all__ = [
    "CLOSE_LANGUAGE_FACTOR",
    "LEVELS",
    "LEVEL_WEIGHT",
    "LanguageFit",
    "Match",
    "Need",
    "Pool",
    "language_fit",
    "rank",
    "score",
]

# At the volunteer's own distance limit the distance fit has fallen to this.
DISTANCE_FIT_AT_LIMIT = 0.5
BASE_P_ACCEPT = 0.3
# The prior's share of P(accept) for an appointment outside someone's stated times (they may be
# busy then), and for someone who stated no times at all (they said: ask me any time).
OUTSIDE_TIMES_PRIOR = 0.5
NO_TIMES_PRIOR = 0.8
# The smoothed rate (accepted + 1) / (decided + 3) of someone who has decided no offer yet.
NO_HISTORY_RATE = 1 / 3
MIN_REASONS = 2
MAX_REASONS = 4
# A feature whose contribution to log(score) is smaller than this explains nothing worth saying.
NOTABLE_CONTRIBUTION = 0.05
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


def p_accept(
    *,
    accepted: np.ndarray,
    decided: np.ndarray,
    in_times: np.ndarray | None = None,
    no_times: np.ndarray | None = None,
    outside_rate: np.ndarray | None = None,
) -> np.ndarray:
    """The prior chance that a volunteer accepts: 0.3, moved by their own smoothed rate; outside
    their stated times a share of it, moved by how they answered such offers before."""
    rate = features.smoothed_rate(accepted=accepted, decided=decided)
    chance = BASE_P_ACCEPT * rate / NO_HISTORY_RATE
    if in_times is None:
        return chance
    outside = OUTSIDE_TIMES_PRIOR * np.asarray(outside_rate, dtype=float) / NO_HISTORY_RATE
    factor = np.where(
        np.asarray(no_times, dtype=float) > 0,
        NO_TIMES_PRIOR,
        np.where(np.asarray(in_times, dtype=float) > 0, 1.0, np.minimum(outside, 1.0)),
    )
    return np.clip(chance * factor, 0.0, 1.0)


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
    step = settings.MATCHING_LOAD_STEP
    return 1.0 / (1.0 + step * np.asarray(recent_accepted, dtype=float))


def fairness(*, offers_30d: np.ndarray, days_since_asked: np.ndarray) -> np.ndarray:
    """Lower for people asked often or just now, so that the same few are not asked every time."""
    days = np.asarray(days_since_asked, dtype=float)
    half_life = settings.MATCHING_FAIRNESS_HALF_LIFE_DAYS
    recency = 1.0 - settings.MATCHING_FAIRNESS_RECENT_PENALTY * np.exp2(-days / half_life)
    offers = np.asarray(offers_30d, dtype=float)
    return recency / (1.0 + settings.MATCHING_FAIRNESS_OFFER_STEP * offers)


def score(need: Need, pool: Pool, *, model: AcceptanceModel | None = None) -> Scores:
    """Suitability, P(accept), fairness and score for every volunteer of the pool."""
    fit = language_fit(need, pool)
    x = features.matrix(need, pool, fit)
    complete = (fit.row >= 0).all(axis=0) if len(need.languages) else np.ones(len(pool), bool)
    load = load_fit(recent_accepted=pool.recent_accepted)
    suitability = (
        column(x, "language_fit")
        * distance_fit(distance_km=pool.distance_km, max_distance_km=pool.max_distance_km)
        * load
    )
    if model is not None:
        chance = model.predict(x)
    else:
        chance = p_accept(
            accepted=pool.accepted,
            decided=pool.decided,
            in_times=column(x, "in_times"),
            no_times=column(x, "no_times"),
            outside_rate=column(x, "outside_rate"),
        )
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
    need: Need,
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
    scores = score(need, pool, model=model)
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
                        need,
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
    if model is not None:
        shares = model.contributions(scores.x[positions])
        for kind, names in EXTRA_REASONS.items():
            for name in names:
                out[kind] += shares[:, features.INDEX[name]]
    return out


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
        # What is soft about a candidate outside the exact tier.
        self.outside_times = _("outside their stated times")
        self.no_times = _("no fixed times stated")
        self.beyond_limit = _("%(km)s km beyond their limit")
        # The weekly window that covers the appointment, e.g. "free Tue 9–12".
        self.free = _("free %(weekday)s %(start)s–%(end)s")
        self.decimal_separator = str(get_format("DECIMAL_SEPARATOR"))
        self._plural: dict[tuple[str, int], str] = {}
        self._windows: dict[tuple[int, dt.time, dt.time], str] = {}

    def name(self, code: str) -> str:
        return _language_name(code, self.lang)

    def spoken(self, code: str, level: str) -> str:
        if level == "native":
            return self.native % {"language": self.name(code)}
        return f"{self.name(code)} {level}"

    def free_window(self, weekday: int, start: dt.time, end: dt.time) -> str:
        # Many candidates share a window; the weekday's name is a lazy translation.
        key = (weekday, start, end)
        if key not in self._windows:
            self._windows[key] = self.free % {
                "weekday": str(WEEKDAYS_ABBR[weekday]),
                "start": clock(start),
                "end": clock(end),
            }
        return self._windows[key]

    def beyond(self, km: float) -> str:
        return self.beyond_limit % {
            "km": f"{max(km, 0.1):.1f}".replace(".", self.decimal_separator)
        }

    def distance(self, km: float) -> str:
        if km < SAME_AREA_KM:
            return self.same_area
        # The same figure as the volunteer's offer page shows (places.shown_km).
        shown = places.shown_km(km)
        return self.km_away % {"km": f"{shown:.1f}".replace(".", self.decimal_separator)}

    def _counted(self, key: str, count: int, make: Callable[[int], str]) -> str:
        if (key, count) not in self._plural:
            self._plural[(key, count)] = make(count)
        return self._plural[(key, count)]

    def history(self, accepted: int, decided: int) -> str:
        if not decided:
            return self.no_history
        return self._counted(
            f"history-{accepted}",
            decided,
            lambda n: (
                ngettext(
                    "accepted %(accepted)d of %(decided)d offer",
                    "accepted %(accepted)d of %(decided)d offers",
                    n,
                )
                % {"accepted": accepted, "decided": n}
            ),
        )

    def recent(self, count: int) -> str:
        return self._counted(
            "recent",
            count,
            lambda n: (
                ngettext(
                    "%(count)d task accepted in the last 30 days",
                    "%(count)d tasks accepted in the last 30 days",
                    n,
                )
                % {"count": n}
            ),
        )

    def ago(self, days: float) -> str:
        """How long ago, roughly: today, yesterday, 5 days, 3 weeks, 4 months, 2 years ago."""
        whole = int(days)
        if whole < 1:
            return _("today")
        if whole < 2:  # the day before today
            return _("yesterday")
        if whole < 14:  # two weeks: from here on, in weeks
            unit, count = "days", whole
        elif whole < 61:  # two months: from here on, in months
            unit, count = "weeks", whole // 7
        elif whole < 730:  # two years: from here on, in years
            unit, count = "months", whole // 30
        else:
            unit, count = "years", whole // 365
        return self._counted(f"ago-{unit}", count, lambda n: _AGO[unit](n) % {"count": n})

    def asked(self, *, offers_30d: int, days: float) -> str:
        if offers_30d >= 2:  # once is said better by "last asked ..."
            return self._counted(
                "asked",
                offers_30d,
                lambda n: (
                    ngettext(
                        "asked %(count)d time in the last 30 days",
                        "asked %(count)d times in the last 30 days",
                        n,
                    )
                    % {"count": n}
                ),
            )
        if days >= DAYS_CAP:
            return _("not asked lately")
        return _("last asked %(ago)s") % {"ago": self.ago(days)}

    def last_task(self, days: float) -> str:
        if days >= DAYS_CAP:
            return _("no task lately")
        return _("last task %(ago)s") % {"ago": self.ago(days)}

    def office(self, count: int) -> str:
        if not count:
            return _("no task for this office yet")
        return self._counted(
            "office",
            count,
            lambda n: (
                ngettext(
                    "%(count)d task for this office before",
                    "%(count)d tasks for this office before",
                    n,
                )
                % {"count": n}
            ),
        )

    def response(self, hours: float) -> str:
        if hours <= 36:  # up to a day and a half, in hours
            count = max(1, math.ceil(hours))
            return self._counted(
                "response-hours",
                count,
                lambda n: (
                    ngettext(
                        "usually answers within %(count)d hour",
                        "usually answers within %(count)d hours",
                        n,
                    )
                    % {"count": n}
                ),
            )
        return self._counted(
            "response-days",
            math.ceil(hours / 24),
            lambda n: (
                ngettext(
                    "usually answers within %(count)d day",
                    "usually answers within %(count)d days",
                    n,
                )
                % {"count": n}
            ),
        )

    def tenure(self, days: float) -> str:
        return _("registered %(ago)s") % {"ago": self.ago(days)}

    def skill(self, level: float) -> str | None:
        return {
            1: _("basic skills in this task"),
            2: _("experienced in this task"),
            3: _("professional in this task"),
        }.get(round(level))


_AGO: Mapping[str, Callable[[int], str]] = {
    "days": lambda n: ngettext("%(count)d day ago", "%(count)d days ago", n),
    "weeks": lambda n: ngettext("%(count)d week ago", "%(count)d weeks ago", n),
    "months": lambda n: ngettext("%(count)d month ago", "%(count)d months ago", n),
    "years": lambda n: ngettext("%(count)d year ago", "%(count)d years ago", n),
}


def clock(moment: dt.time) -> str:
    """9, 9:30 or 23:59: whole hours without minutes, as people say them."""
    return f"{moment.hour}" if moment.minute == 0 else f"{moment.hour}:{moment.minute:02}"


def with_free_windows(
    matches: list[Match], windows: Mapping[int, tuple[dt.time, dt.time]], *, weekday: int
) -> list[Match]:
    """`matches` with the weekly window that covers the appointment as a last reason, for those
    with room left among their MAX_REASONS: every candidate is free then, so it says least."""
    wording = Wording()
    out = []
    for match in matches:
        window = windows.get(match.volunteer_id)
        if window is not None and len(match.reasons) < MAX_REASONS:
            reason = wording.free_window(weekday, *window)
            match = replace(match, reasons=[*match.reasons, reason])
        out.append(match)
    return out


def _extra_reason(kind: str, x: np.ndarray, pool: Pool, j: int, wording: Wording) -> str | None:
    """The phrase for an extra reason, from the very feature values it speaks for."""

    def value(name: str) -> float:
        return float(x[features.INDEX[name]])

    if kind == "load":
        count = int(value("tasks_30d"))
        return wording.recent(count) if count else None
    if kind == "asked":
        return wording.asked(offers_30d=int(value("offers_30d")), days=value("days_since_asked"))
    if kind == "last_task":
        return wording.last_task(value("days_since_task"))
    if kind == "office":
        return wording.office(int(value("office_tasks")))
    if kind == "response":
        # The feature holds a stand-in for "never answered"; the pool knows it is unknown.
        unknown = np.isnan(pool.response_hours[j])
        return None if unknown else wording.response(value("response_hours"))
    if kind == "tenure":
        return wording.tenure(value("tenure_days"))
    if kind == "skill":
        return wording.skill(value("skill_level"))
    raise ValueError(f"no wording for the reason {kind!r}; add it to _extra_reason")


def reasons(
    need: Need,
    pool: Pool,
    fit: LanguageFit,
    j: int,
    *,
    wording: Wording | None = None,
    x: np.ndarray | None = None,
    contribution: Mapping[str, float] | None = None,
) -> list[str]:
    """Why volunteer `j` (a position in the pool) is on the list, in the active language.

    In this order, at most MAX_REASONS: the languages asked for that they speak, with level;
    each close language standing in for one asked for; the distance (or phone/video); what is
    soft about them (outside their stated times, or beyond their limit); their history with
    offers; then the other features that moved their score most (`contribution`:
    reason kind → its effect on log(score)), largest first, if at least NOTABLE_CONTRIBUTION.
    """
    wording = wording or Wording()
    if x is None:
        x = features.matrix(need, pool, fit)[j]
    if contribution is None:
        contribution = {
            "load": float(np.log(load_fit(recent_accepted=pool.recent_accepted[j : j + 1])[0]))
        }
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
        if float(x[features.INDEX["distance_share"]]) > 1.0:
            said.append(wording.beyond(distance - float(pool.max_distance_km[j])))
    if float(x[features.INDEX["no_times"]]) > 0:
        said.append(wording.no_times)
    elif float(x[features.INDEX["in_times"]]) <= 0:
        said.append(wording.outside_times)
    said.append(wording.history(int(pool.accepted[j]), int(pool.decided[j])))
    notable = sorted(
        (kind for kind, c in contribution.items() if abs(c) >= NOTABLE_CONTRIBUTION),
        key=lambda kind: (-abs(contribution[kind]), kind),
    )
    for kind in notable:
        if len(said) >= MAX_REASONS:
            break
        phrase = _extra_reason(kind, x, pool, j, wording)
        if phrase and phrase not in said:
            said.append(phrase)
    return said[:MAX_REASONS]
