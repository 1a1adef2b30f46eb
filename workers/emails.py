"""The emails Lotse sends: Django templates, plain text and HTML, in the reader's language.

Volunteers read their `email_language`; offices read the site's language (German). Every email
to a volunteer carries a fresh personal link that can only pause offers (`pause`), in the body
and as the `List-Unsubscribe` header (with `List-Unsubscribe-Post`, RFC 8058) whose one-click
POST pauses; none names the client. These emails get forwarded and their headers fetched by mail
providers, so none carries a profile link: the profile is one "send me my link again" away.
The HTML layout sets `lang` and `dir`, so a right-to-left language needs only its translations.

Builders here only build: they read the rows they are given and mint links, and the callers in
`workers/sending.py` decide whether to send, under the row lock that makes it happen once.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, translation
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from matching import funnel
from requests import calendar
from requests.models import Offer, Outcome, Request
from volunteers import tokens
from volunteers.models import PersonalToken, Volunteer
from volunteers.places import BERLIN
from workers.models import Notice

TEMPLATES = "workers/email/"
# Not shown as the subject's language list: the network's working language is implied.
WORKING_LANGUAGE = "de"


def subject_of(request: Request) -> str:
    """E.g. "Sprachmittlung Persisch – Di 24.11., 10:00 – Huckarde": what, when, where.

    In the active language. German is named only when it is the only language asked for.
    """
    names = calendar.language_names(request)
    codes = request.language_codes
    shown = [n for c, n in zip(codes, names, strict=True) if c != WORKING_LANGUAGE] or names
    what = f"{request.skill.name} {'–'.join(shown)}".strip()
    start = request.starts_at.astimezone(BERLIN)
    when = dateformat.format(start, "D d.m., H:i")
    where = _("Phone/video") if request.remote else request.district
    return " – ".join(part for part in (what, when, where) if part)


def appointment(request: Request, *, full: bool = False) -> dict[str, Any]:
    """What every email says of the task; call inside the reader's language.

    The address and the note (`full`) go only to the volunteer who accepted the task: everyone
    else learns the area (postcode and district), and those asked read the rest on the offer's
    page, behind their personal link. Emails are copied, forwarded and kept in mailboxes Lotse
    cannot reach; what a refugee's appointment is about should not be in them
    (tests/audit/test_minimisation.py).
    """
    return {
        "title": calendar.title(request),
        "when": calendar.when_text(starts_at=request.starts_at, ends_at=request.ends_at),
        "place": calendar.place_text(request) if full else calendar.area_text(request),
        "note": request.note if full else "",
        "office": request.office,
    }


def _compose(
    *,
    template: str,
    context: dict[str, Any],
    subject: str,
    to: list[str],
    headers: dict[str, str] | None = None,
) -> EmailMultiAlternatives:
    """Text and HTML from `template`.txt/.html; call inside the reader's language."""
    context = {
        **context,
        "language": translation.get_language(),
        "direction": "rtl" if translation.get_language_bidi() else "ltr",
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{TEMPLATES}{template}.txt", context),
        to=to,
        headers={"Auto-Submitted": "auto-generated", **(headers or {})},
    )
    message.attach_alternative(
        render_to_string(f"{TEMPLATES}{template}.html", context), "text/html"
    )
    return message


# --- To volunteers --------------------------------------------------------------------------


def personal_links(volunteer: Volunteer) -> dict[str, str]:
    """The footer links of one email: a new pause-only link, and where to ask for the profile."""
    raw = tokens.issue(volunteer=volunteer, purpose=PersonalToken.Purpose.PAUSE)
    return {
        "unsubscribe_url": settings.SITE_URL + reverse("email-unsubscribe", args=[raw]),
        "link_again_url": settings.SITE_URL + reverse("volunteer-link-again"),
    }


