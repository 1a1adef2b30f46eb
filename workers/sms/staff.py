"""What staff see of the SMS channel: on the request page (`requests.web.deliveries`) per offer
the channel it went by, the delivery state of its SMS and the volunteer's SMS replies; in the
statistics (`requests.statistics.load`) the SMS segments per office and month."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from requests.models import Offer
from requests.web.deliveries import Delivery, Reply
from volunteers.models import Volunteer
from volunteers.places import BERLIN
from workers.models import SmsMessage, SmsReply


def deliveries(offers: Sequence[Offer]) -> dict[int, Delivery]:
    """Two queries for all offers of a request, whatever their number."""
    ids = [offer.pk for offer in offers]
    latest: dict[int, SmsMessage] = {}
    for sms in SmsMessage.objects.filter(offer_id__in=ids, kind=SmsMessage.Kind.OFFER).order_by(
        "created_at", "pk"
    ):
        latest[sms.offer_id] = sms  # type: ignore[index]
    replies: dict[int, list[Reply]] = defaultdict(list)
    for reply in SmsReply.objects.filter(offer_id__in=ids).order_by("received_at", "pk"):
        replies[reply.offer_id].append(  # type: ignore[index]
            Reply(reply.received_at, reply.text, reply.get_outcome_display())
        )
    result = {}
    for offer in offers:
        sms = latest.get(offer.pk)
        if sms is None and not replies.get(offer.pk):
            continue  # by email alone: the offer's own status says it all
        by_email = sms is None or offer.volunteer.offer_channel != Volunteer.OfferChannel.SMS
        channel = _("email and SMS") if sms is not None and by_email else _("SMS")
        if sms is None:
            channel = _("email")
        result[offer.pk] = Delivery(
            channel=str(channel),
            state=sms.get_state_display() if sms is not None else "",
            state_code=sms.state if sms is not None else "",
            replies=replies.get(offer.pk, []),
        )
    return result


def segments_per_month(
    office_ids: list[int], start: dt.datetime, end: dt.datetime
) -> dict[tuple[dt.date, str], int]:
    """SMS segments sent in [start, end) per Berlin month and office name (the statistics)."""
    rows = (
        SmsMessage.objects.filter(
            office_id__in=office_ids, sent_at__gte=start, sent_at__lt=end, segments__gt=0
        )
        .annotate(month=TruncMonth("sent_at", tzinfo=BERLIN))
        .values_list("month", "office__name")
        .annotate(segments=Sum("segments"))
    )
    return {(month.date(), office): int(n) for month, office, n in rows}
