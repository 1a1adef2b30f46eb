"""Offers: one request offered to one volunteer, and the volunteer's answer.

The rule that must never break lives in `accept`: a request never gets more volunteers than it
needs. Accepting is one transaction that takes its locks in a fixed order (the volunteer's row,
then the request's row through a conditional UPDATE), so parallel clicks queue instead of
deadlocking, and `accepted_count <= volunteers_needed` is also a CHECK constraint.

Links: an offer's token is random, stored as a SHA-256 digest on the offer, and expires when the
appointment starts. `resolve` never changes anything (mail scanners open links).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from typing import Protocol

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from requests import events, lifecycle
from requests.errors import OfferError
from requests.models import Offer, OfferLink, Request
from volunteers import audit, tokens
from volunteers.models import Volunteer


def issue_link(*, offer: Offer, nbytes: int = 32) -> str:
    """A new raw link token for `offer` (replacing any earlier one); only its digest is kept.

    Called by the sender while it holds the offer's row lock. The link works until the
    appointment starts. `nbytes` random bytes (at least 16: 128 bits; an SMS takes 16).
    """
    assert nbytes >= 16, "a link must carry at least 128 random bits"  # noqa: S101
    raw = secrets.token_urlsafe(nbytes)
    offer.token_digest = tokens.digest(raw)
    offer.token_expires_at = offer.request.starts_at
    offer.save(update_fields=["token_digest", "token_expires_at"])
    return raw


def add_link(*, offer: Offer, nbytes: int = 32) -> str:
    """A further raw link token for `offer`'s page; the links already given keep working.

    For the pages a volunteer returns to after accepting (the confirmation, the profile), and
    the SMS beside an offer email: replacing the link would break the page they may have open.
    """
    assert nbytes >= 16, "a link must carry at least 128 random bits"  # noqa: S101
    if offer.token_expires_at is None:  # the page expires with the appointment, however reached
        offer.token_expires_at = offer.request.starts_at
        offer.save(update_fields=["token_expires_at"])
    raw = secrets.token_urlsafe(nbytes)
    OfferLink.objects.create(offer=offer, digest=tokens.digest(raw))
    return raw


def resolve(raw: str) -> Offer:
    """The offer behind a link, whatever its state; OfferError("unknown") for a bad link."""
    if not raw or len(raw) > 100:
        raise OfferError("unknown", _("This link is not valid."))
    digest = tokens.digest(raw)
    offers = Offer.objects.select_related(
        "request__office", "request__skill", "request__kind", "volunteer"
    )
    offer = (
        offers.filter(token_digest=digest).first() or offers.filter(links__digest=digest).first()
    )
    if offer is None:
        raise OfferError("unknown", _("This link is not valid."))
    if offer.volunteer.erased_at is not None:  # an erased person's links open nothing
        raise OfferError("unknown", _("This link is not valid."))
    return offer


def state(*, offer: Offer, now: dt.datetime | None = None) -> str:
    """What the volunteer's page should say: "open" (the two buttons) or why not."""
    now = now or timezone.now()
    request = offer.request
    if request.status == Request.Status.CANCELLED:
        return "cancelled"
    if offer.status == Offer.Status.ACCEPTED:
        return "accepted"
    if offer.status == Offer.Status.DECLINED:
        return "declined"
    if offer.status == Offer.Status.EXPIRED or (
        offer.token_expires_at is not None and offer.token_expires_at <= now
    ):
        return "expired"
    if request.status in {Request.Status.FILLED, Request.Status.COMPLETED}:
        return "filled"
    if offer.status == Offer.Status.WITHDRAWN:
        return "withdrawn" if request.places_free else "filled"
    if request.status not in Request.TAKES_OFFERS:
        return "withdrawn"
    return "open"


def overlapping_accepted(*, volunteer_id: int, request: Request) -> Offer | None:
    """An accepted offer of the volunteer whose appointment overlaps `request`'s."""
    return (
        Offer.objects.filter(
            volunteer_id=volunteer_id,
            status=Offer.Status.ACCEPTED,
            request__starts_at__lt=request.ends_at,
            request__ends_at__gt=request.starts_at,
        )
        .exclude(request_id=request.pk)
        .exclude(request__status=Request.Status.CANCELLED)
        .select_related("request")
        .order_by("request__starts_at")
        .first()
    )


