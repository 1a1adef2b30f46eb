"""What beat looks for: emails lost on the way, reminders and office alerts that are due.

The emails that must reach a volunteer can be found again from the rows alone: an offer still
`queued`, an accepted offer without `confirmation_sent_at`, an accepted offer of a cancelled
request without its cancellation notice. So when a broker restarts without persistence or a
worker dies holding a task, the sweeper sends them again; the protocols in `workers.sending`
make sure none goes out twice. Courtesy notices ("already taken") and office alerts are not
swept: they are lost with a broker that loses its data (production runs Redis append-only).

Each function only selects (ids, in bounded numbers); the tasks in `workers.tasks` act on them
through the sending protocols, which check again under a lock, so a selection that is stale by
the time a worker gets to it does no harm.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from requests.calendar import BERLIN
from requests.models import Offer, Request
from workers.models import Notice

NOT_FILLED = [Request.Status.OPEN, Request.Status.OFFERING, Request.Status.UNFILLED]


def stuck_offers(*, now: dt.datetime | None = None, limit: int = 1000) -> list[int]:
    """Offers still `queued` well after they were queued and last tried: their task was lost
    (a broker restarted without persistence, a worker killed before it acknowledged)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.LOTSE_SWEEP_STUCK_AFTER_SECONDS)
    return list(
        Offer.objects.filter(status=Offer.Status.QUEUED, created_at__lte=cutoff)
        .filter(Q(attempted_at__isnull=True) | Q(attempted_at__lte=cutoff))
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def escalations_due(*, now: dt.datetime | None = None) -> list[int]:
    """Requests not filled whose appointment is near: within LOTSE_ESCALATE_HOURS, and at least
    half of the time between recording and appointment gone (a request recorded for tomorrow
    gets its chance before the office is alarmed). Each is escalated once."""
    now = now or timezone.now()
    window = dt.timedelta(hours=settings.LOTSE_ESCALATE_HOURS)
    candidates = (
        Request.objects.filter(
            status__in=NOT_FILLED, starts_at__gt=now, starts_at__lte=now + window
        )
        .exclude(notices__kind=Notice.Kind.ESCALATION)
        .order_by("starts_at", "pk")
        .values_list("pk", "created_at", "starts_at")
    )
    return [pk for pk, created, starts in candidates if now - created >= (starts - created) / 2]


def reminders_due(*, now: dt.datetime | None = None) -> list[int]:
    """Accepted offers for appointments on the next Berlin calendar day, from
    LOTSE_REMINDER_HOUR on, accepted before today (someone who accepted today for tomorrow has
    the confirmation fresh in mind), and not reminded yet."""
    now = now or timezone.now()
    local = now.astimezone(BERLIN)
    if local.hour < settings.LOTSE_REMINDER_HOUR:
        return []
    today = local.date()
    midnight = dt.datetime.combine(today, dt.time(), tzinfo=BERLIN)
    tomorrow = midnight + dt.timedelta(days=1)
    day_after = dt.datetime.combine(today + dt.timedelta(days=2), dt.time(), tzinfo=BERLIN)
    return list(
        Offer.objects.filter(
            status=Offer.Status.ACCEPTED,
            responded_at__lt=midnight,
            request__status__in=[Request.Status.FILLED, Request.Status.OFFERING],
            request__starts_at__gte=tomorrow,
            request__starts_at__lt=day_after,
            volunteer__erased_at__isnull=True,
        )
        .exclude(notices__kind=Notice.Kind.REMINDER)
        .order_by("request__starts_at", "pk")
        .values_list("pk", flat=True)
    )


def _lost(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(seconds=settings.LOTSE_SWEEP_STUCK_AFTER_SECONDS)


def missing_confirmations(*, now: dt.datetime | None = None, limit: int = 1000) -> list[int]:
    """Accepted offers of future appointments whose confirmation never went out."""
    now = now or timezone.now()
    return list(
        Offer.objects.filter(
            status=Offer.Status.ACCEPTED,
            confirmation_sent_at__isnull=True,
            responded_at__lte=_lost(now),
            request__starts_at__gt=now,
            volunteer__erased_at__isnull=True,
        )
        # A confirmation the server refused for good was reported to the office instead.
        .exclude(notices__kind=Notice.Kind.UNDELIVERABLE)
        .order_by("responded_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def missing_cancellations(*, now: dt.datetime | None = None, limit: int = 1000) -> list[int]:
    """Accepted offers of cancelled requests whose cancellation never went out."""
    now = now or timezone.now()
    return list(
        Offer.objects.filter(
            status=Offer.Status.ACCEPTED,
            request__status=Request.Status.CANCELLED,
            request__closed_at__lte=_lost(now),
            request__starts_at__gt=now,
            volunteer__erased_at__isnull=True,
        )
        .exclude(notices__kind=Notice.Kind.CALENDAR_CANCEL)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
