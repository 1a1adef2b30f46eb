"""Confirming a volunteer's mobile number: the SMS that asks for a "JA".

`volunteers` says when a number needs confirming (signal `phone_to_confirm`, inside the
transaction that saved the profile or confirmed the email); this queues the SMS in that same
transaction. The reply is handled by `workers.sms.replies`. A number gets few of these: one an
hour per person, and at most PER_DAY a day whoever registers it, so that typing someone else's
number into the registration form cannot flood that phone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone, translation

from volunteers.models import Volunteer
from workers.models import SmsMessage
from workers.sms import outbox, texts

PER_DAY = 3
AGAIN_AFTER = dt.timedelta(hours=1)


def ask_to_confirm(sender: Any, volunteer: Volunteer, **kwargs: Any) -> None:
    now = timezone.now()
    number = str(volunteer.phone)
    asked = SmsMessage.objects.filter(kind=SmsMessage.Kind.CONFIRM_NUMBER, to=number)
    if asked.filter(created_at__gte=now - dt.timedelta(days=1)).count() >= PER_DAY:
        return
    if asked.filter(volunteer=volunteer, created_at__gte=now - AGAIN_AFTER).exists():
        return
    with translation.override(volunteer.email_language):
        body = texts.confirm_number()
    outbox.queue(
        key=f"confirm_number:{volunteer.pk}:{now:%Y%m%d%H%M%S%f}",
        kind=SmsMessage.Kind.CONFIRM_NUMBER,
        volunteer=volunteer,
        body=body,
        answering=True,  # asked for on a page just now: the person is waiting for it
        now=now,
    )
