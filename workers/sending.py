"""Sending each email once: the durable record is a database row, the email follows it.

The protocol makes a redelivered task harmless. In one transaction: lock or claim the row that
records the email, check that it is still wanted, send, record that it went out. If SMTP fails,
the transaction rolls back (nothing recorded, no link stored) and the task retries; the only
duplicate left possible is an email that went out while the commit after it failed.

- Offers: the Offer row, locked; sent only while `queued`, then `sent`.
- Confirmations: the Offer row, locked; sent while `confirmation_sent_at` is empty.
- Check-ins and their reminder: the Outcome row, locked; `sent_at`, then `reminded_at`.
- Every other email: a `Notice` row claimed under a unique key (`workers.models`).

Each message to a volunteer goes by their channel (`Volunteer.message_channels`): by SMS, the
same function writes the SMS's row into the outbox (`workers.sms.outbox`) under the same lock or
claim, and the SMS is sent from there; by email alone, nothing changes. An offer by SMS alone
stays `queued` until the provider took its SMS.

Each `send_*` function takes the SMTP connection to use (one per batch, see `workers.tasks`)
and returns its outcome for the log: "sent", "skipped: <why>", or "failed" when the server
refused this message for good (a 5xx for the recipient or the message). Temporary failures
(4xx, connection trouble) raise, for the task to retry; `give_up_*` ends a message's retries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, transaction
from django.utils import timezone

from requests import offers, outcomes
from requests.models import Offer, Outcome, Request
from workers import emails, smtp
from workers.models import Notice, SmsMessage
from workers.sms import outbox

Connection = BaseEmailBackend


def _locked_offer(offer_id: int) -> Offer | None:
    """The offer with its row lock (inside a transaction), or None if it is gone."""
    try:
        return (
            Offer.objects.select_for_update(of=("self",))
            .select_related("request__office", "request__skill", "volunteer")
            .get(pk=offer_id)
        )
    except Offer.DoesNotExist:
        return None


def _send(message: EmailMessage, connection: Connection | None) -> None:
    message.connection = connection
    message.send()


def _permanent(exc: BaseException) -> bool:
    return isinstance(exc, smtp.MAIL_ERRORS) and not smtp.is_temporary(exc)


# --- Offers ---------------------------------------------------------------------------------


def send_offer(*, offer_id: int, connection: Connection | None = None) -> str:
    """Send one queued offer with a new link, and mark it `sent`."""
    # Committed on its own, before the try: the sweeper leaves an offer whose retries are under
    # way alone, even while each try rolls back.
    Offer.objects.filter(pk=offer_id, status=Offer.Status.QUEUED).update(
        attempted_at=timezone.now()
    )
    try:
        with transaction.atomic():
            offer = _locked_offer(offer_id)
            if offer is None:
                return "skipped: no such offer"
            if offer.status != Offer.Status.QUEUED:
                return f"skipped: {offer.status}"
            if (
                offer.request.status not in Request.TAKES_OFFERS
                or offer.volunteer.erased_at is not None
            ):
                return "skipped: no longer wanted"
            if offer.request.starts_at <= timezone.now():
                return "skipped: appointment started"
            channels = offer.volunteer.message_channels
            if "email" in channels:
                raw = offers.issue_link(offer=offer)
                _send(emails.offer_email(offer=offer, raw_token=raw), connection)
                offer.status, offer.sent_at = Offer.Status.SENT, timezone.now()
                offer.save(update_fields=["status", "sent_at"])
            if "sms" in channels:
                # By SMS alone the offer stays queued until the provider takes the SMS.
                outbox.queue_offer(offer=offer)
                if "email" not in channels:
                    return "queued: sms"
    except smtp.MAIL_ERRORS as exc:
        if not _permanent(exc):
            raise
        give_up_offer(offer_id)
        return "failed"
    return "sent"


def give_up_offer(offer_id: int) -> None:
    """No more tries: a queued offer becomes `failed` and the office is told (offer_failed)."""
    offers.fail(offer_id=offer_id)


# --- Confirmations --------------------------------------------------------------------------


def send_confirmation(*, offer_id: int, connection: Connection | None = None) -> str:
    """After an accept: the task's details and a calendar invite (.ics) to the volunteer."""
    try:
        with transaction.atomic():
            offer = _locked_offer(offer_id)
            if offer is None:
                return "skipped: no such offer"
            if offer.confirmation_sent_at is not None:
                return "skipped: confirmed already"
            if offer.status != Offer.Status.ACCEPTED or offer.volunteer.erased_at is not None:
                return f"skipped: {offer.status}"
            channels = offer.volunteer.message_channels
            if "sms" in channels:
                outbox.queue_about_offer(
                    kind=SmsMessage.Kind.CONFIRMATION,
                    key=f"confirmation:{offer.pk}:{offer.responded_at:%Y%m%d%H%M%S%f}",
                    offer=offer,
                )
            if "email" in channels:
                raw = offers.add_link(offer=offer)
                _send(emails.confirmation_email(offer, raw_token=raw), connection)
            offer.confirmation_sent_at = timezone.now()
            offer.save(update_fields=["confirmation_sent_at"])
    except smtp.MAIL_ERRORS as exc:
        if not _permanent(exc):
            raise
        return "failed"
    return "sent"


