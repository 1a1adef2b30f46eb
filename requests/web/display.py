"""How the staff pages write times, statuses and requests: Europe/Berlin, with weekday names.

Times are stored in UTC and always shown on Dortmund's wall clock, whatever zone the server or
the browser is in. Weekday and month names come from Django's own translations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from requests.models import Offer, Request
from volunteers.places import BERLIN
from volunteers.translation import staff_language

# Appointments this close that still lack volunteers are marked urgent and listed first.
URGENT_WITHIN = dt.timedelta(hours=48)

_DAY = {"de": "D j.n.", "en": "D j M"}
_DAY_WITH_YEAR = {"de": "D j.n.Y", "en": "D j M Y"}


def berlin(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(BERLIN)


def day_text(moment: dt.datetime, *, now: dt.datetime | None = None) -> str:
    """E.g. "Di 24.11." ("Tue 24 Nov"); with the year when it is not this year's."""
    local = berlin(moment)
    this_year = berlin(now or timezone.now()).year
    formats = _DAY if local.year == this_year else _DAY_WITH_YEAR
    return dateformat.format(local, formats[staff_language()])


def moment_text(moment: dt.datetime | None, *, now: dt.datetime | None = None) -> str:
    """E.g. "Di 24.11., 10:02"; "" for no time."""
    if moment is None:
        return ""
    return f"{day_text(moment, now=now)}, {berlin(moment):%H:%M}"


def span_text(
    starts_at: dt.datetime, ends_at: dt.datetime, *, now: dt.datetime | None = None
) -> str:
    """E.g. "Di 24.11., 10:00–11:30", with a relative word for today and tomorrow."""
    start, end = berlin(starts_at), berlin(ends_at)
    today = berlin(now or timezone.now()).date()
    day = day_text(starts_at, now=now)
    # Outside f-strings: xgettext does not look into them.
    if start.date() == today:
        day = pgettext("day", "today") + ", " + day
    elif start.date() == today + dt.timedelta(days=1):
        day = pgettext("day", "tomorrow") + ", " + day
    if start.date() == end.date():
        return f"{day}, {start:%H:%M}–{end:%H:%M}"
    return f"{day}, {start:%H:%M} – {moment_text(ends_at, now=now)}"


def is_urgent(request: Request, *, now: dt.datetime | None = None) -> bool:
    """Still without all its volunteers, and the appointment starts within 48 hours."""
    now = now or timezone.now()
    return request.takes_offers(now=now) and request.starts_at <= now + URGENT_WITHIN


@dataclass(frozen=True)
class Badge:
    css: str
    label: str


def request_badge(request: Request) -> Badge:
    return Badge(f"badge status-{request.status}", str(request.get_status_display()))


def offer_badge(offer: Offer) -> Badge:
    if offer.released_at is not None:
        return Badge(f"badge offer-{offer.status}", _("dropped out"))
    return Badge(f"badge offer-{offer.status}", str(offer.get_status_display()))


def offer_event(offer: Offer, *, now: dt.datetime | None = None) -> str:
    """What became of one offer, in a few words: "declined Di 24.11., 11:05: too far away"."""
    answered = moment_text(offer.responded_at, now=now)
    sent = moment_text(offer.sent_at, now=now)
    match offer.status:
        case Offer.Status.QUEUED:
            return _("waiting to be sent")
        case Offer.Status.SENT:
            return _("sent %(when)s, no answer yet") % {"when": sent}
        case Offer.Status.ACCEPTED:
            return _("accepted %(when)s") % {"when": answered}
        case Offer.Status.DECLINED:
            if offer.decline_reason:
                return _("declined %(when)s: %(reason)s") % {
                    "when": answered,
                    "reason": offer.get_decline_reason_display(),
                }
            return _("declined %(when)s, no reason given") % {"when": answered}
        case Offer.Status.EXPIRED:
            return (
                _("expired unanswered %(when)s") % {"when": answered}
                if answered
                else _("expired unanswered")
            )
        case Offer.Status.FAILED:
            return _("could not be delivered")
        case _ if offer.released_at is not None:
            when = moment_text(offer.released_at, now=now)
            if offer.release_reason:
                return _("accepted, then dropped out %(when)s: “%(reason)s”") % {
                    "when": when,
                    "reason": offer.release_reason,
                }
            return _("accepted, then dropped out %(when)s") % {"when": when}
        case _:
            return _("withdrawn %(when)s") % {"when": answered} if answered else _("withdrawn")


def wave_label(wave: int) -> str:
    if wave == 0:
        return _("Asked by hand")
    return _("Wave %(number)d") % {"number": wave}
