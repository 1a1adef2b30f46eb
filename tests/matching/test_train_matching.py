"""`manage.py train_matching`: learns from stored offers, and ranking trusts it only if better.

The history is written as the workers write it: an Offer per (request, volunteer) with the
features it was ranked on, its score and its outcome.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.utils import timezone

from matching import features, model, rank
from requests.models import Offer
from tests.factories.matching import appointment, fitting_volunteer, monday_ahead
from tests.factories.volunteers import VolunteerFactory
from tests.matching.test_model import history

pytestmark = pytest.mark.django_db

OUTCOME = {1: Offer.Status.ACCEPTED, 0: Offer.Status.DECLINED}


def store_history(office, *, signal: bool, requests: int = 20, people: int = 40) -> int:
    """requests × people decided offers with invented features; one in ten expired instead of
    declined. Returns how many were stored."""
    x, y, _ = history(requests * people, signal=signal)
    volunteers = [VolunteerFactory() for _ in range(people)]
    start = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    offers = []
    for r in range(requests):
        need = appointment(office, day=monday_ahead(2 + r), recorded_at=timezone.now())
        for p, volunteer in enumerate(volunteers):
            i = r * people + p
            status = OUTCOME[int(y[i])]
            if status == Offer.Status.DECLINED and i % 10 == 0:
                status = Offer.Status.EXPIRED
            offers.append(
                Offer(
                    request=need,
                    volunteer=volunteer,
                    status=status,
                    features=features.as_dict(x[i]),
                    score=0.5,
                    sent_at=start + dt.timedelta(hours=i),
                )
            )
    created = Offer.objects.bulk_create(offers)
    for i, stored in enumerate(created):
        stored.created_at = start + dt.timedelta(hours=i)
    Offer.objects.bulk_update(created, ["created_at"])
    return len(created)


def train(*args: str) -> str:
    out = StringIO()
    call_command("train_matching", *args, stdout=out)
    return out.getvalue()


def test_it_refuses_politely_while_history_is_thin(office_a, settings):
    """Below MATCHING_MODEL_MIN_OFFERS it says so, saves nothing, and the prior ranks."""
    stored = store_history(office_a, signal=True, requests=5, people=10)
    output = train()
    assert "Not enough history to learn from yet" in output
    assert f"{stored} decided offers with features; 500 needed" in output
    assert list(settings.MATCHING_MODEL_DIR.iterdir()) == []
    assert model.current() is None


def test_it_trains_saves_and_ranks_with_a_model_that_beats_the_prior(office_a, settings):
    """Enough history with a pattern the prior cannot see: the model is saved with its metrics,
    and ranking takes P(accept) from it from then on."""
    settings.MATCHING_MODEL_MIN_OFFERS = 200
    store_history(office_a, signal=True)
    # Offers without an outcome, or made by hand without features, are no examples.
    need = appointment(office_a, day=monday_ahead(30), recorded_at=timezone.now())
    Offer.objects.create(request=need, volunteer=VolunteerFactory(), status=Offer.Status.SENT)
    Offer.objects.create(request=need, volunteer=VolunteerFactory(), status=Offer.Status.DECLINED)

    output = train()

    assert "History: 800 decided offers with features" in output
    assert "1 without stored features left out" in output
    assert "Hold-out: the latest 20% by time, 160 offers" in output
    assert "| Learned model |" in output
    assert "The learned model beats the prior" in output
    assert "Ranking uses this model from now on." in output
    (saved,) = settings.MATCHING_MODEL_DIR.glob("acceptance-*.joblib")
    assert saved.with_suffix(".json").exists()

    learned = model.current()
    assert learned is not None
    near = appointment(office_a, day=monday_ahead(3), recorded_at=timezone.now())
    volunteer = fitting_volunteer(postcode="44147", max_distance_km=10)
    (match,) = rank(near)
    assert match.volunteer_id == volunteer.pk
    x = np.array([[match.features[name] for name in features.FEATURES]])
    assert match.p_accept == pytest.approx(learned.predict(x)[0], abs=1e-3)
    assert match.p_accept != pytest.approx(0.3, abs=1e-3)


def test_it_keeps_the_prior_when_the_model_is_no_better(office_a, settings):
    """Outcomes that follow the prior exactly: the model is saved for the record, but the newest
    model did not beat the prior, so ranking uses the prior."""
    settings.MATCHING_MODEL_MIN_OFFERS = 200
    store_history(office_a, signal=False, requests=25, people=40)

    output = train()

    assert "The learned model does not beat the prior" in output
    assert "Ranking uses the transparent prior" in output
    assert model.current() is None
    fitting_volunteer()
    (match,) = rank(appointment(office_a, day=monday_ahead(3), recorded_at=timezone.now()))
    assert match.p_accept == pytest.approx(0.3)


def test_it_only_evaluates_on_a_dry_run(office_a, settings):
    """--dry-run prints the comparison and saves nothing."""
    settings.MATCHING_MODEL_MIN_OFFERS = 200
    store_history(office_a, signal=True)
    output = train("--dry-run")
    assert "The learned model beats the prior" in output
    assert "Dry run: nothing saved." in output
    assert list(settings.MATCHING_MODEL_DIR.iterdir()) == []
