"""The SMS outbox: each SMS is a row first, and is sent from the row once.

The protocol is the emails' (`workers.sending`): the row is written in the transaction that
decides the SMS is due (an offer going out, an accept, a reply that needs an answer), and the
worker sends it after commit. `send` marks the try in a commit of its own (the sweep leaves a
row whose retries are under way alone), then, in one transaction, locks the row, checks that it
is still queued and still wanted, composes the text (minting the offer's link only now: no raw
link is ever stored), hands it to the provider and records `sent` with the provider's id. A
TemporaryFailure rolls all of it back for the task to retry; the only duplicate left possible is
an SMS the provider took while the commit after it failed. After the last retry, or at once for
a PermanentFailure, `give_up` records it `failed`, and, for an offer that went by SMS alone, the
offer is "not delivered" and the office is told, as for email.

`status` applies the provider's delivery reports: sent → delivered, or → failed.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone, translation

from requests import offers
from requests.models import Offer, Request
from volunteers.models import Volunteer
from workers.models import SmsMessage
from workers.sms import base, channels, segments, texts

logger = logging.getLogger(__name__)

# The offer link in an SMS: 16 random bytes, 128 bits, 22 characters.
LINK_BYTES = 16
FINAL = {SmsMessage.State.DELIVERED, SmsMessage.State.FAILED, SmsMessage.State.DROPPED}


def _enqueue_after_commit(sms_id: int) -> None:
    from workers import tasks  # tasks import this module

    transaction.on_commit(lambda: tasks.send_sms.delay(sms_id), robust=True)


def queue(
    *,
    key: str,
    kind: str,
    volunteer: Volunteer,
    offer: Offer | None = None,
    body: str = "",
    code: str = "",
    answering: bool = False,
    now: dt.datetime | None = None,
) -> SmsMessage:
    """Write the SMS's row in the current transaction (once per `key`) and send it after
    commit, or when the quiet hours end. `answering`: it answers the person's own SMS."""
    now = now or timezone.now()
    request = offer.request if offer is not None else None
    if not answering and kind != SmsMessage.Kind.OFFER:
        answering = _in_conversation(volunteer, now)
    held = channels.held_until(volunteer=volunteer, request=request, answering=answering, now=now)
    sms, created = SmsMessage.objects.get_or_create(
        key=key,
        defaults={
            "kind": kind,
            "volunteer": volunteer,
            "offer": offer,
            "office_id": request.office_id if request is not None else None,
            "to": str(volunteer.phone),
            "body": body,
            "code": code,
            "not_before": held,
        },
    )
    if created and held is None:
        _enqueue_after_commit(sms.pk)
    return sms


def _in_conversation(volunteer: Volunteer, now: dt.datetime) -> bool:
    return volunteer.sms_replies.filter(received_at__gte=now - channels.CONVERSATION).exists()


def new_code(volunteer: Volunteer) -> str:
    """A four-digit reply code, not one of the person's offers' codes of the last months."""
    used = set(
        SmsMessage.objects.filter(
            volunteer=volunteer,
            kind=SmsMessage.Kind.OFFER,
            created_at__gte=timezone.now() - dt.timedelta(days=180),
        ).values_list("code", flat=True)
    )
    for _try in range(50):
        code = f"{secrets.randbelow(9000) + 1000}"
        if code not in used:
            return code
    return f"{secrets.randbelow(9000) + 1000}"  # 9,000 codes in half a year: repeats are fine


def code_of(offer: Offer) -> str:
    """The reply code of the offer's latest offer SMS ("" if it went by email only)."""
    found = (
        SmsMessage.objects.filter(offer=offer, kind=SmsMessage.Kind.OFFER)
        .order_by("-created_at", "-pk")
        .values_list("code", flat=True)
        .first()
    )
    return found or ""


def queue_offer(*, offer: Offer, now: dt.datetime | None = None) -> SmsMessage:
    """The offer's SMS; the caller holds the offer's row lock. An offer SMS still queued for
    this round (a redelivered `send_offer`) is enqueued again, not written twice."""
    pending = (
        SmsMessage.objects.filter(
            offer=offer, kind=SmsMessage.Kind.OFFER, state=SmsMessage.State.QUEUED
        )
        .order_by("pk")
        .first()
    )
    if pending is not None:
        if pending.not_before is None:
            _enqueue_after_commit(pending.pk)
        return pending
    rounds = SmsMessage.objects.filter(offer=offer, kind=SmsMessage.Kind.OFFER).count()
    return queue(
        key=f"offer:{offer.pk}:{rounds + 1}",
        kind=SmsMessage.Kind.OFFER,
        volunteer=offer.volunteer,
        offer=offer,
        code=new_code(offer.volunteer),
        now=now,
    )