def _record(event: str, offer: Offer, office_id: int, *, at: dt.datetime) -> None:
    """The volunteer's answer in the audit trail, with the channel it came through."""
    audit.record(
        kind=audit.Kind.VOLUNTEER,
        event=event,
        volunteer_id=offer.volunteer_id,
        request_id=offer.request_id,
        office_id=office_id,
        actor=None,
        at=at,
    )


def accept(*, offer: Offer, now: dt.datetime | None = None) -> Offer:
    """The volunteer takes a place. Raises OfferError saying why not (e.g. "filled").

    Exactly `volunteers_needed` accepts can succeed, however many arrive at once: the place is
    taken by `UPDATE request SET accepted_count = accepted_count + 1 WHERE accepted_count <
    volunteers_needed`, which PostgreSQL serialises on the request's row and re-checks after
    each concurrent writer commits.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # Lock order: volunteer, then request. Two accepts by one person for overlapping
        # appointments queue here, so the overlap check below sees the other's outcome.
        list(Volunteer.objects.select_for_update().filter(pk=offer.volunteer_id).values("pk"))
        current = Offer.objects.select_related("request").get(pk=offer.pk)
        page = state(offer=current, now=now)
        if page != "open":
            raise OfferError(page, _refusal(page))
        if current.status != Offer.Status.SENT:
            raise OfferError("withdrawn", _refusal("withdrawn"))
        request = current.request
        clash = overlapping_accepted(volunteer_id=current.volunteer_id, request=request)
        if clash is not None:
            raise OfferError(
                "overlap",
                _("You have already accepted an appointment at that time (%(when)s).")
                % {"when": timezone.localtime(clash.request.starts_at).strftime("%d.%m. %H:%M")},
            )
        took_place = audit.update(
            Request.objects.filter(
                pk=request.pk,
                accepted_count__lt=F("volunteers_needed"),
                status__in=Request.TAKES_OFFERS,
            ),
            accepted_count=F("accepted_count") + 1,
            updated_at=now,
        )
        if not took_place:
            raise OfferError("filled", _refusal("filled"))
        answered = audit.update(
            Offer.objects.filter(pk=current.pk, status=Offer.Status.SENT),
            status=Offer.Status.ACCEPTED,
            responded_at=now,
        )
        if not answered:
            # Withdrawn between our read and now; raising rolls the place back.
            raise OfferError("withdrawn", _refusal("withdrawn"))
        request.refresh_from_db(fields=["accepted_count", "volunteers_needed", "status"])
        _record(audit.Event.OFFER_ACCEPTED, current, request.office_id, at=now)
        events.publish("offer_accepted", offer_id=current.pk)
        if not request.places_free:
            lifecycle.mark_filled(request=request, now=now)
        elif request.status != Request.Status.OFFERING:
            lifecycle.transition(request=request, to=Request.Status.OFFERING, closed_at=None)
    current.status, current.responded_at = Offer.Status.ACCEPTED, now
    return current


def decline(*, offer: Offer, reason: str = "", now: dt.datetime | None = None) -> Offer:
    """The volunteer says no, optionally with a reason. Only an open offer can be declined.

    "Not my usual time" marks the offer as made outside their times, whatever their stated
    times said: how they answer such offers is part of what ranking learns about them.
    """
    now = now or timezone.now()
    if reason and reason not in Offer.DeclineReason.values:
        reason = Offer.DeclineReason.OTHER
    with transaction.atomic():
        current = Offer.objects.select_related("request").get(pk=offer.pk)
        page = state(offer=current, now=now)
        if page != "open":
            raise OfferError(page, _refusal(page))
        outside = current.outside_times or reason == Offer.DeclineReason.NOT_USUAL_TIME
        answered = audit.update(
            Offer.objects.filter(pk=current.pk, status__in=Offer.OPEN),
            status=Offer.Status.DECLINED,
            responded_at=now,
            decline_reason=reason,
            outside_times=outside,
        )
        if not answered:
            raise OfferError("withdrawn", _refusal("withdrawn"))
        _record(audit.Event.OFFER_DECLINED, current, current.request.office_id, at=now)
        events.publish("offer_declined", offer_id=current.pk)
    current.status, current.responded_at, current.decline_reason = (
        Offer.Status.DECLINED,
        now,
        reason,
    )
    return current


RELEASE_REASON_MAX = 300


def release(*, offer: Offer, reason: str = "", now: dt.datetime | None = None) -> bool:
    """An accepted volunteer drops out: the place is free again and the office is told,
    with the volunteer's reason if they gave one.

    Returns False if the offer was not accepted (nothing to release).
    """
    now = now or timezone.now()
    reason = " ".join(reason.split())[:RELEASE_REASON_MAX]
    with transaction.atomic():
        request = Request.objects.select_for_update().get(pk=offer.request_id)
        released = audit.update(
            Offer.objects.filter(pk=offer.pk, status=Offer.Status.ACCEPTED),
            status=Offer.Status.WITHDRAWN,
            responded_at=now,
            released_at=now,
            release_reason=reason,
        )
        if not released:
            return False
        replace = (
            request.status != Request.Status.CANCELLED
            and request.starts_at > now
            and (request.auto_offer or request.waves_sent > 0)
        )
        audit.update(
            Request.objects.filter(pk=request.pk),
            accepted_count=F("accepted_count") - 1,
            updated_at=now,
            # A request that offers by itself asks for a replacement now: kept in the row, so
            # that beat starts the wave even if the task that would have is lost.
            **({"next_wave_at": now} if replace else {}),
        )
        _record(audit.Event.OFFER_RELEASED, offer, request.office_id, at=now)
        if request.status == Request.Status.FILLED:
            lifecycle.transition(request=request, to=Request.Status.OFFERING, filled_at=None)
        if request.status != Request.Status.CANCELLED:  # nobody to tell about a cancelled task
            events.publish("offer_released", offer_id=offer.pk)
    return True


def offer_by_hand(
    *, request: Request, volunteer: Volunteer, now: dt.datetime | None = None
) -> Offer:
    """Staff ask one person directly (wave 0). The workers send it after commit."""
    now = now or timezone.now()
    if volunteer.erased_at is not None or volunteer.status != Volunteer.Status.ACTIVE:
        raise OfferError("not_active", _("This volunteer is not active and cannot be asked."))
    try:
        with transaction.atomic():
            locked = Request.objects.select_for_update().get(pk=request.pk)
            if locked.status not in Request.TAKES_OFFERS:
                raise OfferError("closed", _("This request takes no more offers."))
            if locked.starts_at <= now:
                raise OfferError("expired", _("The appointment has already started."))
            reopened = _reopen(request=locked, wave=0, ranked={volunteer.pk: None})
            offer = (
                reopened[0]
                if reopened
                else Offer.objects.create(request=locked, volunteer=volunteer, wave=0)
            )
            if locked.status != Request.Status.OFFERING:
                lifecycle.transition(request=locked, to=Request.Status.OFFERING)
            events.publish("offer_created", offer_id=offer.pk)
    except IntegrityError:
        raise OfferError(
            "offered", _("This volunteer has already been asked for this request.")
        ) from None
    return offer


class Candidate(Protocol):
    """What a wave needs of a ranked candidate (`matching.Match` is one)."""

    @property
    def volunteer_id(self) -> int: ...

    @property
    def score(self) -> float: ...

    @property
    def features(self) -> Mapping[str, float]: ...


def asked_outside_times(features: Mapping[str, float]) -> bool:
    """Whether the ranking saw the person outside their stated weekly times (they stated some,
    and none covers the appointment)."""
    return features.get("in_times", 1.0) == 0 and features.get("no_times", 0.0) == 0


def create_wave(
    *,
    request: Request,
    wave: int,
    candidates: Sequence[Candidate],
    next_wave_at: dt.datetime | None,
    now: dt.datetime | None = None,
) -> list[Offer]:
    """Queue one offer per candidate as wave number `wave`; the next wave is due `next_wave_at`.

    The caller holds the request's row lock (`select_for_update`) and has checked that the
    request takes offers and that `wave` is the next one. Each offer keeps the score and the
    features it was ranked on, for the acceptance model to learn from its outcome. The workers
    send each offer after commit (`offer_created`).
    """
    assert transaction.get_connection().in_atomic_block, "create_wave needs the row lock"  # noqa: S101
    assert wave == request.waves_sent + 1, f"wave {wave} after {request.waves_sent}"  # noqa: S101
    now = now or timezone.now()
    reopened = _reopen(
        request=request,
        wave=wave,
        ranked={candidate.volunteer_id: candidate for candidate in candidates},
    )
    asked_again = {offer.volunteer_id for offer in reopened}
    created = reopened + Offer.objects.bulk_create(
        Offer(
            request=request,
            volunteer_id=candidate.volunteer_id,
            wave=wave,
            score=float(candidate.score),
            features={name: float(value) for name, value in candidate.features.items()},
            outside_times=asked_outside_times(candidate.features),
        )
        for candidate in candidates
        if candidate.volunteer_id not in asked_again
    )
    Request.objects.filter(pk=request.pk).update(
        waves_sent=wave, next_wave_at=next_wave_at, updated_at=now
    )
    request.waves_sent, request.next_wave_at = wave, next_wave_at
    if request.status != Request.Status.OFFERING:
        lifecycle.transition(request=request, to=Request.Status.OFFERING, closed_at=None)
    for offer in created:
        events.publish("offer_created", offer_id=offer.pk)
    return created


def _reopen(*, request: Request, wave: int, ranked: Mapping[int, Candidate | None]) -> list[Offer]:
    """Queue again, as wave `wave`, the offers of `ranked` volunteers withdrawn only because the
    place was taken (`Offer.NO_LONGER_NEEDED`): one offer per person and request, so the row is
    reused, with a new link when it is sent. `ranked` maps volunteer ids to their candidate
    (None: asked by hand, no score)."""
    rows = list(
        Offer.objects.select_for_update()
        .filter(Offer.NO_LONGER_NEEDED, request=request, volunteer_id__in=list(ranked))
        .order_by("pk")
    )
    for offer in rows:
        candidate = ranked[offer.volunteer_id]
        offer.status, offer.wave = Offer.Status.QUEUED, wave
        offer.sent_at = offer.responded_at = offer.attempted_at = None
        offer.token_digest = offer.token_expires_at = None
        offer.decline_reason = ""
        if candidate is not None:
            offer.score = float(candidate.score)
            offer.features = {name: float(v) for name, v in candidate.features.items()}
            offer.outside_times = asked_outside_times(candidate.features)
    Offer.objects.bulk_update(
        rows,
        [
            "outside_times",
            "status",
            "wave",
            "sent_at",
            "responded_at",
            "attempted_at",
            "token_digest",
            "token_expires_at",
            "decline_reason",
            "score",
            "features",
        ],
    )
    return rows


def fail(*, offer_id: int, now: dt.datetime | None = None, after_sending: bool = False) -> bool:
    """The offer's email cannot be delivered: a queued offer becomes `failed`, the office is
    told. False if the offer was no longer queued (sent meanwhile, withdrawn, ...).

    `after_sending`: the one message that carried a sent offer failed later (an SMS the network
    could not deliver); the offer fails too if nobody has answered it yet.
    """
    now = now or timezone.now()
    statuses = [Offer.Status.QUEUED, Offer.Status.SENT] if after_sending else [Offer.Status.QUEUED]
    with transaction.atomic():
        failed = audit.update(
            Offer.objects.filter(pk=offer_id, status__in=statuses),
            status=Offer.Status.FAILED,
            responded_at=now,
        )
        if failed:
            events.publish("offer_failed", offer_id=offer_id)
    return bool(failed)


def expire_started(*, now: dt.datetime | None = None) -> int:
    """Offers still open when their appointment starts expire; no wave is due for it any more.

    Returns the number of offers expired. Their links stopped working at the start already
    (`token_expires_at`); this makes the record say so.
    """
    now = now or timezone.now()
    with transaction.atomic():
        expired = audit.update(
            Offer.objects.filter(status__in=Offer.OPEN, request__starts_at__lte=now),
            status=Offer.Status.EXPIRED,
        )
        Request.objects.filter(next_wave_at__isnull=False, starts_at__lte=now).update(
            next_wave_at=None, updated_at=now
        )
    return expired


def release_for_erasure(*, volunteer: Volunteer, at: dt.datetime) -> None:
    """Before a volunteer's data are erased: free their future places, withdraw open offers."""
    future = Offer.objects.filter(
        volunteer=volunteer, status=Offer.Status.ACCEPTED, request__starts_at__gt=at
    ).order_by("pk")
    for offer in future:
        release(offer=offer, now=at)
    audit.update(
        Offer.objects.filter(volunteer=volunteer, status__in=Offer.OPEN),
        status=Offer.Status.WITHDRAWN,
        responded_at=at,
    )


def _refusal(page: str) -> str:
    return {
        "filled": _("Thank you! All places for this appointment are taken already."),
        "cancelled": _("This appointment was cancelled."),
        "expired": _("This offer has expired: the appointment has started."),
        "declined": _("You have declined this offer."),
        "accepted": _("You have accepted this offer already."),
        "withdrawn": _("This offer is no longer open."),
    }.get(page, _("This offer is no longer open."))
