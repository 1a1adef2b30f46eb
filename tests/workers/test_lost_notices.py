"""Office alerts and "already taken" notices survive a lost task.

A change commits, but what it would have enqueued after the commit never runs: the process
stopped in between, or the broker lost the message. Here the commit's callbacks are captured and
dropped. The sweep (beat, every LOTSE_SWEEP_EVERY_SECONDS) finds each lost email from the rows
and sends it once; an event older than LOTSE_SWEEP_HORIZON_HOURS is left alone.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from matching import offering
from requests import lifecycle, offers
from requests.models import Offer, Request
from tests.factories.requests import offered
from tests.factories.volunteers import VolunteerFactory
from workers import tasks, upkeep

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def lost_at_once(settings):
    # Whatever is not sent by now counts as lost (the real cutoff is minutes).
    settings.LOTSE_SWEEP_STUCK_AFTER_SECONDS = 0


def to(outbox, address):
    return [m.subject for m in outbox if m.to == [address]]


def sweep_twice(outbox) -> list[str]:
    """Sweep, and sweep again: the second finds nothing left to send."""
    tasks.sweep_stuck_offers.delay()
    sent = [m.subject for m in outbox]
    tasks.sweep_stuck_offers.delay()
    assert [m.subject for m in outbox] == sent
    return sent


def test_a_lost_fill_still_tells_the_office_the_others_and_the_one_who_accepted(
    mailoutbox, django_capture_on_commit_callbacks
):
    request, sent = offered(count=3)
    with django_capture_on_commit_callbacks(execute=False):
        offers.accept(offer=sent[0].offer)
    assert mailoutbox == []
    sweep_twice(mailoutbox)
    (filled,) = to(mailoutbox, request.office.email)
    assert filled.startswith(f"[Lotse #{request.pk}] Besetzt: ")
    for other in sent[1:]:
        (notice,) = to(mailoutbox, other.offer.volunteer.email)
        assert notice.startswith("Schon vergeben: ")
    (confirmation,) = to(mailoutbox, sent[0].offer.volunteer.email)
    assert confirmation.startswith("Bestätigt: ")


def test_a_lost_drop_out_still_tells_the_volunteer_and_the_office_and_asks_again(
    mailoutbox, django_capture_on_commit_callbacks
):
    """The replacement wave is due in the row itself: beat starts it without the lost task."""
    request, sent = offered(count=1)
    Request.objects.filter(pk=request.pk).update(auto_offer=True, waves_sent=1)
    with django_capture_on_commit_callbacks(execute=True):
        offers.accept(offer=sent[0].offer)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=False):
        assert offers.release(offer=sent[0].reload())
    assert mailoutbox == []
    assert offering.due_waves(now=timezone.now()) == [(request.pk, 2)]
    sweep_twice(mailoutbox)
    (signed_off,) = to(mailoutbox, sent[0].offer.volunteer.email)
    assert signed_off.startswith("Abgemeldet: ")
    (alert,) = to(mailoutbox, request.office.email)
    assert alert.startswith(f"[Lotse #{request.pk}] Absage einer Zusage: ")


def test_a_request_offered_by_hand_waits_for_the_office_after_a_drop_out(
    django_capture_on_commit_callbacks,
):
    request, sent = offered(count=1)
    with django_capture_on_commit_callbacks(execute=True):
        offers.accept(offer=sent[0].offer)
    with django_capture_on_commit_callbacks(execute=False):
        offers.release(offer=sent[0].reload())
    request.refresh_from_db()
    assert request.next_wave_at is None


def test_lost_alerts_for_a_dry_list_a_decline_and_an_undelivered_offer_are_sent(
    mailoutbox, django_capture_on_commit_callbacks
):
    dry, _none = offered(count=0)
    _declined, (asked,) = offered(count=1)
    undelivered, _ = offered(count=0)
    queued = offers.offer_by_hand(request=undelivered, volunteer=VolunteerFactory())
    with django_capture_on_commit_callbacks(execute=False):
        assert lifecycle.mark_unfilled(request=dry)
        offers.decline(offer=asked.offer, reason=Offer.DeclineReason.NO_TIME)
        assert offers.fail(offer_id=queued.pk)
    assert mailoutbox == []
    sent = sweep_twice(mailoutbox)
    assert sorted(s.split("] ")[1].split(":")[0] for s in sent) == [
        "Alle Angefragten haben abgesagt",
        "E-Mail nicht zugestellt",
        "Niemand mehr anzufragen",
    ]


def test_a_lost_all_declined_is_sent_as_after_a_decline_also_once_the_search_gave_up(
    mailoutbox, django_capture_on_commit_callbacks
):
    """The sweep asks what `after_decline` asks: offers still out when the search gave up, all
    declined later, tell the office; a request that ran dry after a decline (its waves were
    running) only says it has nobody left to ask."""
    given_up, (late,) = offered(count=1)
    ran_dry, (early,) = offered(count=1)
    Request.objects.filter(pk=ran_dry.pk).update(next_wave_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert lifecycle.mark_unfilled(request=given_up)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=False):
        offers.decline(offer=late.offer)
        offers.decline(offer=early.offer)
        assert lifecycle.mark_unfilled(request=Request.objects.get(pk=ran_dry.pk))
    assert offering.after_decline(offer_id=late.offer.pk).next is offering.Next.ALL_DECLINED
    sent = sweep_twice(mailoutbox)
    assert sorted(s.split(": ")[0] for s in sent) == [
        f"[Lotse #{given_up.pk}] Alle Angefragten haben abgesagt",
        f"[Lotse #{ran_dry.pk}] Niemand mehr anzufragen",
    ]


def test_the_sweep_leaves_events_older_than_its_horizon_alone(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.LOTSE_SWEEP_HORIZON_HOURS = 48
    request, sent = offered(count=2)
    with django_capture_on_commit_callbacks(execute=False):
        offers.accept(offer=sent[0].offer)
    long_ago = timezone.now() - dt.timedelta(hours=49)
    Request.objects.filter(pk=request.pk).update(filled_at=long_ago)
    Offer.objects.filter(pk=sent[1].offer.pk).update(responded_at=long_ago)
    assert upkeep.office_alerts_due() == []
    assert upkeep.missing_closed_notices() == []


def test_an_office_without_an_address_is_not_asked_again_and_again(
    django_capture_on_commit_callbacks,
):
    request, sent = offered(count=1)
    type(request.office).objects.filter(pk=request.office_id).update(email="")
    with django_capture_on_commit_callbacks(execute=False):
        offers.accept(offer=sent[0].offer)
    assert upkeep.office_alerts_due() == []
