"""`rank(request)`: the ranked candidates for a request, each with a score and reasons.

The database part (hard constraints, the columns scoring needs) is `matching.candidates`; the
numbers and reasons are `matching.scoring`. Reasons come out in the active language: the API
view runs in the staff member's, a task in German unless it activates another.
"""

from __future__ import annotations

import datetime as dt

from matching import candidates, scoring
from matching.scoring import Match
from requests.models import Request


def rank(
    request: Request, limit: int | None = None, *, now: dt.datetime | None = None
) -> list[Match]:
    """The volunteers who may be asked for `request`, best first (the best `limit`, or all).

    A bounded number of queries whatever the number of volunteers. `now` (default: the current
    time) decides whether the appointment has started (then nobody is ranked) and which offers
    count as recent load; a simulation passes the moment it replays.
    """
    need, pool = candidates.gather(request, now=now)
    return scoring.rank(need, pool, limit=limit)