def _to_volunteer(
    offer: Offer,
    *,
    template: str,
    subject: str,
    extra: dict[str, Any] | None = None,
    full: bool = False,
) -> EmailMultiAlternatives:
    """An email to the offer's volunteer about its request; call inside their language.
    `full`: with the address and the note (for the volunteer who accepted only)."""
    volunteer = offer.volunteer
    links = personal_links(volunteer)
    context = {
        **appointment(offer.request, full=full),
        **links,
        "name": volunteer.name,
        **(extra or {}),
    }
    return _compose(
        template=template,
        context=context,
        subject=subject,
        to=[volunteer.email],
        headers={
            "List-Unsubscribe": f"<{links['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def offer_link(raw_token: str) -> str:
    return settings.SITE_URL + reverse("offer", args=[raw_token])


def offer_email(*, offer: Offer, raw_token: str) -> EmailMultiAlternatives:
    """ "Can you help?" with the link to the offer's page (accept or decline there)."""
    link = offer_link(raw_token)
    with translation.override(offer.volunteer.email_language):
        return _to_volunteer(
            offer,
            template="offer",
            subject=subject_of(offer.request),
            extra={
                "link": link,
                "accept_url": f"{link}#accept",
                "decline_url": f"{link}#decline",
                # Told "already taken" for this request before: the place came free again.
                "free_again": offer.notices.filter(kind=Notice.Kind.CLOSED).exists(),
                "stretch": stretch_note(offer),
                "details_on_page": bool(offer.request.address or offer.request.note),
            },
        )


PART_OF_DAY = {
    "morning": gettext_noop("%(weekday)s morning"),
    "afternoon": gettext_noop("%(weekday)s afternoon"),
    "evening": gettext_noop("%(weekday)s evening"),
}


def stretch_note(offer: Offer) -> str:
    """A kind word when the offer asks more than the person said they would give: a time
    outside their stated weekly times, or a place beyond their travel limit (flexible people
    only are asked so). Empty otherwise. In the active language."""
    notes = []
    if offer.outside_times:
        local = offer.request.starts_at.astimezone(BERLIN)
        part = "morning" if local.hour < 12 else "afternoon" if local.hour < 17 else "evening"
        when = _(PART_OF_DAY[part]) % {"weekday": WEEKDAYS[local.weekday()]}
        notes.append(_("You did not give %(when)s as one of your usual times.") % {"when": when})
    share = float(offer.features.get("distance_share", 0.0) or 0.0)
    if share > 1.0 and not offer.request.remote:
        notes.append(
            _("The place is a little farther than the %(km)d km you said you would travel.")
            % {"km": offer.volunteer.max_distance_km}
        )
    if not notes:
        return ""
    return " ".join([*notes, _("Perhaps it suits you this time anyway?")])


def confirmation_email(offer: Offer, *, raw_token: str) -> EmailMultiAlternatives:
    """After an accept: the details, how to connect (phone/video), the link back to the
    offer's page (where "I can't make it" is), and the calendar invite (.ics)."""
    link = offer_link(raw_token)
    with translation.override(offer.volunteer.email_language):
        message = _to_volunteer(
            offer,
            template="confirmation",
            full=True,
            subject=_("Confirmed: %(subject)s") % {"subject": subject_of(offer.request)},
            extra={
                "link": link,
                "release_url": f"{link}?signoff=1#release",
                "connection": offer.request.connection,
            },
        )
    message.attach("termin.ics", calendar.offer_calendar(offer), "text/calendar")
    return message


def closed_email(offer: Offer) -> EmailMultiAlternatives:
    """An offer the volunteer was sent is closed: the places are taken, or it was cancelled."""
    request = offer.request
    cancelled = request.status == Request.Status.CANCELLED
    with translation.override(offer.volunteer.email_language):
        prefix = _("Cancelled: %(subject)s") if cancelled else _("Already taken: %(subject)s")
        return _to_volunteer(
            offer,
            template="closed",
            subject=prefix % {"subject": subject_of(request)},
            extra={"cancelled": cancelled},
        )


def calendar_cancel_email(offer: Offer, *, released: bool) -> EmailMultiAlternatives:
    """The accepted appointment is off, with the .ics that takes it out of the calendar.

    `released`: the volunteer dropped out (we confirm it); otherwise the office cancelled.
    """
    with translation.override(offer.volunteer.email_language):
        prefix = _("You are signed off: %(subject)s") if released else _("Cancelled: %(subject)s")
        message = _to_volunteer(
            offer,
            template="calendar_cancel",
            full=True,
            subject=prefix % {"subject": subject_of(offer.request)},
            extra={"released": released},
        )
    message.attach("termin.ics", calendar.offer_calendar(offer, cancel=True), "text/calendar")
    return message


def reminder_email(*, offer: Offer, raw_token: str) -> EmailMultiAlternatives:
    """The day before: the details again, and "I can't make it" behind the offer's link."""
    with translation.override(offer.volunteer.email_language):
        return _to_volunteer(
            offer,
            template="reminder",
            full=True,
            subject=_("Tomorrow: %(subject)s") % {"subject": subject_of(offer.request)},
            extra={
                "release_url": f"{offer_link(raw_token)}?signoff=1#release",
                # Reminders go to accepted volunteers only: they may have the connection.
                "connection": offer.request.connection,
            },
        )


def checkin_link(raw_token: str) -> str:
    return settings.SITE_URL + reverse("checkin", args=[raw_token])


def checkin_email(outcome: Outcome, *, raw_token: str, reminder: bool) -> EmailMultiAlternatives:
    """After the appointment: how did it go? The link opens the check-in page of this one
    assignment, where two taps answer the usual case. Only the area, as in every email that is
    not the confirmation: the check-in needs no address or note."""
    offer = outcome.offer
    link = checkin_link(raw_token)
    with translation.override(offer.volunteer.email_language):
        subject = _("How did it go? %(subject)s") % {"subject": subject_of(offer.request)}
        if reminder:
            subject = _("Reminder: %(subject)s") % {"subject": subject}
        return _to_volunteer(
            offer,
            template="checkin",
            subject=subject,
            extra={"link": link, "as_planned_url": f"{link}#as-planned", "reminder": reminder},
        )


# --- To offices -----------------------------------------------------------------------------

OFFICE_SUBJECTS = {
    "filled": gettext_noop("Filled: %(subject)s"),
    "all_declined": gettext_noop("Everyone asked declined: %(subject)s"),
    "unfilled": gettext_noop("Nobody left to ask: %(subject)s"),
    "escalation": gettext_noop("Not filled yet, appointment soon: %(subject)s"),
    "released": gettext_noop("A volunteer dropped out: %(subject)s"),
    "undeliverable": gettext_noop("Email not delivered: %(subject)s"),
    "offer_failed": gettext_noop("Could not offer: %(subject)s"),
}


# Alerts about a place still free: they say who else could take it.
EXPLAINED = frozenset(
    {
        Notice.Kind.ALL_DECLINED,
        Notice.Kind.UNFILLED,
        Notice.Kind.ESCALATION,
        Notice.Kind.RELEASED,
    }
)


def staff_url(request: Request) -> str:
    """Where staff see the request: its page in the staff web app."""
    return settings.SITE_URL + reverse("staff-request", args=[request.pk])


def office_email(
    *, kind: str, request: Request, offer: Offer | None = None, what: str = ""
) -> EmailMultiAlternatives | None:
    """An alert to the request's office (`Office.email`), in the site's language; None if the
    office has no address. `offer`: the volunteer it is about; `what`: the undelivered email."""
    office = request.office
    if not office.email:
        return None
    offers = list(request.offers.select_related("volunteer").order_by("wave", "pk"))
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            **appointment(request),
            "kind": kind,
            "request": request,
            "number": request.pk,
            "staff_url": staff_url(request),
            "volunteer": offer.volunteer if offer is not None else None,
            "release_reason": offer.release_reason if offer is not None else "",
            "what": what,
            "accepted": [o for o in offers if o.status == Offer.Status.ACCEPTED],
            "asked": sum(1 for o in offers if o.sent_at is not None),
            "declined": sum(1 for o in offers if o.status == Offer.Status.DECLINED),
            "open": sum(1 for o in offers if o.status in Offer.OPEN),
            "free": request.places_free,
            # Alerts about places still free say who else could be asked, condition by
            # condition, and what to change when nobody is left (a few counts).
            "funnel": funnel.funnel(request) if kind in EXPLAINED else None,
        }
        subject = _(OFFICE_SUBJECTS[kind]) % {"subject": subject_of(request)}
        return _compose(
            template="office",
            context=context,
            subject=f"[Lotse #{request.pk}] {subject}",
            to=[office.email],
        )
