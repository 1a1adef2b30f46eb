"""The record of the demo's emails: its history reads as if the workers had sent them.

`labs.demo.history` writes a year of requests and offers as the workers and volunteers
would have left them, but the record of what was emailed lives here (`Notice`,
`Offer.confirmation_sent_at`). Without it the first sweep after `make run` would send
confirmations, "already taken" notices and "filled" alerts for the demo's coming appointments,
as if each had been lost on the way.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from requests.models import Offer, Request
from volunteers import phones
from volunteers.models import Volunteer
from workers import sending
from workers.models import Notice


@transaction.atomic
def record_demo_emails() -> int:
    """Mark the emails of coming demo appointments as sent; returns how many notices."""
    now = timezone.now()
    coming = Offer.objects.filter(request__starts_at__gt=now)
    coming.filter(status=Offer.Status.ACCEPTED, confirmation_sent_at__isnull=True).update(
        confirmation_sent_at=F("responded_at")
    )
    notices = [
        Notice(
            key=sending.closed_key(offer),
            kind=Notice.Kind.CLOSED,
            request_id=offer.request_id,
            offer=offer,
        )
        for offer in coming.filter(Offer.NO_LONGER_NEEDED, sent_at__isnull=False)
    ]
    for request in Request.objects.filter(status=Request.Status.FILLED, starts_at__gt=now):
        key = sending.office_key(kind=Notice.Kind.FILLED, request=request, offer_id=None, what="")
        if key is not None:
            notices.append(Notice(key=key, kind=Notice.Kind.FILLED, request=request))
    return len(Notice.objects.bulk_create(notices, ignore_conflicts=True))


# How many demo volunteers take offers by SMS.
DEMO_SMS_PEOPLE = 3


def choose_demo_sms(*, count: int = DEMO_SMS_PEOPLE) -> list[str]:
    """A few Persian-speaking demo interpreters take offers by email and SMS with their number
    confirmed, so that `make run` shows the SMS path in the dev SMS box (`/dev/sms/`). Only
    once: a database where any volunteer ever chose SMS is left as it is. Returns their names."""
    if Volunteer.objects.exclude(offer_channel=Volunteer.OfferChannel.EMAIL).exists() or (
        Volunteer.objects.filter(
            Q(phone_confirmed_at__isnull=False) | Q(sms_stopped_at__isnull=False)
        ).exists()
    ):
        return []
    interpreters = (
        Volunteer.objects.filter(
            status=Volunteer.Status.ACTIVE,
            email__endswith="@demo.lotse.example",
            languages__code="fa",
            skill_set__skill__code="interpreting",
        )
        .order_by("pk")
        .distinct()
    )
    people = list(interpreters[:count])
    now = timezone.now()
    chosen = []
    for person in people:
        phone = str(person.phone) if person.phone and phones.is_mobile(str(person.phone)) else ""
        Volunteer.objects.filter(pk=person.pk).update(
            phone=phone or f"+49171{person.pk:07d}",
            offer_channel=Volunteer.OfferChannel.BOTH,
            phone_confirmed_at=now,
            updated_at=now,
        )
        chosen.append(person.name)
    return chosen