def queue_about_offer(*, kind: str, key: str, offer: Offer, now: dt.datetime | None = None) -> None:
    """A notice about an offer (confirmation, closed, cancellation, reminder) by SMS."""
    queue(
        key=f"{key}:sms",
        kind=kind,
        volunteer=offer.volunteer,
        offer=offer,
        code=code_of(offer),
        now=now,
    )


# --- Sending ---------------------------------------------------------------------------------


def _locked(sms_id: int) -> SmsMessage | None:
    return (
        SmsMessage.objects.select_for_update(of=("self",))
        .select_related("volunteer")
        .filter(pk=sms_id)
        .first()
    )


def _locked_offer(offer_id: int) -> Offer:
    return (
        Offer.objects.select_for_update(of=("self",))
        .select_related("request__office", "request__skill", "volunteer")
        .get(pk=offer_id)
    )


def _link(offer: Offer) -> str:
    """The raw link for the SMS: the offer's own if it has none yet (SMS alone), else a further
    one, so the link in the email keeps working."""
    if offer.token_digest is None:
        return offers.issue_link(offer=offer, nbytes=LINK_BYTES)
    return offers.add_link(offer=offer, nbytes=LINK_BYTES)


def _compose(sms: SmsMessage, now: dt.datetime) -> tuple[str | None, Callable[[], None]]:
    """The text of `sms`, or None if it is no longer wanted; and what to record once sent."""
    if sms.kind in SmsMessage.ANSWERS or sms.offer_id is None:
        return sms.body, lambda: None
    offer = _locked_offer(sms.offer_id)
    request = offer.request
    if sms.kind == SmsMessage.Kind.OFFER:
        if offer.status not in Offer.OPEN or request.status not in Request.TAKES_OFFERS:
            return None, lambda: None
        if request.starts_at <= now:
            return None, lambda: None
        body = texts.offer(request=request, code=sms.code, raw_token=_link(offer))

        def mark_sent() -> None:
            if offer.status == Offer.Status.QUEUED:
                offer.status, offer.sent_at = Offer.Status.SENT, now
                offer.save(update_fields=["status", "sent_at"])

        return body, mark_sent
    if request.starts_at <= now:
        return None, lambda: None
    if sms.kind == SmsMessage.Kind.CONFIRMATION:
        if offer.status != Offer.Status.ACCEPTED:
            return None, lambda: None
        return texts.confirmation(
            request=request, code=sms.code, raw_token=_link(offer)
        ), lambda: None
    if sms.kind == SmsMessage.Kind.CLOSED:
        return texts.closed(request=request, code=sms.code), lambda: None
    if sms.kind == SmsMessage.Kind.CALENDAR_CANCEL:
        released = offer.released_at is not None
        return texts.calendar_cancel(request=request, code=sms.code, released=released), (
            lambda: None
        )
    if sms.kind == SmsMessage.Kind.REMINDER:
        if offer.status != Offer.Status.ACCEPTED:
            return None, lambda: None
        return texts.reminder(request=request, code=sms.code, raw_token=_link(offer)), (
            lambda: None
        )
    raise ValueError(f"unknown SMS kind {sms.kind!r}")


