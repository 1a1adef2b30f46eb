"""How many candidates to ask at once, and how long to wait for them. Pure functions.

A wave is the next few candidates of the ranking. `plan_wave` takes the smallest number of them
such that the chance that enough of them accept (at least one, or `needed` for a request that
needs several people) reaches the target, assuming each answers independently with their
`p_accept`. `wave_timeout` says how long a wave may stay unanswered before the next one goes
out: a share of the time left until the appointment, within bounds, so that a request for
tomorrow morning moves on within the hour and one for next week waits most of a day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol, TypeVar

from django.conf import settings


class HasChance(Protocol):
    @property
    def p_accept(self) -> float: ...


M = TypeVar("M", bound=HasChance)


def chance_at_least(chances: Sequence[float], needed: int) -> float:
    """P(at least `needed` of independent events with these probabilities happen).

    The Poisson-binomial tail, by dynamic programming over the number of successes.
    """
    if needed <= 0:
        return 1.0
    # at_least[k] = P(at least k successes so far), k = 0..needed (capped at `needed`).
    exactly = [1.0] + [0.0] * needed
    for p in chances:
        p = min(max(float(p), 0.0), 1.0)
        for k in range(needed, 0, -1):
            if k == needed:
                exactly[k] = exactly[k] + exactly[k - 1] * p
            else:
                exactly[k] = exactly[k] * (1 - p) + exactly[k - 1] * p
        exactly[0] *= 1 - p
    return exactly[needed]


def plan_wave(
    matches: Sequence[M],
    *,
    needed: int = 1,
    target: float | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
) -> list[M]:
    """The next candidates to ask: the shortest prefix of `matches` that reaches `target`.

    At least `minimum` (and at least `needed`) candidates, at most `maximum`; fewer only when
    fewer remain. Defaults come from the MATCHING_WAVE_* settings.
    """
    target = settings.MATCHING_WAVE_TARGET if target is None else target
    minimum = settings.MATCHING_WAVE_MIN if minimum is None else minimum
    floor = max(minimum, needed, 1)
    ceiling = wave_ceiling(needed=needed, minimum=minimum, maximum=maximum)
    chances: list[float] = []
    size = 0
    for size, match in enumerate(matches[:ceiling], start=1):
        chances.append(match.p_accept)
        if size >= floor and chance_at_least(chances, needed) >= target:
            break
    return list(matches[:size])


def wave_ceiling(*, needed: int = 1, minimum: int | None = None, maximum: int | None = None) -> int:
    """The most candidates `plan_wave` may take: ranking only that many is enough to plan a
    wave (and spares the reasons of everyone further down)."""
    minimum = settings.MATCHING_WAVE_MIN if minimum is None else minimum
    maximum = settings.MATCHING_WAVE_MAX if maximum is None else maximum
    return max(maximum, minimum, needed, 1)


def wave_timeout(*, now: dt.datetime, starts_at: dt.datetime) -> dt.timedelta:
    """How long to wait for answers to a wave before asking the next candidates.

    MATCHING_WAVE_TIMEOUT_SHARE of the time left until the appointment, at least
    MATCHING_WAVE_TIMEOUT_MIN_MINUTES and at most MATCHING_WAVE_TIMEOUT_MAX_HOURS; never past
    the appointment's start.
    """
    left = starts_at - now
    if left <= dt.timedelta(0):
        return dt.timedelta(0)
    shortest = dt.timedelta(minutes=settings.MATCHING_WAVE_TIMEOUT_MIN_MINUTES)
    longest = dt.timedelta(hours=settings.MATCHING_WAVE_TIMEOUT_MAX_HOURS)
    wait = left * settings.MATCHING_WAVE_TIMEOUT_SHARE
    return min(max(wait, shortest), longest, left)
