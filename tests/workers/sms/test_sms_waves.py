"""A wave that reached everyone by SMS at once waits at most an hour for answers; a wave with
an email in it, or with SMS held back by the quiet hours, waits as long as email needs."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from matching import offering
from matching.waves import SMS_WAVE_TIMEOUT
from requests.models import Request
from tests.factories.matching import RECORDED_AT, appointment, fitting_volunteer
from workers.sms import channels


def first_wait(office, settings, *, now: dt.datetime, sms: bool) -> dt.timedelta:
    channel = {"offer_channel": "sms", "phone_confirmed_at": timezone.now()} if sms else {}
    for n in range(2):
        fitting_volunteer(phone=f"+4915112345{n:03d}", **channel)
    request = appointment(office, auto_offer=False)
    planned = offering.offer_next_wave(
        request_id=request.pk, wave=1, now=now, reached_at_once=channels.all_by_sms_now
    )
    assert planned.startswith("queued")
    return Request.objects.get(pk=request.pk).next_wave_at - now


def test_a_wave_all_by_sms_waits_at_most_an_hour(office_a, settings):
    settings.SMS_QUIET_HOURS = "21:00-08:00"
    wait = first_wait(office_a, settings, now=RECORDED_AT, sms=True)  # 09:00, a week ahead
    assert wait <= SMS_WAVE_TIMEOUT


def test_a_wave_by_email_waits_longer(office_a, settings):
    settings.SMS_QUIET_HOURS = "21:00-08:00"
    assert first_wait(office_a, settings, now=RECORDED_AT, sms=False) > SMS_WAVE_TIMEOUT


def test_sms_held_by_the_quiet_hours_do_not_shorten_the_wait(office_a, settings):
    settings.SMS_QUIET_HOURS = "21:00-08:00"
    night = RECORDED_AT.replace(hour=23)
    assert first_wait(office_a, settings, now=night, sms=True) > SMS_WAVE_TIMEOUT
