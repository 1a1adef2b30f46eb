"""Sending one offer by email: the durable record is the Offer row, the email follows it.

The protocol makes a redelivered task harmless: lock the offer's row, do nothing unless it is
still `queued`, mint its link, send, mark it `sent` — all in one transaction. If SMTP fails the
transaction rolls back (no link stored, still queued) and the task retries. The only duplicate
left possible is an email that went out while the commit after it failed.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone, translation

from requests import calendar
from requests.models import Offer, Request

logger = logging.getLogger(__name__)

OPEN_REQUEST = {Request.Status.OPEN, Request.Status.OFFERING, Request.Status.UNFILLED}


def subject(offer: Offer) -> str:
    """E.g. "Sprachmittlung Persisch–Deutsch – Di 24.11., 10:00 – Huckarde": what, when, where."""
    request = offer.request
    start = request.starts_at.astimezone(calendar.BERLIN)
    when = dateformat.format(start, "D d.m., H:i")
    where = request.district or (calendar.place_text(request) if request.remote else "")
    return " – ".join(part for part in (calendar.title(request), when, where) if part)


def _appointment(offer: Offer) -> dict[str, object]:
    """What every email about an offer says of the task; call inside the volunteer's language."""
    request = offer.request
    return {
        "name": offer.volunteer.name,
        "title": calendar.title(request),
        "when": calendar.when_text(starts_at=request.starts_at, ends_at=request.ends_at),
        "place": calendar.place_text(request),
        "note": request.note,
        "office": request.office,
    }


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


def offer_email(*, offer: Offer, raw_token: str) -> EmailMultiAlternatives:
    link = settings.SITE_URL + reverse("offer", args=[raw_token])
    with translation.override(offer.volunteer.email_language):
        context = {**_appointment(offer), "link": link}
        message = EmailMultiAlternatives(
            subject=subject(offer),
            body=render_to_string("workers/email/offer.txt", context),
            to=[offer.volunteer.email],
        )
        message.attach_alternative(
            render_to_string("workers/email/offer.html", context), "text/html"
        )
    return message


def send_offer(*, offer_id: int) -> str:
    """Send one queued offer; returns the outcome for the log ("sent", "skipped: ...")."""
    started = time.monotonic()
    with transaction.atomic():
        offer = _locked_offer(offer_id)
        if offer is None:
            outcome = "skipped: no such offer"
        elif offer.status != Offer.Status.QUEUED:
            outcome = f"skipped: {offer.status}"
        elif offer.request.status not in OPEN_REQUEST or offer.volunteer.erased_at is not None:
            outcome = "skipped: no longer wanted"
        else:
            raw = _issue(offer)
            offer_email(offer=offer, raw_token=raw).send()
            offer.status, offer.sent_at = Offer.Status.SENT, timezone.now()
            offer.save(update_fields=["status", "sent_at"])
            outcome = "sent"
    logger.info(
        "task=send_offer offer=%s request=%s outcome=%s duration_ms=%d",
        offer_id,
        offer.request_id if offer else "-",
        outcome,
        (time.monotonic() - started) * 1000,
    )
    return outcome


def _issue(offer: Offer) -> str:
    from requests import offers  # the link belongs to the offers module

    return offers.issue_link(offer=offer)


def send_confirmation(*, offer_id: int) -> str:
    """After an accept: the task's details and a calendar invite (.ics) to the volunteer.

    Same protocol as `send_offer`: under the offer's row lock, send only if no confirmation
    went out yet, and record that it did in the same transaction.
    """
    with transaction.atomic():
        offer = _locked_offer(offer_id)
        if offer is None:
            outcome = "skipped: no such offer"
        elif offer.confirmation_sent_at is not None:
            outcome = "skipped: confirmed already"
        elif offer.status != Offer.Status.ACCEPTED or offer.volunteer.erased_at is not None:
            outcome = f"skipped: {offer.status}"
        else:
            confirmation_email(offer).send()
            offer.confirmation_sent_at = timezone.now()
            offer.save(update_fields=["confirmation_sent_at"])
            outcome = "sent"
    logger.info("task=send_confirmation offer=%s outcome=%s", offer_id, outcome)
    return outcome


def confirmation_email(offer: Offer) -> EmailMultiAlternatives:
    with translation.override(offer.volunteer.email_language):
        context = _appointment(offer)
        message = EmailMultiAlternatives(
            subject=translation.gettext("Confirmed: %(subject)s") % {"subject": subject(offer)},
            body=render_to_string("workers/email/confirmation.txt", context),
            to=[offer.volunteer.email],
        )
        message.attach("termin.ics", calendar.offer_calendar(offer), "text/calendar")
    return message
