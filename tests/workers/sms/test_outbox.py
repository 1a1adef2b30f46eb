"""The outbox protocol: lost SMS are found by the sweep, delivery reports move the state on,
a redelivered task sends nothing twice, and SMS_URL picks the adapter."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from requests import offers
from requests.models import Offer
from tests.factories.requests import make_request
from tests.factories.volunteers import sms_volunteer
from tests.workers.sms.conftest import texts_to
from workers import tasks, upkeep
from workers.models import SmsMessage
from workers.sms import base, outbox

PHONE = "+491711234567"


def queued_offer_sms(office, volunteer, capture) -> SmsMessage:
    """An offer whose SMS row was written but whose task never ran (a lost broker message)."""
    request = make_request(office=office, auto_offer=False)
    with capture(execute=False):
        offer = offers.offer_by_hand(request=request, volunteer=volunteer)
        outbox.queue_offer(
            offer=Offer.objects.select_related("request", "volunteer").get(pk=offer.pk)
        )
    return SmsMessage.objects.get(offer=offer)


def test_the_sweep_sends_an_sms_whose_task_was_lost(
    office_a, settings, django_capture_on_commit_callbacks
):
    volunteer = sms_volunteer(PHONE, email_language="en")
    sms = queued_offer_sms(office_a, volunteer, django_capture_on_commit_callbacks)
    later = timezone.now() + dt.timedelta(seconds=settings.LOTSE_SWEEP_STUCK_AFTER_SECONDS + 1)
    assert upkeep.stuck_sms(now=timezone.now()) == []
    assert upkeep.stuck_sms(now=later) == [sms.pk]
    # The offer itself is the SMS sweep's: not sent again as an offer.
    assert sms.offer_id not in upkeep.stuck_offers(now=later)
    SmsMessage.objects.filter(pk=sms.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    tasks.sweep_stuck_offers()
    assert len(texts_to(PHONE)) == 1
    assert Offer.objects.get(pk=sms.offer_id).status == Offer.Status.SENT
    assert outbox.send(sms_id=sms.pk) == "skipped: sent"  # a redelivered task
    assert len(texts_to(PHONE)) == 1


def test_delivery_reports_move_the_state_on_and_a_failure_fails_the_offer(
    office_a, mailoutbox, django_capture_on_commit_callbacks
):
    volunteer = sms_volunteer(PHONE, email_language="en")
    request = make_request(office=office_a, auto_offer=False)
    with django_capture_on_commit_callbacks(execute=True):
        offer = offers.offer_by_hand(request=request, volunteer=volunteer)
    sms = SmsMessage.objects.get(offer=offer)
    assert (sms.state, sms.provider) == (SmsMessage.State.SENT, "dev")
    base.receive_status(base.StatusUpdate("dev", sms.provider_id, "delivered"))
    assert SmsMessage.objects.get(pk=sms.pk).state == SmsMessage.State.DELIVERED
    base.receive_status(base.StatusUpdate("dev", sms.provider_id, "sent"))  # late, out of order
    assert SmsMessage.objects.get(pk=sms.pk).state == SmsMessage.State.DELIVERED

    other = make_request(
        office=office_a, auto_offer=False, starts_at=request.starts_at.replace(hour=15)
    )
    with django_capture_on_commit_callbacks(execute=True):
        second = offers.offer_by_hand(request=other, volunteer=volunteer)
    failing = SmsMessage.objects.get(offer=second)
    with django_capture_on_commit_callbacks(execute=True):
        base.receive_status(base.StatusUpdate("dev", failing.provider_id, "failed", "30003"))
    failing.refresh_from_db()
    assert (failing.state, failing.error) == (SmsMessage.State.FAILED, "30003")
    assert Offer.objects.get(pk=second.pk).status == Offer.Status.FAILED
    assert any(office_a.email in m.to for m in mailoutbox)


def test_an_unknown_sms_url_scheme_stops_with_a_message(settings):
    settings.SMS_URL = "carrier-pigeon://coo"
    with pytest.raises(ImproperlyConfigured, match="carrier-pigeon"):
        base.provider()
