"""Waves of offers: rank, ask the next few candidates, wait, ask the next, or tell the office.

`offer_next_wave(request_id=..., wave=n)` plans wave `n` under the request's row lock: it ranks
(`matching.rank`, which leaves out everyone asked before), sizes the wave (`plan_wave`), queues
one offer per candidate (`requests.offers.create_wave`, which announces each for sending after
commit) and stores when the next wave is due (`wave_timeout`). With nobody left to ask the
request is marked unfilled, and the office is told (`request_unfilled`).

The wave number makes every trigger idempotent: the request's creation, staff's "send offers
now", beat finding a wave due, a last decline or a drop-out may all ask for wave n at once, or a
broker may deliver one twice; the first plans it, the others find `waves_sent == n` and stop.
Waiting lives in the database (`Request.next_wave_at`), never in a broker countdown.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

import matching
from matching.waves import is_urgent, plan_wave, wave_ceiling, wave_timeout
from requests import lifecycle, offers
from requests.models import Offer, Request
from volunteers.models import Volunteer
from workers.sms import channels

logger = logging.getLogger(__name__)

TAKES_OFFERS = {Request.Status.OPEN, Request.Status.OFFERING, Request.Status.UNFILLED}


class CannotOffer(Exception):
    """The request itself rules out every volunteer; `reason` says why, for the office."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def offer_next_wave(*, request_id: int, wave: int, now: dt.datetime | None = None) -> str:
    """Plan and queue wave `wave` of the request; returns the outcome for the log.

    Whatever goes wrong while planning (the request rules everyone out, or a bug) rolls the
    wave back and leaves its reason on the request, and the office is told
    (`lifecycle.record_offer_problem`): a request never waits silently. The sweep tries again.
    """
    now = now or timezone.now()
    try:
        return _plan(request_id=request_id, wave=wave, now=now)
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


def _plan(*, request_id: int, wave: int, now: dt.datetime) -> str:
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
        if request.status not in TAKES_OFFERS:
            return f"skipped: {request.status}"
        if request.starts_at <= now:
            return "skipped: appointment started"
        needed = request.volunteers_needed - request.accepted_count
        if needed <= 0:
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
            return "skipped: nobody left to ask"
        created = offers.create_wave(
            request=request,
            wave=wave,
            candidates=planned,
            next_wave_at=now
            + wave_timeout(
                now=now,
                starts_at=request.starts_at,
                by_sms=_all_by_sms_now(request, planned, now=now),
            ),
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
        for pk, sent in Request.objects.filter(
            next_wave_at__lte=now, status__in=TAKES_OFFERS, starts_at__gt=now
        )
        .order_by("starts_at", "pk")
        .values_list("pk", "waves_sent")[:limit]
    ]


def after_decline(*, offer_id: int, now: dt.datetime | None = None) -> str:
    """A decline may have been the last open offer: then the next wave goes out now (when waves
    are running) or the office hears that everyone asked declined (offers made by hand).

    Returns "wave <n>", "all declined" or "waiting" (offers are still open, or the request is
    filled or closed); the caller plans the wave or sends the alert.
    """
    now = now or timezone.now()
    offer = Offer.objects.select_related("request").filter(pk=offer_id).first()
    if offer is None:
        return "waiting"
    request = offer.request
    if request.status not in TAKES_OFFERS or request.starts_at <= now:
        return "waiting"
    if request.accepted_count >= request.volunteers_needed:
        return "waiting"
    if request.offers.filter(status__in=Offer.OPEN).exists():
        return "waiting"
    if request.next_wave_at is not None:
        return f"wave {request.waves_sent + 1}"
    return "all declined"


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
    if request.status not in TAKES_OFFERS or request.starts_at <= now:
        return None
    if request.next_wave_at is None or request.next_wave_at > now:
        return None
    return request.waves_sent + 1


def _all_by_sms_now(request: Request, planned: list, *, now: dt.datetime) -> bool:
    """Every offer of the wave reaches its person by SMS at once (chosen, confirmed, and not
    held back by the quiet hours): answers then come within minutes, and the wave waits less."""
    people = list(Volunteer.objects.filter(pk__in=[c.volunteer_id for c in planned]))
    return bool(people) and all(
        person.sms_ready
        and channels.held_until(volunteer=person, request=request, answering=False, now=now) is None
        for person in people
    )
