"""Celery tasks. Each takes plain arguments (ids, never objects), makes one call, owns its
retries, and is safe to run twice: the broker may deliver a message again after a worker dies
(acks_late, reject on worker lost, prefetch 1: see CELERY_* in config/settings.py).

Emails go through `_deliver`: one SMTP connection for all the messages of a task, a temporary
failure (4xx, connection trouble) retried after an exponential wait with jitter, and after the
last try (or at once, for a permanent 5xx) the message is given up: an offer becomes `failed`,
and the office hears of every email that did not reach a volunteer.

Every task logs one line per thing it did, as key=value pairs: `task`, `request`, `offer`,
`outcome`, `duration_ms` (and `attempt`, `retry_in` when it retries).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from celery import Task, shared_task
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.mail import get_connection, send_mail
from django.utils import timezone
from knox.models import AuthToken

from matching import offering
from requests import allowances, offers, outcomes
from requests.models import Offer, Outcome
from workers import retention, sending, smtp, upkeep
from workers.models import Notice
from workers.sms import base as sms_base
from workers.sms import channels, outbox

logger = logging.getLogger(__name__)

# Messages per task where one task sends many (notices, reminders): one SMTP connection for
# all, small enough to finish well inside the soft time limit on a slow relay.
BATCH = 50


def log(task: str, started: float, **fields: Any) -> None:
    """One structured line: task=... request=... offer=... outcome=... duration_ms=..."""
    parts = [f"task={task}"]
    for key, value in fields.items():
        text = "-" if value is None else str(value)
        parts.append(f'{key}="{text}"' if " " in text else f"{key}={text}")
    parts.append(f"duration_ms={(time.monotonic() - started) * 1000:.0f}")
    logger.info(" ".join(parts))


def chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def _requests_of(offer_ids: Iterable[int]) -> dict[int, int]:
    return dict(Offer.objects.filter(pk__in=list(offer_ids)).values_list("pk", "request_id"))


def _offer_ids_logged(offer_ids: list[int]) -> Callable[[int], dict[str, Any]]:
    """What a log line names for an offer id: its request and itself."""
    requests = _requests_of(offer_ids)
    return lambda offer_id: {"request": requests.get(offer_id), "offer": offer_id}


def _deliver(
    task: Task,
    keys: list[Any],
    send: Callable[[Any, Any], str],
    give_up: Callable[[Any], None],
    names: Callable[[Any], dict[str, Any]],
) -> dict[Any, str]:
    """Send one email per key (an offer id, mostly) over one SMTP connection.

    A temporary failure retries the whole task after `smtp.backoff_seconds` (what went out
    already is skipped then); after LOTSE_SMTP_RETRIES retries, `give_up` is called for each
    key not sent. Permanent failures are the `send` function's to record ("failed").
    """
    name = task.name.rsplit(".", 1)[-1]
    outcomes: dict[Any, str] = {}
    connection = get_connection()
    started = time.monotonic()
    try:
        for key in keys:
            started = time.monotonic()
            outcomes[key] = send(key, connection)
            log(name, started, **names(key), outcome=outcomes[key])
    except smtp.MAIL_ERRORS as exc:
        attempt = task.request.retries
        pending = [key for key in keys if key not in outcomes]
        error = type(exc).__name__
        if attempt < settings.LOTSE_SMTP_RETRIES:
            wait = smtp.backoff_seconds(attempt)
            # The key that failed; the ones after it were not tried.
            log(name, started, **names(pending[0]), outcome="retry", error=error,
                attempt=attempt + 1, retry_in=wait)  # fmt: skip
            raise task.retry(exc=exc, countdown=wait) from exc
        for key in pending:
            give_up(key)
            outcomes[key] = "failed"
            log(name, started, **names(key), outcome="failed", error=error, attempt=attempt + 1)
    finally:
        connection.close()
    return outcomes


# The tasks that send email: they count and limit their retries themselves (`_deliver`).
mail_task = shared_task(bind=True, max_retries=None)


def _tell_office_undelivered(what: str) -> Callable[[int], None]:
    """The give-up for an email to a volunteer that is not an offer: the office is told."""

    def give_up(offer_id: int) -> None:
        send_office_notice.delay(Notice.Kind.UNDELIVERABLE, offer_id=offer_id, what=what)

    return give_up


def _report_failures(outcomes: dict[int, str], give_up: Callable[[int], None]) -> None:
    """Messages refused for good in a delivery that otherwise went through."""
    for offer_id, outcome in outcomes.items():
        if outcome == "failed":
            give_up(offer_id)


# --- Waves ----------------------------------------------------------------------------------


@shared_task
def offer_next_wave(request_id: int, wave: int) -> None:
    """Rank, queue the next candidates' offers (sent after commit), schedule the wave after.

    Matching plans the wave (`matching.offering`); whether it reached everyone by SMS at once,
    which shortens its wait, is the channels' to say."""
    started = time.monotonic()
    outcome = offering.offer_next_wave(
        request_id=request_id, wave=wave, reached_at_once=channels.all_by_sms_now
    )
    log("offer_next_wave", started, request=request_id, wave=wave, outcome=outcome)


