"""A request never waits silently: whatever keeps its offers from going out shows on the request
and is told to the office once, and the sweep picks up every request whose first wave was lost.

Requests that the rules refuse today (crossing midnight, a postcode that exists nowhere) can
still be in the database from before: they are written here as such rows.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

import matching
from matching import offering
from requests.models import Offer, Request
from tests.factories.matching import RECORDED_AT, appointment, at, fitting_volunteer, monday_ahead
from workers import tasks, upkeep


@pytest.fixture
def fits(db):
    return fitting_volunteer(email="fits@lotse.example")


def _stored_as(request: Request, **fields) -> Request:
    """The request as a row written before today's rules refused such values."""
    Request.objects.filter(pk=request.pk).update(**fields)
    request.refresh_from_db()
    return request


def _crossing_midnight(request: Request) -> Request:
    day = request.starts_at.astimezone(at(dt.date(2027, 1, 1), "00:00").tzinfo).date()
    return _stored_as(
        request, starts_at=at(day, "22:00"), ends_at=at(day + dt.timedelta(days=1), "01:00")
    )


def _nowhere(request: Request) -> Request:
    return _stored_as(request, postcode="99999", district="", lat=None, lon=None)


@pytest.mark.parametrize("legacy", [_crossing_midnight, _nowhere], ids=["midnight", "nowhere"])
def test_it_answers_an_empty_candidate_list_for_a_request_nobody_can_take(
    api_a, office_a, fits, legacy
):
    """The candidates of such a request are an empty list with the reason, not a server error."""
    request = legacy(appointment(office_a, auto_offer=False, recorded_at=timezone.now()))
    response = api_a.get(f"/api/requests/{request.pk}/candidates/")
    assert response.status_code == 200, response.content
    assert response.json() == []
    assert matching.rank(request) == []


def test_it_answers_an_empty_candidate_list_once_the_appointment_has_started(api_a, office_a, fits):
    request = appointment(office_a, auto_offer=False)  # recorded in 2027, asked now: not started
    _stored_as(request, starts_at=timezone.now() - dt.timedelta(minutes=5))
    response = api_a.get(f"/api/requests/{request.pk}/candidates/")
    assert response.status_code == 200, response.content
    assert response.json() == []


@pytest.mark.parametrize(
    ("legacy", "said"),
    [(_crossing_midnight, "Mitternacht"), (_nowhere, "99999")],
    ids=["midnight", "nowhere"],
)
def test_it_says_why_offers_cannot_go_out_and_tells_the_office_once(
    office_a, fits, legacy, said, mailoutbox, django_capture_on_commit_callbacks
):
    """Planning a wave for such a request leaves the reason on the request, visible in the API,
    and the office gets one "could not offer" alert however often it is tried."""
    request = legacy(appointment(office_a, auto_offer=False))
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            outcome = offering.offer_next_wave(request_id=request.pk, wave=1, now=RECORDED_AT)
        assert outcome.startswith("failed: ")
    request.refresh_from_db()
    assert request.status == Request.Status.OPEN
    assert said in request.offer_problem
    assert not Offer.objects.filter(request=request).exists()
    (alert,) = mailoutbox
    assert alert.subject.startswith(f"[Lotse #{request.pk}] Angebote nicht möglich: ")
    assert said in alert.body


def test_it_records_an_unexpected_failure_and_clears_it_when_a_wave_goes_out(
    office_a, fits, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    """A bug while ranking (here: the ranking raises) is a visible problem too; the next wave
    that goes out takes it away again."""
    request = appointment(office_a, auto_offer=False)

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(matching, "rank", broken)
    with django_capture_on_commit_callbacks(execute=True):
        assert offering.offer_next_wave(request_id=request.pk, wave=1, now=RECORDED_AT).startswith(
            "failed: "
        )
    request.refresh_from_db()
    assert "ZeroDivisionError" in request.offer_problem
    assert len(mailoutbox) == 1
    monkeypatch.undo()
    assert offering.offer_next_wave(request_id=request.pk, wave=1, now=RECORDED_AT) == "queued 1"
    request.refresh_from_db()
    assert request.offer_problem == ""


def test_the_request_page_shows_why_no_offers_went_out(client, staff_a, office_a, fits):
    request = _nowhere(appointment(office_a, auto_offer=False))
    offering.offer_next_wave(request_id=request.pk, wave=1, now=RECORDED_AT)
    client.force_login(staff_a.user)
    page = client.get(reverse("staff-request", args=[request.pk])).content.decode()
    assert "Lotse konnte keine Angebote verschicken" in page
    assert "99999" in page
    assert "Die erste Welle wird gleich verschickt" not in page


def test_the_sweep_plans_a_request_whose_first_wave_was_lost(office_a, fits, settings):
    """An auto-offering request with no offer and no wave due (its task never ran) gets its
    first wave from the sweep."""
    day = monday_ahead()
    request = appointment(office_a, day=day, recorded_at=timezone.now(), auto_offer=False)
    old = timezone.now() - dt.timedelta(seconds=settings.LOTSE_SWEEP_STUCK_AFTER_SECONDS + 1)
    _stored_as(request, auto_offer=True, updated_at=old)  # as if the enqueueing was lost
    assert upkeep.stalled_requests() == [(request.pk, 1)]
    tasks.sweep_stuck_offers.delay()
    assert Offer.objects.filter(request=request, volunteer=fits).exists()
    assert upkeep.stalled_requests() == []


def test_the_sweep_alerts_about_a_request_that_cannot_be_offered(
    office_a, fits, settings, mailoutbox, django_capture_on_commit_callbacks
):
    """An untouched request that nobody can take gets its problem recorded and one alert,
    however many sweeps run."""
    day = monday_ahead()
    request = appointment(office_a, day=day, recorded_at=timezone.now(), auto_offer=False)
    old = timezone.now() - dt.timedelta(seconds=settings.LOTSE_SWEEP_STUCK_AFTER_SECONDS + 1)
    _stored_as(request, auto_offer=True, updated_at=old, postcode="99999", lat=None, lon=None)
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            tasks.sweep_stuck_offers.delay()
    request.refresh_from_db()
    assert "99999" in request.offer_problem
    (alert,) = mailoutbox
    assert alert.subject.startswith(f"[Lotse #{request.pk}] Angebote nicht möglich: ")


def test_the_sweep_sends_a_lost_could_not_offer_alert(office_a, fits, settings, mailoutbox):
    """The problem was recorded but its alert never went out: the sweep sends it."""
    request = appointment(
        office_a, day=monday_ahead(), recorded_at=timezone.now(), auto_offer=False
    )
    old = timezone.now() - dt.timedelta(seconds=settings.LOTSE_SWEEP_STUCK_AFTER_SECONDS + 1)
    _stored_as(request, offer_problem="die Postleitzahl fehlt.", offer_problem_at=old)
    tasks.sweep_stuck_offers.delay()
    (alert,) = mailoutbox
    assert "die Postleitzahl fehlt." in alert.body