def send(*, sms_id: int, now: dt.datetime | None = None) -> str:
    """Send one queued SMS; returns the outcome for the log. Raises base.TemporaryFailure
    (rolled back, for the task to retry) and base.PermanentFailure (for `give_up`)."""
    now = now or timezone.now()
    SmsMessage.objects.filter(pk=sms_id, state=SmsMessage.State.QUEUED).update(attempted_at=now)
    with transaction.atomic():
        sms = _locked(sms_id)
        if sms is None:
            return "skipped: no such SMS"
        if sms.state != SmsMessage.State.QUEUED:
            return f"skipped: {sms.state}"
        if sms.not_before is not None and sms.not_before > now:
            return "skipped: held"
        volunteer = sms.volunteer
        # Erased, the number changed, or (for anything but an answer) SMS stopped meanwhile.
        gone = volunteer.erased_at is not None or str(volunteer.phone or "") != sms.to
        stopped = sms.kind not in SmsMessage.ANSWERS and not volunteer.sms_ready
        if gone or stopped:
            _drop(sms, now, "the person can no longer get this SMS")
            return "dropped: recipient"
        if sms.kind not in SmsMessage.ANSWERS and sms.offer_id is not None:
            request = Request.objects.only("starts_at").get(pk=sms.offer.request_id)
            held = channels.held_until(
                volunteer=volunteer,
                request=request,
                answering=_in_conversation(volunteer, sms.created_at),
                now=now,
            )
            if held is not None:  # retries carried it into the quiet hours
                sms.not_before = held
                sms.save(update_fields=["not_before"])
                return "held"
        with translation.override(volunteer.email_language):
            body, after_sending = _compose(sms, now)
        if body is None:
            _drop(sms, now, "no longer needed")
            return "dropped: no longer needed"
        adapter = base.provider()
        accepted = adapter.send(to=sms.to, body=body, status_url=base.status_url(adapter))
        sms.state, sms.sent_at, sms.state_at = SmsMessage.State.SENT, now, now
        sms.provider, sms.provider_id = adapter.name, accepted.provider_id[:100]
        sms.segments = accepted.segments or segments.count(body).segments
        sms.save(
            update_fields=["state", "sent_at", "state_at", "provider", "provider_id", "segments"]
        )
        after_sending()
    return "sent"


def _drop(sms: SmsMessage, now: dt.datetime, why: str) -> None:
    sms.state, sms.state_at, sms.error = SmsMessage.State.DROPPED, now, why[:200]
    sms.save(update_fields=["state", "state_at", "error"])


def give_up(*, sms_id: int, error: str, now: dt.datetime | None = None) -> None:
    """No more tries: the SMS is `failed`; see `undelivered` for who is told."""
    now = now or timezone.now()
    failed = SmsMessage.objects.filter(pk=sms_id, state=SmsMessage.State.QUEUED).update(
        state=SmsMessage.State.FAILED, state_at=now, error=error[:200]
    )
    if failed:
        undelivered(sms_id=sms_id, now=now)


WHAT = {
    SmsMessage.Kind.OFFER: "sms offer",
    SmsMessage.Kind.CONFIRMATION: "sms confirmation",
    SmsMessage.Kind.REMINDER: "sms reminder",
    SmsMessage.Kind.CALENDAR_CANCEL: "sms cancellation",
}


def undelivered(*, sms_id: int, now: dt.datetime) -> None:
    """An SMS failed for good. If it carried an offer that reached the person no other way
    (SMS alone, not answered), the offer is "not delivered" and the office is told (through
    `offers.fail`); a confirmation, reminder or cancellation that went by SMS alone is told to
    the office too. A courtesy ("already taken") or an answer is only recorded."""
    from workers import tasks
    from workers.models import Notice

    sms = SmsMessage.objects.select_related("volunteer").get(pk=sms_id)
    if sms.offer_id is None or sms.kind not in WHAT:
        return
    by_sms_alone = sms.volunteer.offer_channel == Volunteer.OfferChannel.SMS
    if sms.kind == SmsMessage.Kind.OFFER:
        offers.fail(offer_id=sms.offer_id, now=now, after_sending=by_sms_alone)
        return
    if by_sms_alone:
        offer_id, what = sms.offer_id, WHAT[sms.kind]
        transaction.on_commit(
            lambda: tasks.send_office_notice.delay(
                Notice.Kind.UNDELIVERABLE, offer_id=offer_id, what=what
            ),
            robust=True,
        )


def status(update: base.StatusUpdate, *, now: dt.datetime | None = None) -> None:
    """A provider's delivery report: the state moves on (never back from a final one)."""
    now = now or timezone.now()
    with transaction.atomic():
        sms = (
            SmsMessage.objects.select_for_update()
            .filter(provider=update.provider, provider_id=update.provider_id)
            .order_by("pk")
            .first()
        )
        if sms is None or sms.state in FINAL or update.state in {"queued", sms.state}:
            return
        if update.state == "sent" and sms.state != SmsMessage.State.QUEUED:
            return
        sms.state, sms.state_at = update.state, now
        sms.error = update.error[:200]
        sms.save(update_fields=["state", "state_at", "error"])
        if update.state == SmsMessage.State.FAILED:
            undelivered(sms_id=sms.pk, now=now)