@shared_task
def start_due_waves() -> None:
    """Beat: start the waves whose time has come (the due time is kept in the database)."""
    started = time.monotonic()
    due = offering.due_waves()
    for request_id, wave in due:
        offer_next_wave.delay(request_id, wave)
    log("start_due_waves", started, outcome=f"{len(due)} due")


@shared_task
def after_decline(offer_id: int) -> None:
    """After a decline: the next wave now, or "everyone declined" to the office, or nothing."""
    started = time.monotonic()
    decision = offering.after_decline(offer_id=offer_id)
    request_id = decision.request_id
    if decision.next is offering.Next.WAVE and request_id is not None:
        offer_next_wave.delay(request_id, decision.wave)
    elif decision.next is offering.Next.ALL_DECLINED and request_id is not None:
        send_office_notice.delay(Notice.Kind.ALL_DECLINED, request_id=request_id)
    log("after_decline", started, request=request_id, offer=offer_id, outcome=decision)


@shared_task
def replace_released(offer_id: int) -> None:
    """A volunteer dropped out: ask for a replacement now, if the request offers by itself."""
    started = time.monotonic()
    wave = offering.after_release(offer_id=offer_id)
    request_id = _requests_of([offer_id]).get(offer_id)
    if wave is not None and request_id is not None:
        offer_next_wave.delay(request_id, wave)
    log(
        "replace_released",
        started,
        request=request_id,
        offer=offer_id,
        outcome=f"wave {wave}" if wave else "left to the office",
    )


# --- Emails to volunteers -------------------------------------------------------------------


@mail_task
def send_offer(self: Task, offer_id: int) -> None:
    """Email one queued offer with its link; a second delivery of this task sends nothing."""
    _deliver(
        self,
        [offer_id],
        lambda i, c: sending.send_offer(offer_id=i, connection=c),
        sending.give_up_offer,
        _offer_ids_logged([offer_id]),
    )


@mail_task
def send_confirmation(self: Task, offer_id: int) -> None:
    """The accepted task's details and a calendar invite, to the volunteer who accepted."""
    give_up = _tell_office_undelivered("confirmation")
    outcomes = _deliver(
        self,
        [offer_id],
        lambda i, c: sending.send_confirmation(offer_id=i, connection=c),
        give_up,
        _offer_ids_logged([offer_id]),
    )
    _report_failures(outcomes, give_up)


@mail_task
def send_closed_notices(self: Task, offer_ids: list[int]) -> None:
    """ "Already taken" (or "cancelled") to the volunteers whose open offers were withdrawn.

    A courtesy: one that cannot be delivered is recorded as failed, the office not bothered.
    """
    _deliver(
        self,
        offer_ids,
        lambda i, c: sending.send_closed_notice(offer_id=i, connection=c),
        sending.give_up_closed_notice,
        _offer_ids_logged(offer_ids),
    )


@mail_task
def send_calendar_cancellations(self: Task, offer_ids: list[int], released: bool = False) -> None:
    """The appointment is off: a cancellation with the .ics that takes it out of the calendar,
    to the accepted volunteers of a cancelled request, or to one who dropped out (`released`)."""
    give_up = _tell_office_undelivered("cancellation")
    outcomes = _deliver(
        self,
        offer_ids,
        lambda i, c: sending.send_calendar_cancel(offer_id=i, released=released, connection=c),
        give_up,
        _offer_ids_logged(offer_ids),
    )
    _report_failures(outcomes, give_up)


