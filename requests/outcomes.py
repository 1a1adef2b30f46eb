"""What became of an accepted assignment: the volunteer's check-in and the office's confirmation.

After the appointment each accepted volunteer gets a check-in (Rückmeldung): at
LOTSE_CHECKIN_AFTER_MINUTES after its end, or at once when staff complete the request, whichever
comes first (`claim_due`), and one reminder LOTSE_CHECKIN_REMINDER_HOURS later if unanswered.
The workers send them (`workers.sending.send_checkin`); this module decides which are due and
keeps the rules of answering and confirming.

The volunteer answers behind a link for that assignment only: a random token stored as a digest
(`CheckinLink`), living LOTSE_CHECKIN_LINK_DAYS, opening nothing else. Answers, two taps for the
usual case: "as planned" (the planned hours), "other hours", and three kinds of "no": the client
did not come, it was called off, or the volunteer could not come. Optional: travel (km, or a
ticket in euro), "I would like to talk to someone about it" (a quiet flag for the office) and a
comment (free text, removed by retention).

Staff see the outcome on the request's page and in the API, correct hours and expenses, and mark
who did not come; saving confirms it. Every change goes through `Outcome.save` and so into the
audit trail with its fields (django-auditlog, `requests.apps`); the volunteer's answer is also
a volunteer's action there (`checkin_answered`).

For an allowance ledger: a confirmed outcome (`confirmed_at` set) is final for the books; the
event `outcome_confirmed(outcome_id)` is published after each confirmation (again after a
correction), and `Outcome.hours`, `km`, `ticket_cents`, `confirmed_at`, the offer's request's
office and the volunteer are what an entry needs. `payable` says whether it pays at all.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from requests import events
from requests.errors import RequestError
from requests.models import CheckinLink, Offer, Outcome, Request
from volunteers import audit, tokens

Result = Outcome.Result

# The volunteer's answers on the check-in page and the result each records.
ANSWERS: dict[str, str] = {
    "as_planned": Result.TOOK_PLACE,
    "other_hours": Result.TOOK_PLACE,
    "client_no_show": Result.CLIENT_NO_SHOW,
    "cancelled": Result.CANCELLED,
    "volunteer_no_show": Result.VOLUNTEER_NO_SHOW,
}


class CheckinError(RequestError):
    """A check-in link that opens nothing ("unknown", "expired"), or an answer that can no
    longer change ("confirmed": the office has confirmed the outcome)."""


# --- When a check-in is due -------------------------------------------------------------------


def _after() -> dt.timedelta:
    return dt.timedelta(minutes=settings.LOTSE_CHECKIN_AFTER_MINUTES)


def planned_hours(request: Request) -> Decimal:
    """The appointment's length in hours, to the quarter hour (what "as planned" records)."""
    seconds = (request.ends_at - request.starts_at).total_seconds()
    quarters = round(seconds / 900)
    return min(Decimal(quarters) / 4, Decimal(24))


def _checked_offers() -> Any:
    """Accepted offers whose appointment was not cancelled, of volunteers not erased."""
    return Offer.objects.filter(
        status=Offer.Status.ACCEPTED, volunteer__erased_at__isnull=True
    ).exclude(request__status=Request.Status.CANCELLED)


def open_due(*, now: dt.datetime | None = None, request_id: int | None = None) -> int:
    """Make the outcome rows of the assignments whose check-in has fallen due: the appointment
    ended LOTSE_CHECKIN_AFTER_MINUTES ago, or the request was completed; both within
    LOTSE_CHECKIN_HORIZON_DAYS. Returns how many were made."""
    now = now or timezone.now()
    horizon = now - dt.timedelta(days=settings.LOTSE_CHECKIN_HORIZON_DAYS)
    due = Q(request__ends_at__lte=now - _after(), request__ends_at__gt=horizon) | Q(
        request__status=Request.Status.COMPLETED, request__closed_at__gt=horizon
    )
    offers = _checked_offers().filter(due, outcome__isnull=True)
    if request_id is not None:
        offers = offers.filter(request_id=request_id)
    rows = [
        Outcome(offer_id=pk, volunteer_id=volunteer_id, due_at=min(ends_at + _after(), now))
        for pk, volunteer_id, ends_at in offers.order_by("pk").values_list(
            "pk", "volunteer_id", "request__ends_at"
        )
    ]
    # A parallel run (the beat and a completion) may make the same rows: one of each stays.
    return len(Outcome.objects.bulk_create(rows, ignore_conflicts=True))


