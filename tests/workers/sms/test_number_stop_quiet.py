"""The volunteer's choice: the number confirmed by reply, STOP, and the quiet hours."""

from __future__ import annotations

import datetime as dt

import pytest

from requests import offers
from requests.models import Offer
from tests.factories.requests import at, days_ahead, make_request
from tests.factories.volunteers import VolunteerFactory, sms_volunteer
from tests.workers.sms.conftest import reply, texts_to
from volunteers import profiles
from volunteers.audit import AuditEntry, Event
from volunteers.models import Volunteer
from workers import upkeep
from workers.models import SmsMessage, SmsReply
from workers.sms import channels, outbox

PHONE = "+491711234567"


def test_sms_is_chosen_with_a_mobile_number_confirmed_by_yes(
    office_a, mailoutbox, django_capture_on_commit_callbacks
):
    """Choosing SMS sends the confirmation SMS; until "JA" comes back offers go by email,
    afterwards by SMS. A landline is refused."""
    volunteer = VolunteerFactory(email="amir@lotse.example", email_language="en")
    with pytest.raises(Exception, match="keine Handynummer"):
        profiles.save_profile(
            volunteer=volunteer, data={"phone": "+49231123456", "offer_channel": "sms"}
        )
    volunteer.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        profiles.save_profile(
            volunteer=volunteer, data={"phone": "0171 1234567", "offer_channel": "sms"}
        )
    volunteer.refresh_from_db()
    assert str(volunteer.phone) == PHONE
    assert texts_to(PHONE) == [
        "Lotse: Please confirm this number for offers by SMS: reply YES. Reply STOP for no SMS."
    ]
    with django_capture_on_commit_callbacks(execute=True):
        offers.offer_by_hand(
            request=make_request(office=office_a, auto_offer=False), volunteer=volunteer
        )
    assert [m.to for m in mailoutbox] == [["amir@lotse.example"]]  # not confirmed yet

    with django_capture_on_commit_callbacks(execute=True):
        assert reply(PHONE, "Evet") == SmsReply.Outcome.CONFIRMED
    volunteer.refresh_from_db()
    assert volunteer.phone_confirmed_at is not None
    assert texts_to(PHONE)[-1].startswith("Lotse: Thank you, your number is confirmed.")
    assert AuditEntry.objects.filter(event=Event.PHONE_CONFIRMED, channel="sms").exists()
    later = make_request(office=office_a, starts_at=at(days_ahead(9), "10:00"), auto_offer=False)
    with django_capture_on_commit_callbacks(execute=True):
        offers.offer_by_hand(request=later, volunteer=volunteer)
    assert "Reply YES" in texts_to(PHONE)[-1]
    assert len(mailoutbox) == 1

    # A new number is confirmed anew.
    with django_capture_on_commit_callbacks(execute=True):
        profiles.save_profile(volunteer=volunteer, data={"phone": "+491717654321"})
    volunteer.refresh_from_db()
    assert volunteer.phone_confirmed_at is None
    assert texts_to("+491717654321")[0].startswith("Lotse: Please confirm this number")


def test_the_confirmation_sms_waits_for_the_confirmed_email(db, django_capture_on_commit_callbacks):
    """A registration names a number; the SMS goes only once the email is confirmed (so a
    stranger's number typed into the form gets nothing)."""
    from volunteers import registration, tokens
    from volunteers.models import PersonalToken

    volunteer = VolunteerFactory(
        status=Volunteer.Status.PENDING, phone=PHONE, offer_channel="sms", email_language="en"
    )
    assert texts_to(PHONE) == []
    raw = tokens.issue(volunteer=volunteer, purpose=PersonalToken.Purpose.CONFIRM)
    with django_capture_on_commit_callbacks(execute=True):
        registration.confirm(raw_token=raw)
    assert len(texts_to(PHONE)) == 1


def test_stop_pauses_sms_with_one_last_sms(
    office_a, mailoutbox, django_capture_on_commit_callbacks
):
    volunteer = sms_volunteer(PHONE, email="neda@lotse.example", email_language="en")
    with django_capture_on_commit_callbacks(execute=True):
        assert reply(PHONE, "STOPP") == SmsReply.Outcome.STOPPED
    volunteer.refresh_from_db()
    assert volunteer.offer_channel == Volunteer.OfferChannel.EMAIL
    assert volunteer.sms_stopped_at is not None
    (last,) = texts_to(PHONE)
    assert last.startswith("Lotse: You will get no more SMS from us")
    with django_capture_on_commit_callbacks(execute=True):
        offers.offer_by_hand(
            request=make_request(office=office_a, auto_offer=False), volunteer=volunteer
        )
    assert len(texts_to(PHONE)) == 1
    assert [m.to for m in mailoutbox] == [["neda@lotse.example"]]
    assert AuditEntry.objects.filter(event=Event.SMS_STOPPED, channel="sms").exists()


NIGHT = at(days_ahead(3), "23:30")
MORNING = at(days_ahead(4), "08:00")


@pytest.mark.parametrize(
    ("urgent_at_night", "hours_ahead", "held"),
    [(False, 30, True), (False, 10, True), (True, 30, True), (True, 10, False)],
)
def test_quiet_hours_hold_sms_unless_urgent_and_allowed(
    office_a, settings, urgent_at_night, hours_ahead, held
):
    """From 21:00 to 08:00 an offer SMS waits for the morning; an appointment within
    MATCHING_URGENT_HOURS reaches those who allowed it at once."""
    settings.SMS_QUIET_HOURS = "21:00-08:00"
    settings.MATCHING_URGENT_HOURS = 24
    volunteer = sms_volunteer(PHONE, sms_urgent_at_night=urgent_at_night, email_language="en")
    starts = NIGHT + dt.timedelta(hours=hours_ahead)
    request = make_request(office=office_a, starts_at=starts, now=NIGHT - dt.timedelta(days=1))
    offer = Offer.objects.create(request=request, volunteer=volunteer, wave=1)
    sms = outbox.queue_offer(offer=offer, now=NIGHT)
    assert (sms.not_before == MORNING) is held
    if held:
        assert outbox.send(sms_id=sms.pk, now=NIGHT) == "skipped: held"
        assert texts_to(PHONE) == []
        assert upkeep.held_sms_due(now=MORNING - dt.timedelta(minutes=1)) == []
        assert upkeep.held_sms_due(now=MORNING) == [sms.pk]
        assert outbox.send(sms_id=sms.pk, now=MORNING) == "sent"
    else:
        assert outbox.send(sms_id=sms.pk, now=NIGHT) == "sent"
    assert len(texts_to(PHONE)) == 1
    assert Offer.objects.get(pk=offer.pk).status == Offer.Status.SENT


def test_answers_to_the_persons_own_sms_are_never_held(db, settings):
    settings.SMS_QUIET_HOURS = "21:00-08:00"
    volunteer = sms_volunteer(PHONE)
    assert channels.held_until(volunteer=volunteer, request=None, answering=True, now=NIGHT) is None
    assert channels.quiet_until(at(days_ahead(3), "07:59")) == at(days_ahead(3), "08:00")
    assert channels.quiet_until(at(days_ahead(3), "08:00")) is None
    assert channels.quiet_until(at(days_ahead(3), "20:59")) is None
    sms = outbox.queue(
        key="t",
        kind=SmsMessage.Kind.REPLY,
        volunteer=volunteer,
        body="x",
        answering=True,
        now=NIGHT,
    )
    assert sms.not_before is None