# --- Notices --------------------------------------------------------------------------------


def _claim(*, key: str, kind: str, request_id: int, offer_id: int | None) -> bool:
    """Take the notice's key inside the current transaction; False if it is taken.

    A parallel delivery of the same notice waits here on the unique index until the first
    commits (then it finds the key taken) or rolls back (then it takes it).
    """
    try:
        with transaction.atomic():
            Notice.objects.create(key=key, kind=kind, request_id=request_id, offer_id=offer_id)
    except IntegrityError:
        return False
    return True


def _notice(
    *,
    key: str,
    kind: str,
    request_id: int,
    offer_id: int | None,
    build: Callable[[], EmailMessage | None],
    connection: Connection | None,
    to: Offer | None = None,
) -> str:
    """Claim `key`, build and send the email; a permanent refusal is recorded as failed.

    `to`: a notice to this offer's volunteer, by their channel: the SMS is queued under the
    same claim, and the email is sent only if email is one of their channels.
    """
    try:
        with transaction.atomic():
            if not _claim(key=key, kind=kind, request_id=request_id, offer_id=offer_id):
                return "skipped: sent already"
            channels = to.volunteer.message_channels if to is not None else {"email"}
            if to is not None and "sms" in channels:
                outbox.queue_about_offer(kind=kind, key=key, offer=to)
                if "email" not in channels:
                    return "queued: sms"
            message = build()
            if message is None:
                transaction.set_rollback(True)
                return "skipped: no address"
            _send(message, connection)
    except smtp.MAIL_ERRORS as exc:
        if not _permanent(exc):
            raise
        record_failure(key=key, kind=kind, request_id=request_id, offer_id=offer_id)
        return "failed"
    return "sent"


def record_failure(*, key: str, kind: str, request_id: int, offer_id: int | None) -> None:
    """The notice will not be delivered: recorded, so that no later delivery tries again."""
    Notice.objects.get_or_create(
        key=key,
        defaults={
            "kind": kind,
            "request_id": request_id,
            "offer_id": offer_id,
            "outcome": Notice.Outcome.FAILED,
        },
    )


def closed_key(offer: Offer) -> str:
    # Per sending: an offer asked again after a place came free may be withdrawn again.
    return f"closed:{offer.pk}:{offer.sent_at:%Y%m%d%H%M%S%f}"


def send_closed_notice(*, offer_id: int, connection: Connection | None = None) -> str:
    """ "Already taken" (or "cancelled") to a volunteer whose sent offer was withdrawn."""
    with transaction.atomic():
        offer = _locked_offer(offer_id)
        if offer is None:
            return "skipped: no such offer"
        if offer.status != Offer.Status.WITHDRAWN or offer.sent_at is None:
            # Withdrawn before its email went out: the volunteer never heard of it.
            return f"skipped: {offer.status}" if offer.sent_at else "skipped: never sent"
        if offer.volunteer.erased_at is not None:
            return "skipped: volunteer erased"
        return _notice(
            key=closed_key(offer),
            kind=Notice.Kind.CLOSED,
            request_id=offer.request_id,
            offer_id=offer.pk,
            build=lambda: emails.closed_email(offer),
            connection=connection,
            to=offer,
        )


def give_up_closed_notice(offer_id: int) -> None:
    """A courtesy notice still failing after the last try: recorded, the office not bothered."""
    offer = Offer.objects.filter(pk=offer_id).only("pk", "request_id").first()
    if offer is not None:
        record_failure(
            key=closed_key(offer),
            kind=Notice.Kind.CLOSED,
            request_id=offer.request_id,
            offer_id=offer.pk,
        )


def calendar_cancel_key(offer: Offer) -> str:
    return f"calendar_cancel:{offer.pk}"


def send_calendar_cancel(
    *, offer_id: int, released: bool, connection: Connection | None = None
) -> str:
    """The accepted appointment is off (cancelled by the office, or the volunteer released it):
    an email with the .ics that takes it out of the volunteer's calendar."""
    with transaction.atomic():
        offer = _locked_offer(offer_id)
        if offer is None:
            return "skipped: no such offer"
        if offer.volunteer.erased_at is not None:
            return "skipped: volunteer erased"
        if released and offer.status != Offer.Status.WITHDRAWN:
            return f"skipped: {offer.status}"
        if not released and (
            offer.status != Offer.Status.ACCEPTED
            or offer.request.status != Request.Status.CANCELLED
        ):
            return "skipped: not cancelled"
        return _notice(
            key=calendar_cancel_key(offer),
            kind=Notice.Kind.CALENDAR_CANCEL,
            request_id=offer.request_id,
            offer_id=offer.pk,
            build=lambda: emails.calendar_cancel_email(offer, released=released),
            connection=connection,
            to=offer,
        )


def reminder_key(offer: Offer) -> str:
    return f"reminder:{offer.pk}:{offer.request.starts_at:%Y%m%d%H%M}"