def pending() -> Any:
    """Outcomes still waiting for the volunteer: unanswered, unconfirmed, deliverable."""
    return Outcome.objects.filter(
        result="",
        confirmed_at__isnull=True,
        failed_at__isnull=True,
        offer__status=Offer.Status.ACCEPTED,
        volunteer__erased_at__isnull=True,
    ).exclude(offer__request__status=Request.Status.CANCELLED)


def claim_due(
    *, now: dt.datetime | None = None, request_id: int | None = None, limit: int = 1000
) -> list[int]:
    """The outcomes whose check-in or reminder should go out now, marked as queued.

    Found from the rows alone, so that a check-in whose task was lost goes out with a later
    run: a row queued longer than LOTSE_SWEEP_STUCK_AFTER_SECONDS ago and still unsent is due
    again. Sending checks everything again under the row's lock, so a duplicate does no harm.
    """
    now = now or timezone.now()
    open_due(now=now, request_id=request_id)
    lost = now - dt.timedelta(seconds=settings.LOTSE_SWEEP_STUCK_AFTER_SECONDS)
    reminder_after = dt.timedelta(hours=settings.LOTSE_CHECKIN_REMINDER_HOURS)
    waiting = pending().filter(Q(queued_at__isnull=True) | Q(queued_at__lte=lost))
    if request_id is not None:
        waiting = waiting.filter(offer__request_id=request_id)
    due = waiting.filter(
        Q(sent_at__isnull=True, due_at__lte=now)
        | Q(sent_at__lte=now - reminder_after, reminded_at__isnull=True)
    )
    ids = list(due.order_by("due_at", "pk").values_list("pk", flat=True)[:limit])
    if ids:
        Outcome.objects.filter(pk__in=ids).update(queued_at=now)
    return ids


def is_reminder(outcome: Outcome) -> bool:
    """Whether the next email for `outcome` is its reminder (the check-in went out)."""
    return outcome.sent_at is not None


def reminder_due(outcome: Outcome, *, now: dt.datetime) -> bool:
    return (
        outcome.reminded_at is None
        and outcome.sent_at is not None
        and (outcome.sent_at <= now - dt.timedelta(hours=settings.LOTSE_CHECKIN_REMINDER_HOURS))
    )


def still_wanted(outcome: Outcome) -> str:
    """Why no check-in should go out for `outcome` (locked), or "" if it should."""
    offer = outcome.offer
    if outcome.result or outcome.confirmed_at is not None:
        return "answered"
    if outcome.failed_at is not None:
        return "undeliverable"
    if offer.status != Offer.Status.ACCEPTED or offer.request.status == Request.Status.CANCELLED:
        return "not coming"
    if offer.volunteer.erased_at is not None:
        return "volunteer erased"
    return ""


def mark_failed(*, outcome_id: int, now: dt.datetime | None = None) -> None:
    """The check-in cannot be delivered: the request's page says so, and nobody tries again."""
    Outcome.objects.filter(pk=outcome_id, failed_at__isnull=True).update(
        failed_at=now or timezone.now()
    )


# --- Links ------------------------------------------------------------------------------------


def add_link(*, outcome: Outcome, now: dt.datetime | None = None) -> str:
    """A new raw link to `outcome`'s check-in page; links already sent keep working."""
    now = now or timezone.now()
    raw = secrets.token_urlsafe(32)
    CheckinLink.objects.create(
        outcome=outcome,
        digest=tokens.digest(raw),
        expires_at=now + dt.timedelta(days=settings.LOTSE_CHECKIN_LINK_DAYS),
    )
    return raw


def resolve(raw: str, *, now: dt.datetime | None = None) -> Outcome:
    """The outcome behind a check-in link; CheckinError "unknown" or "expired" otherwise.

    Only ever reads: mail scanners open links."""
    now = now or timezone.now()
    if not raw or len(raw) > 100:
        raise CheckinError("unknown", _("This link is not valid."))
    link = (
        CheckinLink.objects.select_related(
            "outcome__offer__request__office",
            "outcome__offer__request__skill",
            "outcome__offer__request__kind",
            "outcome__volunteer",
        )
        .filter(digest=tokens.digest(raw))
        .first()
    )
    if link is None or link.outcome.volunteer.erased_at is not None:
        raise CheckinError("unknown", _("This link is not valid."))
    if link.expires_at <= now:
        raise CheckinError("expired", _("This link has expired."))
    return link.outcome


