"""What beat looks for: emails and SMS lost on the way, reminders and office alerts that are due.

Every email can be found again from the rows alone: an offer still `queued`, an accepted offer
without `confirmation_sent_at`, an accepted offer of a cancelled request without its
cancellation notice; and, for what happened between `LOTSE_SWEEP_HORIZON_HOURS` ago and the
lost cutoff, a place given back or an open offer withdrawn without its notice, and a request
filled, run dry, declined by everyone asked, or an offer not delivered, without the office's
alert. So when a broker restarts without persistence, a worker dies holding a task, or a
process stops between a commit and the enqueueing that follows it, the sweeper sends them
again; the protocols in `workers.sending` make sure none goes out twice.

Each function only selects (ids, in bounded numbers); the tasks in `workers.tasks` act on them
through the sending protocols, which check again under a lock, so a selection that is stale by
the time a worker gets to it does no harm.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from requests.models import Offer, Request, RequestQuerySet
from volunteers.places import BERLIN
from workers.models import Notice, SmsMessage


def stuck_offers(*, now: dt.datetime | None = None, limit: int = 1000) -> list[int]:
    """Offers still `queued` well after they were queued and last tried: their task was lost
    (a broker restarted without persistence, a worker killed before it acknowledged)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.LOTSE_SWEEP_STUCK_AFTER_SECONDS)
    return list(
        Offer.objects.filter(status=Offer.Status.QUEUED, created_at__lte=cutoff)
        .filter(Q(attempted_at__isnull=True) | Q(attempted_at__lte=cutoff))
        # Its SMS is in the outbox: the SMS sweep below looks after it.
        .exclude(
            Exists(
                SmsMessage.objects.filter(
                    offer=OuterRef("pk"),
                    kind=SmsMessage.Kind.OFFER,
                    state=SmsMessage.State.QUEUED,
                )
            )
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def held_sms_due(*, now: dt.datetime | None = None, limit: int = 1000) -> list[int]:
    """SMS held back by the quiet hours whose time has come, and not tried since."""
    now = now or timezone.now()
    return list(
        SmsMessage.objects.filter(state=SmsMessage.State.QUEUED, not_before__lte=now)
        .filter(Q(attempted_at__isnull=True) | Q(attempted_at__lt=F("not_before")))
        .order_by("not_before", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def stuck_sms(*, now: dt.datetime | None = None, limit: int = 1000) -> list[int]:
    """SMS still `queued` well after they were due and last tried: their task was lost."""
    now = now or timezone.now()
    cutoff = _lost(now)
    return list(
        SmsMessage.objects.filter(state=SmsMessage.State.QUEUED, created_at__lte=cutoff)
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=cutoff))
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
        Request.objects.taking_offers(now=now)
        .filter(starts_at__lte=now + window)
        .exclude(notices__kind=Notice.Kind.ESCALATION)
        .order_by("starts_at", "pk")
        .values_list("pk", "created_at", "starts_at")
    )
    return [pk for pk, created, starts in candidates if now - created >= (starts - created) / 2]


def stalled_requests(*, now: dt.datetime | None = None, limit: int = 500) -> list[tuple[int, int]]:
    """(request id, wave number) of the requests that offer automatically but have no offer and
    no wave due: the task planning their first wave was lost, or planning failed. The sweep
    plans them again, which either queues a wave or records why not and tells the office."""
    now = now or timezone.now()
    return list(
        Request.objects.filter(
            auto_offer=True,
            status=Request.Status.OPEN,
            next_wave_at__isnull=True,
            starts_at__gt=now,
            updated_at__lte=_lost(now),
        )
        .exclude(Exists(Offer.objects.filter(request=OuterRef("pk"))))
        .order_by("starts_at", "pk")
        .annotate(wave=F("waves_sent") + 1)
        .values_list("pk", "wave")[:limit]
    )


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
            request__status__in=Request.GOING_AHEAD,
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


# --- Office alerts and courtesy notices -------------------------------------------------------


def _window(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Events in (horizon, lost cutoff]: old enough to be lost, young enough to matter."""
    return now - dt.timedelta(hours=settings.LOTSE_SWEEP_HORIZON_HOURS), _lost(now)


def _notice_since(kind: str, at: str) -> Exists:
    """The outer request has a notice of `kind` recorded at or after its column `at`."""
    return Exists(
        Notice.objects.filter(request=OuterRef("pk"), kind=kind, created_at__gte=OuterRef(at))
    )


def _offer_notice(kind: str) -> Exists:
    return Exists(Notice.objects.filter(offer=OuterRef("pk"), kind=kind))


def _requests_to_alert(now: dt.datetime) -> RequestQuerySet:
    # An office without an address is never alerted: no point asking again every sweep.
    return Request.objects.filter(starts_at__gt=now).exclude(office__email="")


def office_alerts_due(
    *, now: dt.datetime | None = None, limit: int = 1000
) -> list[tuple[str, dict[str, object]]]:
    """Office alerts lost on the way, as (kind, arguments of `tasks.send_office_notice`): a
    request filled, run dry (unfilled) or declined by everyone asked by hand, a volunteer who
    dropped out, an offer not delivered, offers that could not go out. Each is checked again
    when it is sent."""
    now = now or timezone.now()
    start, lost = _window(now)
    due: list[tuple[str, dict[str, object]]] = []
    requests = _requests_to_alert(now)
    filled = requests.filter(
        status=Request.Status.FILLED, filled_at__gt=start, filled_at__lte=lost
    ).exclude(_notice_since(Notice.Kind.FILLED, "filled_at"))
    unfilled = requests.filter(
        status=Request.Status.UNFILLED, closed_at__gt=start, closed_at__lte=lost
    ).exclude(_notice_since(Notice.Kind.UNFILLED, "closed_at"))
    last_decline = Offer.objects.filter(
        request=OuterRef("pk"), status=Offer.Status.DECLINED
    ).order_by("-responded_at")
    # As `matching.offering.after_decline` decides: out of answers, and no wave running. A
    # request the search gave up on (unfilled) after its last decline had its waves running
    # then: it ran dry, and the office heard that instead.
    declined = (
        requests.out_of_answers(now=now)
        .filter(next_wave_at__isnull=True)
        .annotate(declined_at=Subquery(last_decline.values("responded_at")[:1]))
        .filter(declined_at__gt=start, declined_at__lte=lost)
        .exclude(status=Request.Status.UNFILLED, closed_at__gte=F("declined_at"))
        .exclude(_notice_since(Notice.Kind.ALL_DECLINED, "declined_at"))
    )
    stalled = (
        requests.filter(
            status__in=Request.TAKES_OFFERS, offer_problem_at__gt=start, offer_problem_at__lte=lost
        )
        .exclude(offer_problem="")
        .exclude(notices__kind=Notice.Kind.OFFER_FAILED)
    )
    for kind, found in (
        (Notice.Kind.OFFER_FAILED, stalled),
        (Notice.Kind.FILLED, filled),
        (Notice.Kind.UNFILLED, unfilled),
        (Notice.Kind.ALL_DECLINED, declined),
    ):
        due += [(kind, {"request_id": pk}) for pk in found.values_list("pk", flat=True)[:limit]]
    offers = Offer.objects.filter(request__starts_at__gt=now).exclude(request__office__email="")
    released = (
        offers.filter(released_at__gt=start, released_at__lte=lost)
        .exclude(request__status=Request.Status.CANCELLED)
        .exclude(_offer_notice(Notice.Kind.RELEASED))
    )
    failed = offers.filter(
        status=Offer.Status.FAILED, responded_at__gt=start, responded_at__lte=lost
    ).exclude(_offer_notice(Notice.Kind.UNDELIVERABLE))
    due += [
        (Notice.Kind.RELEASED, {"offer_id": pk})
        for pk in released.values_list("pk", flat=True)[:limit]
    ]
    due += [
        (Notice.Kind.UNDELIVERABLE, {"offer_id": pk, "what": "offer"})
        for pk in failed.values_list("pk", flat=True)[:limit]
    ]
    return due


def _volunteers_to_tell(now: dt.datetime) -> QuerySet[Offer]:
    start, lost = _window(now)
    return Offer.objects.filter(
        status=Offer.Status.WITHDRAWN,
        responded_at__gt=start,
        responded_at__lte=lost,
        request__starts_at__gt=now,
        volunteer__erased_at__isnull=True,
    )


def missing_closed_notices(*, now: dt.datetime | None = None, limit: int = 1000) -> list[int]:
    """Sent offers withdrawn because they were no longer needed (filled, cancelled) whose
    "already taken" notice never went out."""
    now = now or timezone.now()
    return list(
        _volunteers_to_tell(now)
        .filter(Offer.NO_LONGER_NEEDED, sent_at__isnull=False)
        .exclude(
            # Since it was withdrawn: an offer asked again may have had a notice before.
            Exists(
                Notice.objects.filter(
                    offer=OuterRef("pk"),
                    kind=Notice.Kind.CLOSED,
                    created_at__gte=OuterRef("responded_at"),
                )
            )
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def missing_release_cancellations(
    *, now: dt.datetime | None = None, limit: int = 1000
) -> list[int]:
    """Places given back whose calendar cancellation to the volunteer never went out."""
    now = now or timezone.now()
    return list(
        _volunteers_to_tell(now)
        .filter(released_at__isnull=False)
        .exclude(_offer_notice(Notice.Kind.CALENDAR_CANCEL))
        # One that could not be delivered was reported to the office instead.
        .exclude(
            Exists(
                Notice.objects.filter(
                    offer=OuterRef("pk"), key__startswith="undeliverable:cancellation:"
                )
            )
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
