"""Offer the next wave: rank, ask the next few candidates, wait, ask the next, or tell the office.

The use case behind automatic offers; `matching.waves` holds its pure policy (how many to ask,
how long to wait). `offer_next_wave(request_id=..., wave=n)` plans wave `n` under the request's
row lock: it ranks (`matching.rank`, which leaves out everyone asked before), sizes the wave
(`plan_wave`), queues one offer per candidate (`requests.offers.create_wave`, which announces
each for sending after commit) and stores when the next wave is due (`wave_timeout`). With
nobody left to ask the request is marked unfilled, and the office is told (`request_unfilled`).

The wave number makes every trigger idempotent: the request's creation, staff's "send offers
now", beat finding a wave due, a last decline or a drop-out may all ask for wave n at once, or a
broker may deliver one twice; the first plans it, the others find `waves_sent == n` and stop.
Waiting lives in the database (`Request.next_wave_at`), never in a broker countdown.

Matching decides; the workers deliver and schedule. Nothing here sends or enqueues: the offers
go out through the events `requests.offers` publishes, `after_decline` and `after_release` say
what should follow for the workers to enqueue, and whether a wave reaches everyone by SMS at
once (which shortens its wait) is the delivery's to say (`reached_at_once`).
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

import matching
from matching.waves import is_urgent, plan_wave, wave_ceiling, wave_timeout
from requests import lifecycle, offers
from requests.models import Offer, Request

logger = logging.getLogger(__name__)

# Whether every offer of a wave reaches its person by SMS at once (request, their volunteer
# ids, now): answers then come within minutes, and the wave waits less. The workers know the
# channels and the quiet hours (`workers.sms.channels.all_by_sms_now`).
ReachedAtOnce = Callable[[Request, Sequence[int], dt.datetime], bool]


class CannotOffer(Exception):
    """The request itself rules out every volunteer; `reason` says why, for the office."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def offer_next_wave(
    *,
    request_id: int,
    wave: int,
    now: dt.datetime | None = None,
    reached_at_once: ReachedAtOnce | None = None,
) -> str:
    """Plan and queue wave `wave` of the request; returns the outcome for the log.

    Whatever goes wrong while planning (the request rules everyone out, or a bug) rolls the
    wave back and leaves its reason on the request, and the office is told
    (`lifecycle.record_offer_problem`): a request never waits silently. The sweep tries again.
    Without `reached_at_once`, every wave waits as long as email needs.
    """
    now = now or timezone.now()
    try:
        return _plan(request_id=request_id, wave=wave, now=now, reached_at_once=reached_at_once)
    except CannotOffer as exc:
        reason = exc.reason
    except Exception as exc:
        logger.exception("planning wave %s of request %s failed", wave, request_id)
        with translation.override(settings.LANGUAGE_CODE):
            reason = _("an internal error (%(error)s); it has been logged.") % {
                "error": type(exc).__name__
            }
    lifecycle.record_offer_problem(request_id=request_id, problem=reason, now=now)
    return f"failed: {reason}"


def _unmatchable_reason(request: Request, *, now: dt.datetime) -> str | None:
    """Why nobody at all can be asked for `request`, in words for the office, or None."""
    from matching import eligibility  # NumPy: loaded when a wave is first planned, not at start

    found = eligibility.unmatchable(eligibility.appointment_of(request), now=now)
    with translation.override(settings.LANGUAGE_CODE):
        if found == eligibility.CROSSES_MIDNIGHT:
            return _("the appointment crosses midnight; split it into two requests.")
        if found == eligibility.NO_PLACE:
            return _("the postcode %(code)s has no known place; correct it.") % {
                "code": request.postcode
            }
    return None