# --- Answers and confirmations ----------------------------------------------------------------


def _decimal(value: Any, *, field: str, low: Decimal, high: Decimal, places: int) -> Decimal | None:
    """A number typed by a person ("1,5" or "1.5"), or None if empty; ValidationError if it
    is no number or outside [low, high]."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise ValidationError({field: [_("Enter a number.")]}) from None
    if not number.is_finite() or not low <= number <= high:
        raise ValidationError(
            {field: [_("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high}]}
        )
    return number.quantize(Decimal(1).scaleb(-places))


def hours_value(value: Any, *, field: str = "hours") -> Decimal | None:
    return _decimal(value, field=field, low=Decimal(0), high=Decimal(24), places=2)


def km_value(value: Any, *, field: str = "km") -> Decimal | None:
    return _decimal(value, field=field, low=Decimal(0), high=Decimal(Outcome.MAX_KM), places=1)


def ticket_cents_of_euros(value: Any, *, field: str = "ticket_euros") -> int | None:
    """A ticket's price typed in euro ("4,90") as whole cents."""
    euros = _decimal(
        value,
        field=field,
        low=Decimal(0),
        high=Decimal(Outcome.MAX_TICKET_CENTS) / 100,
        places=2,
    )
    return None if euros is None else int(euros * 100)


def _check_result(result: str) -> None:
    if result not in Result.values:
        raise ValidationError({"result": [_("Choose one of the answers.")]})


def _travel_for(result: str, km: Decimal | None, ticket_cents: int | None) -> None:
    """Travel costs with a result that had no way there: only "I could not come". A volunteer
    who set out for a client who never came, or for an appointment called off, did travel."""
    if result == Result.VOLUNTEER_NO_SHOW and (km or ticket_cents):
        raise ValidationError(
            {"km": [_("Travel costs only arise when you set out to the appointment.")]}
        )


def answer(
    *,
    outcome: Outcome,
    choice: str,
    hours: Any = None,
    km: Any = None,
    ticket_euros: Any = None,
    wants_to_talk: bool = False,
    comment: str = "",
    now: dt.datetime | None = None,
) -> Outcome:
    """The volunteer's check-in. `choice` is one of ANSWERS; "other_hours" needs `hours`.

    The volunteer may answer again (a slip of the finger) until the office confirms. Raises
    ValidationError keyed by field, or CheckinError("confirmed").
    """
    now = now or timezone.now()
    if choice not in ANSWERS:
        raise ValidationError({"answer": [_("Choose one of the answers.")]})
    given_hours = hours_value(hours)
    if choice == "other_hours" and given_hours is None:
        raise ValidationError({"hours": [_("How many hours was it?")]})
    distance, ticket = km_value(km), ticket_cents_of_euros(ticket_euros)
    result = ANSWERS[choice]
    _travel_for(result, distance, ticket)
    comment = " ".join(str(comment).split())[: Outcome.COMMENT_MAX]
    with transaction.atomic():
        row = (
            Outcome.objects.select_for_update().select_related("offer__request").get(pk=outcome.pk)
        )
        if row.confirmed_at is not None:
            raise CheckinError("confirmed", _("The office has already confirmed this."))
        request = row.offer.request
        row.result = result
        if result == Result.TOOK_PLACE:
            row.hours = planned_hours(request) if choice == "as_planned" else given_hours
        else:
            row.hours = Decimal(0)
        row.km, row.ticket_cents = distance, ticket
        if wants_to_talk and not row.wants_to_talk:
            row.talk_done_at = None  # raised anew: the office has not talked about this yet
        row.wants_to_talk = bool(wants_to_talk)
        row.comment = comment
        row.answered_at = now
        row.save()
        audit.record(
            kind=audit.Kind.VOLUNTEER,
            event=audit.Event.CHECKIN_ANSWERED,
            volunteer_id=row.volunteer_id,
            request_id=request.pk,
            office_id=request.office_id,
            actor=None,
            detail=row.result,
            at=now,
        )
    return row


