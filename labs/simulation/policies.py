"""Whom to ask: Lotse's ranking and wave sizing, and the baselines it is measured against."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from labs.simulation.world import Config, SimRequest, moment
from matching import scoring, waves
from matching.model import AcceptanceModel

if TYPE_CHECKING:
    from labs.simulation.run import Run

# The fairness term switched off (see matching.scoring), to show what it does.
NO_FAIRNESS: Mapping[str, float] = {
    "MATCHING_FAIRNESS_OFFER_STEP": 0.0,
    "MATCHING_FAIRNESS_RECENT_PENALTY": 0.0,
    "MATCHING_LOAD_STEP": 0.0,
}


class Policy:
    """Whom to ask next for a request; `repeats` says whether further waves follow,
    `exact_only` keeps to the exact tier (in stated times and within the limit), and
    `overrides` are settings in force while the policy runs."""

    name = ""
    repeats = True
    exact_only = False
    overrides: Mapping[str, object] = MappingProxyType({})
    # Whether a wave that reached everyone by SMS at once waits less (`waves.wave_timeout`'s
    # `by_sms`), as Lotse's waves do.
    knows_channels = True

    def choose(
        self, run: Run, request: SimRequest, now: float, positions: np.ndarray
    ) -> list[tuple[int, dict[str, float]]]:
        """(volunteer, features ranked on) for each person to ask; `positions` index
        `request.candidates` and are the ones still eligible now."""
        raise NotImplementedError


class LotseWaves(Policy):
    """Lotse's ranking and wave sizing (tier by tier; every tier at once when urgent), with the
    prior or a learned model. `exact_only`: the same over the exact tier alone, which is all
    that the matching reached before stated times and the limit became tiers. `sms_wait`: a
    wave that reached everyone by SMS waits less (as the real waves do)."""

    def __init__(
        self,
        model: AcceptanceModel | None = None,
        *,
        fair: bool = True,
        exact_only: bool = False,
        sms_wait: bool = True,
    ) -> None:
        self.model = model
        self.exact_only = exact_only
        self.name = "lotse_strict" if exact_only else "lotse"
        if model:
            self.name += "_learned"
        if not fair:
            self.name += "_no_fairness"
            self.overrides = NO_FAIRNESS
        if not sms_wait:
            # Every wave waits as long as for email, to show what the shorter SMS wait does.
            self.knows_channels = False
            self.name += "_email_wait"

    def choose(
        self, run: Run, request: SimRequest, now: float, positions: np.ndarray
    ) -> list[tuple[int, dict[str, float]]]:
        demand, pool = run.pool(request, now, positions)
        needed = request.needed - run.taken[request.index]
        urgent = waves.is_urgent(now=moment(now), starts_at=moment(request.starts))
        matches = scoring.rank(
            demand,
            pool,
            limit=waves.wave_ceiling(needed=needed, urgent=urgent),
            model=self.model,
            explain=False,
        )
        wave = waves.plan_wave(matches, needed=needed, urgent=urgent)
        return [(match.volunteer_id, match.features) for match in wave]


class Broadcast(Policy):
    """Everyone who passes the hard constraints, at once."""

    name = "broadcast"
    repeats = False

    def choose(
        self, run: Run, request: SimRequest, now: float, positions: np.ndarray
    ) -> list[tuple[int, dict[str, float]]]:
        return [(int(request.candidates[p]), {}) for p in positions]


class RandomK(Policy):
    """k random people of broadcast's pool per wave, with Lotse's wave timeout."""

    name = "random_k"

    def __init__(self, k: int, seed: int) -> None:
        self.k = k
        self.rng = np.random.default_rng([seed, 4])

    def choose(
        self, run: Run, request: SimRequest, now: float, positions: np.ndarray
    ) -> list[tuple[int, dict[str, float]]]:
        picked = self.rng.permutation(positions)[: self.k]
        return [(int(request.candidates[p]), {}) for p in picked]


class NearestFirst(Policy):
    """The k nearest of broadcast's pool per wave, with Lotse's wave timeout."""

    name = "nearest_k"

    def __init__(self, k: int) -> None:
        self.k = k

    def choose(
        self, run: Run, request: SimRequest, now: float, positions: np.ndarray
    ) -> list[tuple[int, dict[str, float]]]:
        ids = request.candidates[positions]
        # Phone/video has no distance: then the lowest ids first, as a plain list would.
        distance = np.nan_to_num(request.distance_km[positions], nan=0.0)
        picked = positions[np.lexsort((ids, distance))][: self.k]
        return [(int(request.candidates[p]), {}) for p in picked]


def baselines(config: Config) -> list[Policy]:
    """Today's reach with Lotse's ranking, and the simple policies over the full reach."""
    return [
        LotseWaves(exact_only=True),
        Broadcast(),
        RandomK(config.k, config.seed),
        NearestFirst(config.k),
    ]
