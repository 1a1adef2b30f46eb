"""The transparent prior: P(accept) before any model has learned from this network's answers.

The one formula, used by the ranking (`matching.scoring`) when no saved model beat it, by
`matching.waves` to size a wave, and by `matching.model` as the baseline a model must beat:

    P(accept) = BASE_P_ACCEPT × (smoothed rate / NO_HISTORY_RATE) × times factor

- the smoothed rate is (accepted + 1) / (decided + 3), so someone with no history has 1/3;
- the times factor is 1 in their stated times; NO_TIMES_PRIOR for someone who stated none;
  outside their stated times OUTSIDE_TIMES_PRIOR, moved by their own smoothed rate of accepting
  offers outside their times (relative to 1/3), at most 1.
"""

from __future__ import annotations

import numpy as np

from matching import features

BASE_P_ACCEPT = 0.3
# The smoothed rate (accepted + 1) / (decided + 3) of someone who has decided no offer yet.
NO_HISTORY_RATE = 1 / 3
# The prior's share of P(accept) for an appointment outside someone's stated times (they may be
# busy then), and for someone who stated no times at all (they said: ask me any time).
OUTSIDE_TIMES_PRIOR = 0.5
NO_TIMES_PRIOR = 0.8


def chance(
    *,
    rate: np.ndarray,
    in_times: np.ndarray | None = None,
    no_times: np.ndarray | None = None,
    outside_rate: np.ndarray | None = None,
) -> np.ndarray:
    """The prior P(accept) from a smoothed acceptance rate and, where known, the times columns
    (without them: as if in their stated times)."""
    base = BASE_P_ACCEPT * np.asarray(rate, dtype=float) / NO_HISTORY_RATE
    if in_times is None:
        return np.clip(base, 0.0, 1.0)
    outside = OUTSIDE_TIMES_PRIOR * np.asarray(outside_rate, dtype=float) / NO_HISTORY_RATE
    factor = np.where(
        np.asarray(no_times, dtype=float) > 0,
        NO_TIMES_PRIOR,
        np.where(np.asarray(in_times, dtype=float) > 0, 1.0, np.minimum(outside, 1.0)),
    )
    return np.clip(base * factor, 0.0, 1.0)


def of_history(*, accepted: np.ndarray, decided: np.ndarray) -> np.ndarray:
    """The prior for someone with this many accepted and decided offers, in their times."""
    return chance(rate=features.smoothed_rate(accepted=accepted, decided=decided))


def of_features(x: np.ndarray) -> np.ndarray:
    """The prior from a feature matrix (`matching.features`): what ranking uses, and the
    baseline the acceptance model is measured against."""
    return chance(
        rate=features.column(x, "acceptance_rate"),
        in_times=features.column(x, "in_times"),
        no_times=features.column(x, "no_times"),
        outside_rate=features.column(x, "outside_rate"),
    )
