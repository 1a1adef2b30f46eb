"""Waves: who is asked when, what each offer keeps, and what happens when nobody is left.

Tasks run in this process (eager); `capture(execute=True)` runs what the domain enqueues after
commit, as a real commit would.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from matching import offering
from matching.waves import wave_timeout
from requests import lifecycle, offers
from requests.models import Offer, Request
from tests.factories.matching import RECORDED_AT, appointment, fitting_volunteer
from tests.factories.requests import recording_events
from workers import tasks, upkeep


@pytest.fixture
def five(db):
    return [fitting_volunteer(email=f"fit{i}@lotse.example") for i in range(5)]


@pytest.fixture
def wave_size(settings):
    settings.MATCHING_WAVE_MIN = settings.MATCHING_WAVE_MAX = 2


def test_it_queues_a_wave_that_keeps_score_and_features(
    office_a, five, wave_size, django_capture_on_commit_callbacks
):
    """Wave 1: two offers `queued`, each with the score and features it was ranked on; the
    request is `offering` and its next wave is due after the wave timeout; one send each."""
    request = appointment(office_a, auto_offer=False)
    with recording_events() as log, django_capture_on_commit_callbacks(execute=True):
        outcome = offering.offer_next_wave(request_id=request.pk, wave=1, now=RECORDED_AT)
    assert outcome == "queued 2"
    created = list(Offer.objects.filter(request=request))
    assert [(o.status, o.wave) for o in created] == [("queued", 1), ("queued", 1)]
    assert all(o.score is not None and isinstance(o.features, dict) for o in created)
    request.refresh_from_db()
    assert request.status == Request.Status.OFFERING
    assert request.waves_sent == 1
    assert request.next_wave_at == RECORDED_AT + wave_timeout(
        now=RECORDED_AT, starts_at=request.starts_at
    )
    assert sorted(ids["offer_id"] for ids in log.of("offer_created")) == sorted(
        o.pk for o in created
    )


def test_it_plans_each_wave_once(office_a, five, wave_size):
    """Asked twice for wave 1 (a redelivery, two triggers at once), or for wave 3 before 2,
    it plans nothing more."""
    request = appointment(office_a, auto_offer=False)
    offering.offer_next_wave(request_id=request.pk, wave=1, now=RECORDED_AT)
    assert offering.offer_next_wave(request_id=request.pk, wave=1, now=RECORDED_AT) == (
        "skipped: planned already"
    )
    assert offering.offer_next_wave(request_id=request.pk, wave=3, now=RECORDED_AT).startswith(
        "skipped: wave 2"
    )
    assert Offer.objects.filter(request=request).count() == 2


def test_it_asks_new_people_in_the_next_wave(office_a, five, wave_size):
    """Wave 2 asks two others: nobody is asked twice for one request."""
    request = appointment(office_a, auto_offer=False)
    offering.offer_next_wave(request_id=request.pk, wave=1, now=RECORDED_AT)
    offering.offer_next_wave(request_id=request.pk, wave=2, now=RECORDED_AT)
    asked = list(Offer.objects.filter(request=request).values_list("volunteer_id", "wave"))
    assert len({v for v, _ in asked}) == 4
    assert sorted(w for _, w in asked) == [1, 1, 2, 2]


def test_a_wave_due_on_a_request_already_given_up_is_planned_once_when_nobody_is_left(
    office_a, django_capture_on_commit_callbacks
):
    """A drop-out from a request the search gave up on makes a wave due; with still nobody to
    ask, no wave stays due, so beat does not plan it again every minute until the start."""
    request = appointment(office_a, auto_offer=False)
    with django_capture_on_commit_callbacks(execute=True):
        offering.offer_next_wave(request_id=request.pk, wave=1, now=RECORDED_AT)
    Request.objects.filter(pk=request.pk).update(next_wave_at=RECORDED_AT)
    (due,) = offering.due_waves(now=RECORDED_AT)
    assert offering.offer_next_wave(request_id=request.pk, wave=due[1], now=RECORDED_AT) == (
        "skipped: nobody left to ask"
    )
    assert offering.due_waves(now=RECORDED_AT) == []


def test_it_gives_up_and_tells_the_office_when_nobody_is_left(
    office_a, mailoutbox, django_capture_on_commit_callbacks
):
    """Nobody fits: the request becomes `unfilled` and the office gets "nobody left"."""
    request = appointment(office_a, auto_offer=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert offering.offer_next_wave(request_id=request.pk, wave=1, now=RECORDED_AT) == (
            "unfilled: nobody left to ask"
        )
    request.refresh_from_db()
    assert request.status == Request.Status.UNFILLED
    assert request.next_wave_at is None
    (alert,) = mailoutbox
    assert alert.to == [office_a.email]
    assert alert.subject.startswith(f"[Lotse #{request.pk}] Niemand mehr anzufragen: ")


def test_it_starts_the_first_wave_when_a_request_is_created(
    office_a, five, wave_size, mailoutbox, django_capture_on_commit_callbacks
):
    """Creating a request with auto_offer emails the first wave after commit; without, not."""
    day = timezone.localdate() + dt.timedelta(days=14)
    monday = day - dt.timedelta(days=day.weekday())
    with django_capture_on_commit_callbacks(execute=True):
        appointment(office_a, day=monday, recorded_at=timezone.now(), auto_offer=False)
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        request = appointment(office_a, day=monday, recorded_at=timezone.now())
    assert len(mailoutbox) == 2
    assert {o.status for o in Offer.objects.filter(request=request)} == {"sent"}


def test_it_starts_the_waves_that_are_due(office_a, five, wave_size):
    """Beat finds the requests whose next wave is due and starts exactly those."""
    request = appointment(office_a, auto_offer=False)
    offering.offer_next_wave(request_id=request.pk, wave=1, now=RECORDED_AT)
    request.refresh_from_db()
    assert offering.due_waves(now=request.next_wave_at - dt.timedelta(seconds=1)) == []
    assert offering.due_waves(now=request.next_wave_at) == [(request.pk, 2)]
    Request.objects.filter(pk=request.pk).update(next_wave_at=timezone.now())
    tasks.start_due_waves.delay()
    assert Offer.objects.filter(request=request, wave=2).count() == 2


def test_it_asks_the_next_wave_at_once_when_the_last_open_offer_is_declined(
    office_a, five, wave_size, django_capture_on_commit_callbacks
):
    """Everyone of wave 1 said no: wave 2 goes out now, not after the timeout."""
    request = appointment(office_a, auto_offer=False)
    offering.offer_next_wave(request_id=request.pk, wave=1, now=timezone.now())
    first = list(Offer.objects.filter(request=request))
    Offer.objects.filter(request=request).update(status=Offer.Status.SENT)
    with django_capture_on_commit_callbacks(execute=True):
        offers.decline(offer=first[0])
    assert Offer.objects.filter(request=request, wave=2).count() == 0  # one is still open
    with django_capture_on_commit_callbacks(execute=True):
        offers.decline(offer=first[1])
    assert Offer.objects.filter(request=request, wave=2).count() == 2


def test_it_tells_the_office_when_everyone_asked_by_hand_declined(
    office_a, five, mailoutbox, django_capture_on_commit_callbacks
):
    """Offers made by hand (no waves running), all declined: the office hears it, once."""
    request = appointment(office_a, auto_offer=False)
    with django_capture_on_commit_callbacks(execute=True):
        made = [offers.offer_by_hand(request=request, volunteer=v) for v in five[:2]]
    mailoutbox.clear()
    for offer in made:
        with django_capture_on_commit_callbacks(execute=True):
            offers.decline(offer=offer)
    (alert,) = mailoutbox
    assert alert.subject.startswith(f"[Lotse #{request.pk}] Alle Angefragten haben abgesagt: ")
    assert "2 angefragt, 2 abgesagt, 0 ohne Antwort" in alert.body
    tasks.after_decline.delay(made[1].pk)  # a redelivery
    assert len(mailoutbox) == 1


def test_it_finds_offers_lost_on_the_way_but_leaves_retries_alone(office_a, five, settings):
    """The sweeper picks `queued` offers older than the threshold whose last try is older too."""
    settings.LOTSE_SWEEP_STUCK_AFTER_SECONDS = 600
    request = appointment(office_a, auto_offer=False)
    offering.offer_next_wave(request_id=request.pk, wave=1, now=RECORDED_AT)
    lost, retrying = Offer.objects.filter(request=request).order_by("pk")[:2]
    now = timezone.now()
    Offer.objects.filter(pk__in=[lost.pk, retrying.pk]).update(
        created_at=now - dt.timedelta(hours=1)
    )
    Offer.objects.filter(pk=retrying.pk).update(attempted_at=now - dt.timedelta(minutes=2))
    assert upkeep.stuck_offers(now=now) == [lost.pk]


def test_it_expires_open_offers_when_the_appointment_starts(office_a, five, wave_size):
    """At the start, offers still open become `expired` and no wave is due any more."""
    request = appointment(office_a, auto_offer=False)
    offering.offer_next_wave(request_id=request.pk, wave=1, now=RECORDED_AT)
    assert offers.expire_started(now=request.starts_at - dt.timedelta(minutes=1)) == 0
    assert offers.expire_started(now=request.starts_at) == 2
    request.refresh_from_db()
    assert request.next_wave_at is None
    assert {o.status for o in request.offers.all()} == {"expired"}


def test_it_asks_again_those_told_the_place_was_taken_when_it_comes_free(office_a, wave_size):
    """One of two accepts, the other hears "already taken"; the first drops out: the next wave
    asks the other again on the same offer (one per person and request), with a fresh start,
    and never the one who dropped out."""
    fitting_volunteer(), fitting_volunteer()
    request = appointment(office_a, auto_offer=False)
    offering.offer_next_wave(request_id=request.pk, wave=1, now=RECORDED_AT)
    first, second = Offer.objects.filter(request=request).order_by("pk")
    Offer.objects.filter(request=request).update(status=Offer.Status.SENT, sent_at=RECORDED_AT)
    offers.issue_link(offer=second)
    later = RECORDED_AT + dt.timedelta(hours=1)
    offers.accept(offer=first, now=later)
    second.refresh_from_db()
    assert second.status == Offer.Status.WITHDRAWN
    assert offers.release(offer=first, now=later)

    assert offering.offer_next_wave(request_id=request.pk, wave=2, now=later) == "queued 1"

    again = Offer.objects.get(pk=second.pk)
    assert (again.status, again.wave) == (Offer.Status.QUEUED, 2)
    assert again.sent_at is None and again.responded_at is None and again.token_digest is None
    assert again.score is not None
    assert Offer.objects.filter(request=request).count() == 2
    first.refresh_from_db()
    assert first.status == Offer.Status.WITHDRAWN and first.released_at == later


def test_staff_can_ask_by_hand_someone_told_the_place_was_taken(office_a, wave_size):
    one, other = fitting_volunteer(), fitting_volunteer()
    request = appointment(office_a, auto_offer=False)
    offering.offer_next_wave(request_id=request.pk, wave=1, now=RECORDED_AT)
    Offer.objects.filter(request=request).update(status=Offer.Status.SENT, sent_at=RECORDED_AT)
    taken = Offer.objects.get(request=request, volunteer=one)
    offers.accept(offer=taken, now=RECORDED_AT)
    offers.release(offer=taken, now=RECORDED_AT)
    again = offers.offer_by_hand(request=request, volunteer=other, now=RECORDED_AT)
    assert (again.status, again.wave) == (Offer.Status.QUEUED, 0)
    with pytest.raises(offers.OfferError) as refused:
        offers.offer_by_hand(request=request, volunteer=one, now=RECORDED_AT)
    assert refused.value.code == "offered"  # dropped out: not asked again


def test_it_stops_the_waves_when_the_request_is_filled_or_cancelled(office_a, five, wave_size):
    """A cancelled request has no next wave, and a late trigger plans none."""
    request = appointment(office_a, auto_offer=False)
    offering.offer_next_wave(request_id=request.pk, wave=1, now=RECORDED_AT)
    lifecycle.cancel_request(request=request, now=RECORDED_AT)
    request.refresh_from_db()
    assert request.next_wave_at is None
    assert offering.offer_next_wave(request_id=request.pk, wave=2, now=RECORDED_AT) == (
        "skipped: cancelled"
    )
