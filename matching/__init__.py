"""The ranking module: who is asked for a request, and why.

Who is then asked, wave by wave, is `matching.offering` (with `matching.waves` its pure
policy); the workers only deliver what it queues.

`rank(request, limit=None)` returns a list of `Match(volunteer_id, rank, score, p_accept,
distance_km, reasons)`, best first. Django imports this package as an app before models are
ready, so nothing here imports models (or NumPy) at import time: `rank` loads
`matching.ranking` on its first call and `Match` is looked up on first use.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matching.scoring import Match
    from requests.models import Request

__all__ = ["Match", "rank"]


def rank(
    request: Request, limit: int | None = None, *, now: dt.datetime | None = None
) -> list[Match]:
    """The ranked candidates for `request`; see `matching.ranking.rank`."""
    from matching.ranking import rank as _rank

    return _rank(request, limit=limit, now=now)


def __getattr__(name: str) -> Any:
    # PEP 562: `from matching import Match` works without importing NumPy at app loading.
    if name == "Match":
        from matching.scoring import Match

        return Match
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
