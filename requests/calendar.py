"""An appointment as people read it: its title, local time and place, and the .ics invite.

Times are stored in UTC and always shown on Dortmund's wall clock (Europe/Berlin), whatever
zone the server or the volunteer's phone is in; the .ics carries the zone (TZID plus a
VTIMEZONE), so calendars keep 10:00 at 10:00 across a daylight-saving change. Texts come out in
the active language: callers speaking to a volunteer wrap them in
`translation.override(volunteer.email_language)`, as `offer_calendar` does itself.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import dateformat, timezone, translation
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from requests.models import Offer, Request
from volunteers import languages
from volunteers.places import BERLIN
from volunteers.translation import active_language

# Weekday, day, month and year; the names come from Django's own translations ("E" is the month
# as a date needs it in Ukrainian and Russian: "24 листопада", not "24 листопад").
_DAY_FORMATS = {
    "de": "l, j. F Y",
    "en": "l, j F Y",
    "ar": "l، j F Y",
    "fa": "l j F Y",
    "uk": "l, j E Y р.",
    "ru": "l, j E Y г.",
    "tr": "j F Y, l",
}


def _day_format() -> str:
    """A language without its own entry gets the weekday before its locale's date."""
    lang = active_language()
    return _DAY_FORMATS.get(lang) or f"l, {get_format('DATE_FORMAT', lang)}"


PRODID = "-//Lotse//Offers//DE"


def when_text(*, starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    """E.g. "Dienstag, 24. November 2026, 10:00–11:30", in Europe/Berlin local time."""
    day_format = _day_format()
    start, end = starts_at.astimezone(BERLIN), ends_at.astimezone(BERLIN)
    day = dateformat.format(start, day_format)
    if start.date() == end.date():
        return f"{day}, {start:%H:%M}–{end:%H:%M}"
    # Up to 12 hours long, so an evening appointment may end on the next day.
    return f"{day}, {start:%H:%M} – {dateformat.format(end, day_format)}, {end:%H:%M}"


def language_names(request: Request) -> list[str]:
    """The request's languages named in the active language, in the order staff gave them."""
    lang = active_language()
    return [languages.display_name(code, lang) for code in request.language_codes]


def title(request: Request) -> str:
    """E.g. "Sprachmittlung Persisch–Deutsch": the skill and the languages it is needed in."""
    return f"{request.skill.name} {'–'.join(language_names(request))}".strip()


def place_text(request: Request) -> str:
    """One line for the place: address and postcode, or phone/video."""
    if request.remote:
        return _("Phone/video")
    parts = [request.address] if request.address else []
    if request.postcode and request.postcode not in request.address:
        parts.append(request.postcode)
    return ", ".join(parts)


def area_text(request: Request) -> str:
    """The area without the address: postcode and district, or phone/video."""
    if request.remote:
        return _("Phone/video")
    return " ".join(part for part in (request.postcode, request.district) if part)


def event_uid(offer: Offer) -> str:
    """Stable per offer, so a calendar replaces the entry instead of adding a second one."""
    host = urlsplit(settings.SITE_URL).hostname
    return f"offer-{offer.pk}@{host}"


def _description(request: Request) -> str:
    office = request.office
    lines = []
    if request.note:
        lines += [request.note, ""]
    lines += [
        _("Languages: %(names)s") % {"names": ", ".join(language_names(request))},
        "",
        _("If your plans change, please tell the office at once:"),
        office.name,
        office.address,
    ]
    if office.phone:
        lines.append(_("Phone: %(phone)s") % {"phone": office.phone})
    if office.email:
        lines.append(_("Email: %(email)s") % {"email": office.email})
    return "\n".join(lines)


def offer_calendar(offer: Offer, *, cancel: bool = False) -> bytes:
    """The .ics file for an accepted offer's appointment: METHOD:PUBLISH with one VEVENT.

    With `cancel`, the same event (same UID, a higher SEQUENCE) as METHOD:CANCEL and
    STATUS:CANCELLED: a calendar that imported the invite removes or strikes the entry.
    """
    request = offer.request
    start = request.starts_at.astimezone(BERLIN)
    end = request.ends_at.astimezone(BERLIN)
    with translation.override(offer.volunteer.email_language):
        calendar = Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        calendar.add("method", "CANCEL" if cancel else "PUBLISH")
        event = Event()
        event.add("uid", event_uid(offer))
        event.add("sequence", 1 if cancel else 0)
        event.add("dtstamp", timezone.now() if cancel else offer.responded_at or timezone.now())
        event.add("dtstart", start)
        event.add("dtend", end)
        event.add("summary", title(request))
        event.add("location", place_text(request))
        event.add("description", _description(request))
        event.add("status", "CANCELLED" if cancel else "CONFIRMED")
        calendar.add_component(event)
    # The zone's rules for the appointment's years only: the full history since 1970 would
    # triple the file for nothing.
    calendar.add_missing_timezones(
        first_date=dt.date(start.year, 1, 1), last_date=dt.date(end.year + 1, 12, 31)
    )
    return calendar.to_ical()