def outcome_of(*, offer: Offer, now: dt.datetime | None = None) -> Outcome:
    """The outcome of an accepted offer whose appointment has started, made if missing (staff
    may record it before the check-in is due). RequestError if there is none to have."""
    now = now or timezone.now()
    if offer.status != Offer.Status.ACCEPTED:
        raise RequestError("not_accepted", _("Only an accepted assignment has an outcome."))
    request = offer.request
    if request.status == Request.Status.CANCELLED:
        raise RequestError("cancelled", _("This request was cancelled."))
    if request.starts_at > now:
        raise RequestError("not_started", _("The appointment has not started yet."))
    row, _created = Outcome.objects.get_or_create(
        offer=offer,
        defaults={"volunteer_id": offer.volunteer_id, "due_at": request.ends_at + _after()},
    )
    return row


def confirm(
    *,
    outcome: Outcome,
    by: Any,
    result: str,
    hours: Any = None,
    km: Any = None,
    ticket_cents: Any = None,
    now: dt.datetime | None = None,
) -> Outcome:
    """Staff say what happened, correcting hours and expenses: the outcome is confirmed.

    `result` is a `Outcome.Result`; a client no-show is never held against the volunteer
    (matching counts only their own no-shows and late drop-outs). `hours` is required when it
    took place (0 otherwise, unless given). The offer's `hours` follow, so the statistics of
    hours worked agree. Raises ValidationError keyed by field.
    """
    now = now or timezone.now()
    _check_result(result)
    given_hours = hours_value(hours)
    if result == Result.TOOK_PLACE and given_hours is None:
        raise ValidationError({"hours": [_("Give the hours worked.")]})
    distance = km_value(km)
    cents = _cents(ticket_cents)
    _travel_for(result, distance, cents)
    with transaction.atomic():
        row = Outcome.objects.select_for_update().select_related("offer").get(pk=outcome.pk)
        row.result = result
        row.hours = given_hours if given_hours is not None else Decimal(0)
        row.km, row.ticket_cents = distance, cents
        row.confirmed_at, row.confirmed_by = now, by if getattr(by, "pk", None) else None
        row.save()
        offer = row.offer
        if offer.hours != row.hours:
            offer.hours = row.hours
            offer.save(update_fields=["hours"])
        events.publish("outcome_confirmed", outcome_id=row.pk)
    return row


def _cents(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationError({"ticket_cents": [_("Enter a whole number of cents.")]})
    try:
        cents = int(value)
    except ValueError:
        raise ValidationError({"ticket_cents": [_("Enter a whole number of cents.")]}) from None
    if not 0 <= cents <= Outcome.MAX_TICKET_CENTS:
        raise ValidationError(
            {
                "ticket_cents": [
                    _("Enter a number from %(low)s to %(high)s.")
                    % {"low": 0, "high": Outcome.MAX_TICKET_CENTS}
                ]
            }
        )
    return cents


def talked(*, outcome: Outcome, now: dt.datetime | None = None) -> Outcome:
    """Staff have talked with the volunteer: the quiet flag goes down (audited as a change)."""
    with transaction.atomic():
        row = Outcome.objects.select_for_update().get(pk=outcome.pk)
        if row.wants_to_talk and row.talk_done_at is None:
            row.talk_done_at = now or timezone.now()
            row.save()
    return row


def payable(outcome: Outcome) -> bool:
    """Whether a confirmed outcome can pay an allowance: it took place (travel to a client who
    did not come is the office's rule to decide)."""
    return outcome.confirmed_at is not None and outcome.result == Result.TOOK_PLACE


def wants_to_talk() -> Any:
    """Outcomes whose volunteer would like to talk, and nobody has yet."""
    return Outcome.objects.filter(wants_to_talk=True, talk_done_at__isnull=True)


def erase_free_text(*, volunteer_id: int) -> int:
    """Before a volunteer is erased: their check-in comments and links go (the figures stay,
    without the person). Returns the number of comments removed."""
    CheckinLink.objects.filter(outcome__volunteer_id=volunteer_id).delete()
    return Outcome.objects.filter(volunteer_id=volunteer_id).exclude(comment="").update(comment="")