@mail_task
def send_reminders(self: Task, offer_ids: list[int]) -> None:
    """The day before: the appointment again, and "I can't make it" behind the offer's link."""
    give_up = _tell_office_undelivered("reminder")
    outcomes = _deliver(
        self,
        offer_ids,
        lambda i, c: sending.send_reminder(offer_id=i, connection=c),
        give_up,
        _offer_ids_logged(offer_ids),
    )
    _report_failures(outcomes, give_up)


# --- SMS ------------------------------------------------------------------------------------


@shared_task(bind=True, max_retries=None)
def send_sms(self: Task, sms_id: int) -> None:
    """Send one SMS from the outbox; a temporary provider failure retries after the mail
    backoff, up to LOTSE_SMS_RETRIES times; then (or for a permanent one) it is given up."""
    started = time.monotonic()
    try:
        outcome = outbox.send(sms_id=sms_id)
    except sms_base.TemporaryFailure as exc:
        attempt = self.request.retries
        if attempt < settings.LOTSE_SMS_RETRIES:
            wait = smtp.backoff_seconds(attempt)
            log("send_sms", started, sms=sms_id, outcome="retry", error=type(exc).__name__,
                attempt=attempt + 1, retry_in=wait)  # fmt: skip
            raise self.retry(exc=exc, countdown=wait) from exc
        outbox.give_up(sms_id=sms_id, error=str(exc) or type(exc).__name__)
        outcome = "failed"
    except sms_base.PermanentFailure as exc:
        outbox.give_up(sms_id=sms_id, error=str(exc) or type(exc).__name__)
        outcome = "failed"
    log("send_sms", started, sms=sms_id, outcome=outcome)


@shared_task
def send_held_sms() -> None:
    """Beat: the SMS held back by the quiet hours, once they are over."""
    started = time.monotonic()
    due = upkeep.held_sms_due()
    for sms_id in due:
        send_sms.delay(sms_id)
    log("send_held_sms", started, outcome=f"{len(due)} due")


@mail_task
def send_checkins(self: Task, outcome_ids: list[int]) -> None:
    """After the appointment: the check-in (or its reminder) to each accepted volunteer. One
    that cannot be delivered shows as such on the request's page."""
    outcomes_of = dict(
        Outcome.objects.filter(pk__in=outcome_ids).values_list("pk", "offer__request_id")
    )
    _deliver(
        self,
        outcome_ids,
        lambda i, c: sending.send_checkin(outcome_id=i, connection=c),
        sending.give_up_checkin,
        lambda i: {"request": outcomes_of.get(i), "checkin": i},
    )


# --- Emails to offices ----------------------------------------------------------------------


@mail_task
def send_office_notice(
    self: Task,
    kind: str,
    request_id: int | None = None,
    offer_id: int | None = None,
    what: str = "",
) -> None:
    """An alert to the office (filled, all declined, unfilled, escalation, a volunteer dropped
    out, an email not delivered: `what`). If even this cannot be delivered, the log says so."""
    if request_id is None and offer_id is not None:
        request_id = _requests_of([offer_id]).get(offer_id)
    if request_id is None:
        return

    def send(_kind: str, connection: Any) -> str:
        return sending.send_office_notice(
            kind=kind, request_id=request_id, offer_id=offer_id, what=what, connection=connection
        )

    def give_up(_kind: str) -> None:
        logger.error(
            "task=send_office_notice request=%s offer=%s kind=%s outcome=undeliverable",
            request_id,
            offer_id,
            kind,
        )

    _deliver(
        self,
        [kind],
        send,
        give_up,
        lambda _kind: {"request": request_id, "offer": offer_id, "kind": kind},
    )


# --- Beat -----------------------------------------------------------------------------------


@shared_task
def remind_upcoming() -> None:
    """Beat (hourly): reminders for tomorrow's appointments, in batches."""
    started = time.monotonic()
    due = upkeep.reminders_due()
    for chunk in chunks(due):
        send_reminders.delay(chunk)
    log("remind_upcoming", started, outcome=f"{len(due)} due")


@shared_task
def expire_offers() -> None:
    """Beat: offers unanswered when their appointment starts expire."""
    started = time.monotonic()
    expired = offers.expire_started()
    log("expire_offers", started, outcome=f"{expired} expired")


