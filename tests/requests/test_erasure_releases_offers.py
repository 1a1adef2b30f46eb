"""Erasing a volunteer frees their future places and keeps their past work for the statistics.

`volunteers.selfservice.erase` sends `volunteer_erasing`; the requests app answers it with
`offers.release_for_erasure` (connected in `requests/apps.py`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from requests import lifecycle, offers
from requests.models import Offer, Request
from tests.factories.requests import (
    EventLog,
    accepted_offer,
    at,
    days_ahead,
    linked_offer,
    make_request,
    past_request,
    recording_events,
    sent_offer,
    stored,
)
from tests.factories.volunteers import VolunteerFactory
from volunteers import selfservice
from volunteers.models import Volunteer


@pytest.fixture
def published() -> Iterator[EventLog]:
    with recording_events() as log:
        yield log


@dataclass
class Commitments:
    volunteer: Volunteer
    future: Offer
    past: Offer
    open: Offer


@pytest.fixture
def commitments(office_a) -> Commitments:
    """Samira took a place next week, worked 2.5 hours last week, and has an offer waiting."""
    volunteer = VolunteerFactory(
        name="Samira Haidari",
        email="samira.haidari@example.org",
        phone="+49 231 5550123",
        postcode="44357",
        languages=[("fa", "native"), ("de", "B2")],
        skills=["interpreting"],
    )
    future = accepted_offer(make_request(office=office_a), volunteer)

    done = past_request(office=office_a)
    past = accepted_offer(done, volunteer, now=done.starts_at - dt.timedelta(days=2))
    lifecycle.complete_request(request=done, hours={volunteer.pk: Decimal("2.5")})

    other = make_request(office=office_a, starts_at=at(days_ahead(8), "15:00"), volunteers_needed=2)
    waiting = sent_offer(other, volunteer)
    return Commitments(volunteer=volunteer, future=future, past=past, open=waiting)


def test_it_gives_back_the_future_place_of_an_erased_volunteer(
    commitments, published, django_capture_on_commit_callbacks
):
    """The office's appointment next week looks for someone else, and the office is told."""
    with django_capture_on_commit_callbacks(execute=True):
        selfservice.erase(volunteer=commitments.volunteer)
        assert published.received == []

    assert stored(commitments.future)["status"] == Offer.Status.WITHDRAWN
    need = Request.objects.get(pk=commitments.future.request_id)
    assert (need.status, need.accepted_count, need.filled_at) == ("offering", 0, None)
    assert published.of("offer_released") == [{"offer_id": commitments.future.pk}]


def test_it_withdraws_the_open_offers_of_an_erased_volunteer(commitments):
    """An offer waiting in the erased person's mailbox can no longer be accepted."""
    selfservice.erase(volunteer=commitments.volunteer)

    assert stored(commitments.open)["status"] == Offer.Status.WITHDRAWN
    assert Request.objects.get(pk=commitments.open.request_id).accepted_count == 0


def test_it_keeps_the_past_work_of_an_erased_volunteer_for_the_statistics(commitments):
    """Hours worked before the erasure still count in the network's statistics."""
    selfservice.erase(volunteer=commitments.volunteer)

    past = stored(commitments.past)
    assert (past["status"], past["hours"]) == (Offer.Status.ACCEPTED, Decimal("2.50"))
    need = Request.objects.get(pk=commitments.past.request_id)
    assert (need.status, need.accepted_count) == (Request.Status.COMPLETED, 1)


def test_it_removes_the_person_while_releasing_the_places(commitments):
    """After erasure, the offers point at a row that no longer names anyone."""
    before = timezone.now()
    selfservice.erase(volunteer=commitments.volunteer)

    row = Volunteer.objects.get(pk=commitments.volunteer.pk)
    assert row.erased_at is not None and row.erased_at >= before
    assert (row.name, row.email, str(row.phone), row.postcode) == ("", None, "", "")
    assert (row.lat, row.lon, row.status) == (None, None, Volunteer.Status.INACTIVE)
    texts = repr(list(Offer.objects.filter(volunteer=row).values()))
    assert "Samira" not in texts and "samira.haidari" not in texts
    assert Offer.objects.filter(volunteer=row).count() == 3


def test_it_erases_nothing_when_releasing_a_place_fails(commitments, monkeypatch):
    """If the place cannot be given back, the erasure is not half done: nothing changes."""

    def broken_release(**kwargs: object) -> bool:
        raise RuntimeError("database went away")

    monkeypatch.setattr(offers, "release", broken_release)
    before = stored(commitments.volunteer), stored(commitments.open)

    with pytest.raises(RuntimeError):
        selfservice.erase(volunteer=commitments.volunteer)

    assert (stored(commitments.volunteer), stored(commitments.open)) == before
    assert stored(commitments.future)["status"] == Offer.Status.ACCEPTED


def test_it_makes_an_erased_persons_offer_links_unknown(office_a):
    """After erasure, the links in old offer emails open nothing: a tampered-looking 404."""
    volunteer = VolunteerFactory()
    need = make_request(office=office_a)
    _offer, raw = linked_offer(need, volunteer)
    assert offers.resolve(raw).volunteer_id == volunteer.pk
    selfservice.erase(volunteer=volunteer)
    with pytest.raises(offers.OfferError) as refused:
        offers.resolve(raw)
    assert refused.value.code == "unknown"