def _plan(
    *, request_id: int, wave: int, now: dt.datetime, reached_at_once: ReachedAtOnce | None
) -> str:
    with transaction.atomic():
        request = (
            Request.objects.select_for_update(of=("self",))
            .select_related("office", "skill")
            .filter(pk=request_id)
            .first()
        )
        if request is None:
            return "skipped: no such request"
        if request.waves_sent >= wave:
            return "skipped: planned already"
        if request.waves_sent != wave - 1:
            return f"skipped: wave {request.waves_sent + 1} comes first"
        if request.status not in Request.TAKES_OFFERS:
            return f"skipped: {request.status}"
        if request.starts_at <= now:
            return "skipped: appointment started"
        needed = request.places_free
        if not needed:
            return "skipped: no place free"
        reason = _unmatchable_reason(request, now=now)
        if reason is not None:
            raise CannotOffer(reason)
        # Only the best few can be in the wave: ranking them alone spares everyone else's
        # reasons while the request's row is locked.
        urgent = is_urgent(now=now, starts_at=request.starts_at)
        ranked = matching.rank(request, limit=wave_ceiling(needed=needed, urgent=urgent), now=now)
        planned = plan_wave(ranked, needed=needed, urgent=urgent)
        if wave == 1:
            _record_found(request, now=now)
        if not planned:
            if lifecycle.mark_unfilled(request=request, now=now):
                return "unfilled: nobody left to ask"
            # Given up already (a drop-out made a wave due): still nobody, so no wave stays
            # due, or beat would plan it again every minute until the appointment.
            Request.objects.filter(pk=request.pk).update(next_wave_at=None, updated_at=now)
            request.next_wave_at = None
            return "skipped: nobody left to ask"
        by_sms = reached_at_once is not None and reached_at_once(
            request, [candidate.volunteer_id for candidate in planned], now
        )
        created = offers.create_wave(
            request=request,
            wave=wave,
            candidates=planned,
            next_wave_at=now + wave_timeout(now=now, starts_at=request.starts_at, by_sms=by_sms),
            now=now,
        )
        lifecycle.clear_offer_problem(request=request)
    return f"queued {len(created)}"


def _record_found(request: Request, *, now: dt.datetime) -> None:
    # The statistics' unmet demand: what the first wave could choose from, per tier.
    from matching.ranking import tier_counts  # NumPy, as above

    found = tier_counts(request, now=now)
    request.record_found(
        exact=found.exact, outside_times=found.outside_times, beyond_limit=found.beyond_limit
    )


def next_wave(request_id: int) -> int | None:
    """The number of the request's next wave, or None if the request is gone."""
    sent = Request.objects.filter(pk=request_id).values_list("waves_sent", flat=True).first()
    return None if sent is None else sent + 1


def due_waves(*, now: dt.datetime | None = None, limit: int = 500) -> list[tuple[int, int]]:
    """(request id, wave number) of the waves whose time has come, soonest appointment first."""
    now = now or timezone.now()
    return [
        (pk, sent + 1)
        for pk, sent in Request.objects.taking_offers(now=now)
        .filter(next_wave_at__lte=now)
        .order_by("starts_at", "pk")
        .values_list("pk", "waves_sent")[:limit]
    ]


class Next(enum.Enum):
    """What follows a decline."""

    WAIT = "waiting"  # offers are still open, or the request is filled, closed or begun
    WAVE = "wave"  # waves are running: the next one goes out now
    ALL_DECLINED = "all declined"  # offers made by hand: the office hears that all said no


@dataclass(frozen=True)
class AfterDecline:
    """The decision `after_decline` hands to the workers: `wave` is set for `Next.WAVE`."""

    next: Next
    request_id: int | None = None
    wave: int | None = None

    def __str__(self) -> str:
        """For the log line: "wave 3", "all declined" or "waiting"."""
        return f"wave {self.wave}" if self.next is Next.WAVE else self.next.value


def after_decline(*, offer_id: int, now: dt.datetime | None = None) -> AfterDecline:
    """A decline may have been the last open offer: then the next wave goes out now (when waves
    are running) or the office hears that everyone asked declined (offers made by hand).

    "Everyone declined" is `RequestQuerySet.out_of_answers` without a wave due; the sweep that
    finds such an alert lost (`workers.upkeep.office_alerts_due`) asks the same.
    """
    now = now or timezone.now()
    request_id = Offer.objects.filter(pk=offer_id).values_list("request_id", flat=True).first()
    if request_id is None:
        return AfterDecline(Next.WAIT)
    request = (
        Request.objects.out_of_answers(now=now)
        .filter(pk=request_id)
        .values("waves_sent", "next_wave_at")
        .first()
    )
    if request is None:
        return AfterDecline(Next.WAIT, request_id)
    if request["next_wave_at"] is not None:
        return AfterDecline(Next.WAVE, request_id, wave=request["waves_sent"] + 1)
    return AfterDecline(Next.ALL_DECLINED, request_id)


def after_release(*, offer_id: int, now: dt.datetime | None = None) -> int | None:
    """A volunteer dropped out: the wave to ask for a replacement now, or None.

    `offers.release` decides and writes the due time into the request (only for requests that
    offer automatically, or whose waves staff started; for the others the office, which is
    told, decides); this reads it, as beat does, only sooner.
    """
    now = now or timezone.now()
    offer = Offer.objects.select_related("request").filter(pk=offer_id).first()
    if offer is None:
        return None
    request = offer.request
    if not request.takes_offers(now=now):
        return None
    if request.next_wave_at is None or request.next_wave_at > now:
        return None
    return request.waves_sent + 1
