"""`rank(request)`: the ranked candidates for a request, each with a score and reasons.

The database part is `matching.eligibility` (the hard constraints) and `matching.pool` (the
columns scoring needs); the feature matrix is `matching.features`; P(accept) comes from the
newest saved acceptance model if it beat the transparent prior (`matching.model.current`), else
from the prior (`matching.prior`); the numbers are `matching.scoring`, the reasons
`matching.reasons`. Reasons come out in the active language: the API view runs in the
staff member's, a task in German unless it activates another.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, FloatField, Q
from django.db.models.functions import Cast

from matching import eligibility, features, model, pool, reasons, scoring
from matching.scoring import Match
from requests.models import Request


def rank(
    request: Request, limit: int | None = None, *, now: dt.datetime | None = None
) -> list[Match]:
    """The volunteers who may be asked for `request`, best first (the best `limit`, or all).

    A bounded number of queries whatever the number of volunteers: with a `limit` that the
    exact tier fills, only that tier is loaded; otherwise the whole pool (a test holds both
    ways to the same list). `now` (default: the current time) decides whether the appointment
    has started (then nobody is ranked) and what counts as recent in the offer history; a
    simulation passes the moment it replays.
    """
    acceptance = model.current()
    if limit is not None and not request.exact_only:
        # Every exact candidate ranks above every other: when the exact tier alone fills the
        # list, it is the list, and the larger pool of the lower tiers is never loaded.
        demand, found = pool.gather(request, now=now, exact=True)
        matches = scoring.rank(demand, found, limit=limit, model=acceptance)
        if len(matches) >= limit:
            return _with_free_windows(request, matches)
    demand, found = pool.gather(request, now=now)
    if len(found) == 0:
        return []
    return _with_free_windows(request, scoring.rank(demand, found, limit=limit, model=acceptance))


def _with_free_windows(request: Request, matches: list[Match]) -> list[Match]:
    # One more query, for those with room for another reason: when in the week they are free.
    roomy = [m.volunteer_id for m in matches if len(m.reasons) < reasons.MAX_REASONS]
    if not roomy:
        return matches
    weekday, windows = pool.free_windows(request, roomy)
    return reasons.with_free_windows(matches, windows, weekday=weekday)


# The tiers as the API and the pages name them, best first.
TIER_NAMES = {
    features.EXACT: "exact",
    features.OUTSIDE_TIMES: "outside_times",
    features.BEYOND_LIMIT: "beyond_limit",
}


@dataclass(frozen=True)
class TierCounts:
    """How many candidates a request has in each tier (`features.EXACT`, ...)."""

    exact: int = 0
    outside_times: int = 0
    beyond_limit: int = 0

    @property
    def total(self) -> int:
        return self.exact + self.outside_times + self.beyond_limit

    def of(self, tier: int) -> int:
        return (self.exact, self.outside_times, self.beyond_limit)[tier]


def tier_counts(request: Request, *, now: dt.datetime | None = None) -> TierCounts:
    """How many candidates `request` has in each tier, without ranking them: ONE query.

    `rank` with a limit may load only the exact tier, so the counts have their own path: the
    hard constraints of `eligibility.eligible_for` (the same SQL the ranking starts from),
    counted three ways in one aggregate. A stated slot covering the appointment and the own
    travel limit are what `features.tiers` reads from the feature matrix: beyond the limit
    first, then in their times (exact) or not. A test holds the counts to `rank`'s tiers.
    """
    appointment = eligibility.appointment_of(request)
    everyone = eligibility.eligible_for(appointment, now=now).order_by()
    in_times = Q(Exists(eligibility.covering_slot(appointment)))
    counts = {
        "exact": Count("pk", filter=in_times),
        "outside_times": Count("pk", filter=~in_times),
    }
    if not appointment.remote:
        # Phone/video has no distance, so no "beyond the limit".
        limit = Cast("max_distance_km", FloatField())
        within = Q(distance_squared_km2__lte=limit * limit)
        counts = {
            "exact": Count("pk", filter=within & in_times),
            "outside_times": Count("pk", filter=within & ~in_times),
            "beyond_limit": Count("pk", filter=~within),
        }
    counted = everyone.aggregate(**counts)
    return TierCounts(**{key: int(value or 0) for key, value in counted.items()})