def send_reminder(
    *, offer_id: int, connection: Connection | None = None, now: dt.datetime | None = None
) -> str:
    """The day before: the details again and the offer's page, where "I can't make it" is.

    The reminder carries a new link to the offer page (only one link per offer works: the one
    in the offer email stops working, which, the day before, nobody needs any more).
    """
    now = now or timezone.now()
    with transaction.atomic():
        offer = _locked_offer(offer_id)
        if offer is None:
            return "skipped: no such offer"
        request = offer.request
        if offer.status != Offer.Status.ACCEPTED or request.status not in Request.GOING_AHEAD:
            return "skipped: not coming"
        if offer.volunteer.erased_at is not None or request.starts_at <= now:
            return "skipped: too late"

        def build() -> EmailMessage:
            return emails.reminder_email(offer=offer, raw_token=offers.issue_link(offer=offer))

        return _notice(
            key=reminder_key(offer),
            kind=Notice.Kind.REMINDER,
            request_id=request.pk,
            offer_id=offer.pk,
            build=build,
            connection=connection,
            to=offer,
        )


def office_key(*, kind: str, request: Request, offer_id: int | None, what: str) -> str | None:
    """The key under which an office alert goes out once; None if it is no longer due."""
    if kind == Notice.Kind.FILLED:
        if request.status != Request.Status.FILLED or request.filled_at is None:
            return None  # a place came free again before the alert went out
        return f"filled:{request.pk}:{request.filled_at:%Y%m%d%H%M%S%f}"
    if kind == Notice.Kind.ALL_DECLINED:
        return f"all_declined:{request.pk}:{request.offers.count()}"
    if kind == Notice.Kind.UNFILLED:
        return f"unfilled:{request.pk}:{request.waves_sent}"
    if kind == Notice.Kind.ESCALATION:
        return f"escalation:{request.pk}:{request.starts_at:%Y%m%d%H%M}"
    if kind == Notice.Kind.RELEASED:
        return f"released:{offer_id}"
    if kind == Notice.Kind.UNDELIVERABLE:
        return f"undeliverable:{what}:{offer_id}"
    if kind == Notice.Kind.OFFER_FAILED:
        if not request.offer_problem:
            return None  # the offers went out after all
        return f"offer_failed:{request.pk}"
    raise ValueError(f"not an office notice: {kind!r}")


def send_office_notice(
    *,
    kind: str,
    request_id: int,
    offer_id: int | None = None,
    what: str = "",
    connection: Connection | None = None,
) -> str:
    """An alert to the request's office: filled, all declined, unfilled, escalation, a
    volunteer dropped out, an email not delivered (`what`: which one)."""
    request = Request.objects.select_related("office", "skill").filter(pk=request_id).first()
    if request is None:
        return "skipped: no such request"
    offer = (
        Offer.objects.select_related("volunteer").filter(pk=offer_id).first() if offer_id else None
    )
    key = office_key(kind=kind, request=request, offer_id=offer_id, what=what)
    if key is None:
        return "skipped: no longer due"
    if not request.office.email:
        return "skipped: office has no email"
    return _notice(
        key=key,
        kind=kind,
        request_id=request.pk,
        offer_id=offer_id,
        build=lambda: emails.office_email(kind=kind, request=request, offer=offer, what=what),
        connection=connection,
    )


# --- Check-ins after the appointment ----------------------------------------------------------


def send_checkin(
    *, outcome_id: int, connection: Connection | None = None, now: dt.datetime | None = None
) -> str:
    """The check-in after an appointment, or its one reminder, recorded on the Outcome row
    (`sent_at`, `reminded_at`) under its lock, like a confirmation on the offer's.

    The one place that decides and sends a check-in: a further channel (SMS) joins here, beside
    the email. Which of the two goes out follows from the row: the check-in while none went
    out, the reminder once it is due, nothing after that or once answered.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            outcome = (
                Outcome.objects.select_for_update(of=("self",))
                .select_related("offer__request__office", "offer__request__skill", "volunteer")
                .filter(pk=outcome_id)
                .first()
            )
            if outcome is None:
                return "skipped: no such outcome"
            why_not = outcomes.still_wanted(outcome)
            if why_not:
                return f"skipped: {why_not}"
            reminder = outcomes.is_reminder(outcome)
            if reminder and not outcomes.reminder_due(outcome, now=now):
                return "skipped: reminded already" if outcome.reminded_at else "skipped: not due"
            raw = outcomes.add_link(outcome=outcome, now=now)
            _send(emails.checkin_email(outcome, raw_token=raw, reminder=reminder), connection)
            if reminder:
                outcome.reminded_at = now
            else:
                outcome.sent_at = now
            outcome.save(update_fields=["reminded_at" if reminder else "sent_at"])
    except smtp.MAIL_ERRORS as exc:
        if not _permanent(exc):
            raise
        give_up_checkin(outcome_id)
        return "failed"
    return "reminded" if reminder else "sent"


def give_up_checkin(outcome_id: int) -> None:
    """No more tries: the request's page shows the check-in as not delivered."""
    outcomes.mark_failed(outcome_id=outcome_id)