@shared_task
def escalate_unfilled() -> None:
    """Beat: tell the office about requests not filled whose appointment is near."""
    started = time.monotonic()
    due = upkeep.escalations_due()
    for request_id in due:
        send_office_notice.delay(Notice.Kind.ESCALATION, request_id=request_id)
    log("escalate_unfilled", started, outcome=f"{len(due)} due")


@shared_task
def sweep_stuck_offers() -> None:
    """Beat: enqueue again what a lost task left undone: requests without their first wave,
    offers stuck in `queued`, missing
    confirmations, cancellations, "already taken" notices and office alerts (see
    `workers.upkeep`). The sending protocols make a duplicate harmless."""
    started = time.monotonic()
    stalled = upkeep.stalled_requests()
    for request_id, wave in stalled:
        offer_next_wave.delay(request_id, wave)
    stuck = upkeep.stuck_offers()
    for offer_id in stuck:
        send_offer.delay(offer_id)
    confirmations = upkeep.missing_confirmations()
    for offer_id in confirmations:
        send_confirmation.delay(offer_id)
    cancellations = upkeep.missing_cancellations()
    for chunk in chunks(cancellations):
        send_calendar_cancellations.delay(chunk)
    given_back = upkeep.missing_release_cancellations()
    for chunk in chunks(given_back):
        send_calendar_cancellations.delay(chunk, released=True)
    closed = upkeep.missing_closed_notices()
    for chunk in chunks(closed):
        send_closed_notices.delay(chunk)
    alerts = upkeep.office_alerts_due()
    for kind, arguments in alerts:
        send_office_notice.delay(kind, **arguments)
    lost_sms = upkeep.stuck_sms()
    for sms_id in lost_sms:
        send_sms.delay(sms_id)
    log(
        "sweep_stuck_offers",
        started,
        outcome=(
            f"{len(stalled)} requests, {len(stuck)} offers, {len(confirmations)} confirmations, "
            f"{len(cancellations) + len(given_back)} cancellations, {len(closed)} closed "
            f"notices, {len(alerts)} office alerts, {len(lost_sms)} SMS"
        ),
    )


@shared_task
def start_checkins(request_id: int | None = None) -> None:
    """Beat (every LOTSE_CHECKINS_EVERY_SECONDS), and at once when staff complete a request
    (`request_id`): the check-ins and reminders that are due, in batches. Due ones whose task
    was lost are found again from the rows (`outcomes.claim_due`)."""
    started = time.monotonic()
    due = outcomes.claim_due(request_id=request_id)
    for chunk in chunks(due):
        send_checkins.delay(chunk)
    log("start_checkins", started, request=request_id, outcome=f"{len(due)} due")


@shared_task
def apply_retention() -> None:
    """Beat (daily): forget what is past LOTSE_RETENTION_DAYS (see workers/retention.py)."""
    started = time.monotonic()
    counts = retention.apply_retention()
    log("apply_retention", started, outcome="done", **counts)


@shared_task
def reconcile_allowances() -> None:
    """Beat: the ledger entry of every confirmation whose `outcome_confirmed` handler was lost
    (`requests.allowances.reconcile`)."""
    started = time.monotonic()
    made = allowances.reconcile()
    log("reconcile_allowances", started, outcome=f"{made} recorded")


@shared_task
def purge_expired_logins() -> None:
    """Deletes expired staff sessions and API tokens: credentials nobody can use any more."""
    started = time.monotonic()
    now = timezone.now()
    sessions, _ = Session.objects.filter(expire_date__lt=now).delete()
    tokens, _ = AuthToken.objects.filter(expiry__lt=now).delete()
    log("purge_expired_logins", started, outcome="done", sessions=sessions, tokens=tokens)


@shared_task(autoretry_for=smtp.MAIL_ERRORS, retry_backoff=True, retry_jitter=True, max_retries=5)
def send_test_email(recipient: str) -> None:
    """Proves the whole path (broker → worker → mail server) works; `manage.py send_test_email`."""
    started = time.monotonic()
    send_mail(
        subject="Lotse: Testnachricht / test message",
        message=(
            "Diese Nachricht zeigt, dass Lotse E-Mails versenden kann.\n"
            "This message shows that Lotse can send email.\n"
        ),
        from_email=None,
        recipient_list=[recipient],
    )
    log("send_test_email", started, outcome="sent")
