"""The check-in after an appointment: due an hour after its end or at once on completion,
one reminder, each email once, found again when its task was lost.

Tasks run in this process (eager); the clock is the `now` the domain functions take, or
appointments placed in the past; nothing sleeps.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from requests import lifecycle, outcomes
from requests.models import Offer, Outcome, Request
from tests.factories.requests import accepted_offer, at, days_ahead, make_request
from tests.factories.volunteers import VolunteerFactory
from workers import sending, tasks

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://\S+/checkin/[\w-]+/")


def assignment(
    office, *, starts_at: dt.datetime, length: dt.timedelta = dt.timedelta(hours=2), **volunteer
) -> Offer:
    """An accepted offer for an appointment at `starts_at`, accepted a week before it, of a
    volunteer who reads English (the texts these tests read)."""
    week_before = starts_at - dt.timedelta(days=7)
    need = make_request(
        office=office, starts_at=starts_at, ends_at=starts_at + length, now=week_before
    )
    volunteer = VolunteerFactory(**{"email_language": "en", **volunteer})
    return accepted_offer(need, volunteer, now=week_before)


def checkins(outbox, address):
    return [m for m in outbox if m.to == [address] and "How did it go?" in m.subject]


def test_it_is_due_an_hour_after_the_end_and_not_before(office_a):
    """LOTSE_CHECKIN_AFTER_MINUTES (60) after the end: due at 61 minutes, not at 59."""
    offer = assignment(office_a, starts_at=at(days_ahead(-1), "10:00"))
    end = offer.request.ends_at
    assert outcomes.claim_due(now=end + dt.timedelta(minutes=59)) == []
    (due,) = outcomes.claim_due(now=end + dt.timedelta(minutes=61))
    assert Outcome.objects.get(pk=due).offer_id == offer.pk


def test_beat_sends_the_checkin_once_with_a_link_for_this_assignment(office_a, mailoutbox):
    """The periodic task emails the volunteer of an appointment that ended yesterday; a second
    run and a redelivered sending task send nothing more."""
    offer = assignment(office_a, starts_at=at(days_ahead(-1), "10:00"), email="amal@lotse.example")
    tasks.start_checkins.delay()
    (email,) = checkins(mailoutbox, "amal@lotse.example")
    assert email.subject.startswith("How did it go? Interpreting Persian – ")
    assert "Yes, as planned" in email.alternatives[0][0]
    assert "Amtsstraße" not in email.body  # the area, never the address
    outcome = Outcome.objects.get(offer=offer)
    assert outcome.sent_at is not None and outcome.links.count() == 1
    tasks.start_checkins.delay()
    tasks.send_checkins.delay([outcome.pk])
    assert len(checkins(mailoutbox, "amal@lotse.example")) == 1


def test_it_goes_out_at_once_when_staff_complete_the_request(
    office_a, mailoutbox, django_capture_on_commit_callbacks
):
    """Completed ten minutes after the end: the check-in does not wait for the hour."""
    # A minute long and just over: it ends the day it starts, whenever this runs.
    starts = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=2)
    offer = assignment(
        office_a, starts_at=starts, length=dt.timedelta(minutes=1), email="dara@lotse.example"
    )
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.complete_request(request=offer.request, hours={offer.volunteer_id: Decimal(1)})
    (email,) = checkins(mailoutbox, "dara@lotse.example")
    assert LINK.search(email.body)


def test_one_reminder_when_unanswered(office_a, mailoutbox, settings):
    """LOTSE_CHECKIN_REMINDER_HOURS after the check-in, unanswered: one reminder, never two;
    an answered check-in gets none."""
    settings.LOTSE_CHECKIN_REMINDER_HOURS = 48
    quiet = assignment(office_a, starts_at=at(days_ahead(-3), "10:00"), email="q@lotse.example")
    answered = assignment(office_a, starts_at=at(days_ahead(-3), "14:00"), email="a@lotse.example")
    tasks.start_checkins.delay()
    assert len(mailoutbox) == 2
    two_days_ago = timezone.now() - dt.timedelta(hours=49)
    Outcome.objects.update(sent_at=two_days_ago, queued_at=two_days_ago)
    outcomes.answer(outcome=answered.outcome, choice="as_planned")
    tasks.start_checkins.delay()
    tasks.start_checkins.delay()
    (reminder,) = [m for m in mailoutbox if m.subject.startswith("Reminder: How did it go? ")]
    assert reminder.to == ["q@lotse.example"]
    assert sending.send_checkin(outcome_id=quiet.outcome.pk) == "skipped: reminded already"


def test_a_checkin_whose_task_was_lost_is_sent_by_a_later_run(office_a, mailoutbox):
    """Claimed (queued) but the task never ran: after LOTSE_SWEEP_STUCK_AFTER_SECONDS the beat
    enqueues it again."""
    assignment(office_a, starts_at=at(days_ahead(-1), "10:00"))
    now = timezone.now()
    (claimed,) = outcomes.claim_due(now=now)  # the task that would send it is lost
    assert outcomes.claim_due(now=now + dt.timedelta(minutes=5)) == []
    assert outcomes.claim_due(now=now + dt.timedelta(minutes=16)) == [claimed]


def test_no_checkin_for_a_cancelled_appointment_an_old_one_or_someone_who_dropped_out(
    office_a, mailoutbox
):
    cancelled = assignment(office_a, starts_at=at(days_ahead(-1), "10:00"))
    Request.objects.filter(pk=cancelled.request_id).update(status=Request.Status.CANCELLED)
    assignment(office_a, starts_at=at(days_ahead(-30), "10:00"))  # beyond the horizon
    dropped = assignment(office_a, starts_at=at(days_ahead(-1), "14:00"))
    Offer.objects.filter(pk=dropped.pk).update(status=Offer.Status.WITHDRAWN)
    tasks.start_checkins.delay()
    assert mailoutbox == []
