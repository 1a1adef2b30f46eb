"""How many candidates to ask at once, and how long to wait for them. Pure functions: the
policy of `matching.offering`, which plans the waves, and of the simulation.

A wave is the next few candidates of the ranking. `plan_wave` takes the smallest number of them
such that the chance that enough of them accept (at least one, or `needed` for a request that
needs several people) reaches the target, assuming each answers independently with their
`p_accept`. `wave_timeout` says how long a wave may stay unanswered before the next one goes
out: a share of the time left until the appointment, within bounds, so that a request for
tomorrow morning moves on within the hour and one for next week waits most of a day.

Waves follow the tiers of the ranking (`matching.features.tiers`): a wave asks only people of
the best tier still left, so nobody is asked outside their usual times while someone who said
they are free then has not been asked. An appointment within MATCHING_URGENT_HOURS is urgent:
its waves take every tier at once, aim at MATCHING_URGENT_WAVE_TARGET, may be twice as large,
and wait half as long. A wave whose every offer went out by SMS at once waits at most
SMS_WAVE_TIMEOUT: SMS answers come within minutes, and waiting hours for them only delays the
next wave.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol, TypeVar

from matching.conf import matching_settings

# The longest wait for a wave that reached everyone by SMS at once: most answers to an SMS that
# come at all come within the hour (in the simulation's world, a median of a quarter of an hour).
# Someone who answers later can still accept while the request is open, so a short wait costs at
# most a few more offers, not a fill.
SMS_WAVE_TIMEOUT = dt.timedelta(hours=1)


class HasChance(Protocol):
    """A ranked candidate; one without a `tier` counts as exact."""

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


def is_urgent(*, now: dt.datetime, starts_at: dt.datetime) -> bool:
    """The appointment starts within MATCHING_URGENT_HOURS: waves take every tier at once."""
    return starts_at - now <= matching_settings().urgent_within


def plan_wave(
    matches: Sequence[M],
    *,
    needed: int = 1,
    target: float | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
    urgent: bool = False,
) -> list[M]:
    """The next candidates to ask: the shortest prefix of `matches` that reaches `target`.

    `matches` are ranked best first, tier by tier. Unless `urgent`, only the best tier left is
    asked. At least `minimum` (and at least `needed`) candidates, at most `maximum`; fewer only
    when fewer remain. Defaults come from the MATCHING_WAVE_* settings (urgent: the target
    MATCHING_URGENT_WAVE_TARGET and twice the maximum).
    """
    knobs = matching_settings()
    if urgent:
        target = knobs.urgent_wave_target if target is None else target
        maximum = 2 * knobs.wave_max if maximum is None else maximum
    elif matches:
        best = _tier(matches[0])
        matches = [match for match in matches if _tier(match) == best]
    target = knobs.wave_target if target is None else target
    minimum = knobs.wave_min if minimum is None else minimum
    floor = max(minimum, needed, 1)
    ceiling = wave_ceiling(needed=needed, minimum=minimum, maximum=maximum)
    chances: list[float] = []
    size = 0
    for size, match in enumerate(matches[:ceiling], start=1):
        chances.append(match.p_accept)
        if size >= floor and chance_at_least(chances, needed) >= target:
            break
    return list(matches[:size])


def _tier(match: HasChance) -> int:
    return getattr(match, "tier", 0)


def wave_ceiling(
    *,
    needed: int = 1,
    minimum: int | None = None,
    maximum: int | None = None,
    urgent: bool = False,
) -> int:
    """The most candidates `plan_wave` may take: ranking only that many is enough to plan a
    wave (and spares the reasons of everyone further down)."""
    knobs = matching_settings()
    minimum = knobs.wave_min if minimum is None else minimum
    if maximum is None:
        maximum = knobs.wave_max * (2 if urgent else 1)
    return max(maximum, minimum, needed, 1)


def wave_timeout(*, now: dt.datetime, starts_at: dt.datetime, by_sms: bool = False) -> dt.timedelta:
    """How long to wait for answers to a wave before asking the next candidates.

    MATCHING_WAVE_TIMEOUT_SHARE of the time left until the appointment (half of it when
    urgent), at least MATCHING_WAVE_TIMEOUT_MIN_MINUTES and at most
    MATCHING_WAVE_TIMEOUT_MAX_HOURS (SMS_WAVE_TIMEOUT when every offer of the wave went out
    `by_sms` now, not held back by quiet hours); never past the appointment's start.
    """
    left = starts_at - now
    if left <= dt.timedelta(0):
        return dt.timedelta(0)
    knobs = matching_settings()
    wait = left * knobs.wave_timeout_share
    if is_urgent(now=now, starts_at=starts_at):
        wait /= 2
    longest = min(knobs.wave_timeout_max, SMS_WAVE_TIMEOUT) if by_sms else knobs.wave_timeout_max
    return min(max(wait, knobs.wave_timeout_min), longest, left)
