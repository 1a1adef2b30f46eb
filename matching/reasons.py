"""Why a candidate is on the list, in the active language: 2–4 short reasons per match.

Reasons always name the languages, the distance and the offer history, the facts the score is
built on, and what is soft about the person (outside their stated times, beyond their limit);
further reasons are the other features that moved this person's score most, by their
contribution (`matching.scoring.contributions`): the log of the factor for load and fairness,
plus, with a learned model, each feature's share of the log-odds.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from matching import features
from matching.features import DAYS_CAP, Demand, LanguageFit, Pool
from volunteers import languages, places
from volunteers.translation import active_language

if TYPE_CHECKING:
    from matching.scoring import Match

MIN_REASONS = 2
MAX_REASONS = 4
# A feature whose contribution to log(score) is smaller than this explains nothing worth saying.
NOTABLE_CONTRIBUTION = 0.05
# Distances are between postcode area points: below this, both are in the same area.
SAME_AREA_KM = 0.05


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

    def attendance(self, attended: int, due: int) -> str:
        """E.g. "came to 11 of 11 accepted assignments" ("war bei 11 von 11 Zusagen da")."""
        return self._counted(
            f"attended-{attended}",
            due,
            lambda n: (
                ngettext(
                    "came to %(attended)d of %(due)d accepted assignment",
                    "came to %(attended)d of %(due)d accepted assignments",
                    n,
                )
                % {"attended": attended, "due": n}
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
    if kind == "reliability":
        due = int(value("attendance_due"))
        return wording.attendance(int(value("attended")), due) if due else None
    raise ValueError(f"no wording for the reason {kind!r}; add it to _extra_reason")


def reasons(
    demand: Demand,
    pool: Pool,
    fit: LanguageFit,
    j: int,
    *,
    wording: Wording | None = None,
    x: np.ndarray | None = None,
    contribution: Mapping[str, float] = MappingProxyType({}),
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
        x = features.matrix(demand, pool, fit)[j]
    exact: list[str] = []
    close: list[str] = []
    for i, needed in enumerate(demand.languages):
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
    if demand.remote or np.isnan(distance):
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
