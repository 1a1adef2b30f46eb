"""Learning from the offers' history: the database side of `matching.model`.

Every offer the workers create keeps the features it was ranked on (`Offer.features`); once it is
accepted, declined or left to expire it is a labelled example. `train_from_history` reads those
rows in one query, trains and evaluates the acceptance model (`model.train`) and saves it; the
ranking picks it up if it beat the prior. `manage.py train_matching` is the way to call it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.utils import timezone

from matching import features, model
from matching.conf import matching_settings
from matching.model import AcceptanceModel, Evaluation, NotEnoughHistory
from requests.models import Offer

# Offers whose outcome says something about the person: a yes, a no, or no answer in time.
OUTCOMES = (Offer.Status.ACCEPTED, Offer.Status.DECLINED, Offer.Status.EXPIRED)

__all__ = ["History", "NotEnoughHistory", "Trained", "decided_offers", "train_from_history"]


@dataclass(frozen=True)
class History:
    """The labelled examples: features, outcome (accepted = 1) and when the offer was made."""

    x: np.ndarray
    y: np.ndarray
    times: list[dt.datetime]
    # Decided offers left out because they carry no (or incomplete) features: offered by hand,
    # or ranked before a feature existed.
    skipped: int

    def __len__(self) -> int:
        return len(self.y)


@dataclass(frozen=True)
class Trained:
    model: AcceptanceModel
    evaluation: Evaluation
    history: History
    path: Path | None


def decided_offers() -> History:
    """Every accepted, declined or expired offer with complete features, oldest first."""
    rows = list(
        Offer.objects.filter(status__in=OUTCOMES)
        .order_by("created_at", "pk")
        .values_list("features", "status", "created_at")
    )
    x, complete = features.from_dicts([row[0] if isinstance(row[0], dict) else {} for row in rows])
    y = np.array([row[1] == Offer.Status.ACCEPTED for row in rows], dtype=int)
    times = [row[2] for row, keep in zip(rows, complete, strict=True) if keep]
    return History(x=x[complete], y=y[complete], times=times, skipped=int((~complete).sum()))


def train_from_history(*, save: bool = True, now: dt.datetime | None = None) -> Trained:
    """Train on the history, evaluate against the prior, and save (unless `save` is False).

    Raises NotEnoughHistory below MATCHING_MODEL_MIN_OFFERS examples or with too few of either
    outcome; nothing is saved then and ranking keeps what it had.
    """
    history = decided_offers()
    fitted, evaluation = model.train(
        history.x,
        history.y,
        history.times,
        holdout_share=matching_settings().model_holdout_share,
        min_offers=matching_settings().model_min_offers,
        now=now or timezone.now(),
    )
    path = model.save(fitted) if save else None
    return Trained(model=fitted, evaluation=evaluation, history=history, path=path)
