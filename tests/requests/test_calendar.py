"""The calendar invite of an accepted offer (.ics) and the link that serves it."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from icalendar import Calendar, Event

from requests import calendar, offers
from requests.models import Offer, Request
from tests.factories.requests import SentOffer, offered

pytestmark = pytest.mark.django_db

UTC = dt.UTC
AUTUMN_2027 = dt.datetime(2027, 10, 31, 9, 0, tzinfo=UTC)  # 10:00 CET
SPRING_2027 = dt.datetime(2027, 3, 28, 8, 0, tzinfo=UTC)  # 10:00 CEST


@pytest.fixture(autouse=True)
def unused_rate_limit():
    """The calendar link shares the offer pages' rate limit, which lives in the cache."""
    cache.clear()
    yield
    cache.clear()


def accepted(**fields: Any) -> tuple[Request, SentOffer, Offer]:
    request, [sent] = offered(**fields)
    offers.accept(offer=sent.offer)
    return request, sent, sent.reload()


def only_event(ics: bytes) -> tuple[Calendar, Event]:
    parsed = Calendar.from_ical(ics)
    events = list(parsed.walk("VEVENT"))
    assert len(events) == 1, ics.decode()
    return parsed, events[0]


@pytest.mark.parametrize("starts_at", [AUTUMN_2027, SPRING_2027], ids=["winter", "summer"])
def test_it_puts_the_appointment_at_berlin_wall_clock_time(starts_at):
    """A 10:00 appointment in Dortmund is 10:00 Europe/Berlin in the calendar, with the
    zone's rules included, in winter and in summer time."""
    _, _, offer = accepted(starts_at=starts_at)

    parsed, event = only_event(calendar.offer_calendar(offer))

    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert (start.hour, start.minute) == (10, 0)
    assert (end.hour, end.minute) == (11, 30)
    assert start.astimezone(UTC) == starts_at
    assert [str(tz["TZID"]) for tz in parsed.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert str(parsed["METHOD"]) == "PUBLISH"


def test_it_gives_the_event_a_stable_uid():
    """The same offer always yields the same UID (a calendar updates instead of duplicating);
    another offer yields another."""
    _, _, offer = accepted()
    _, _, other = accepted()

    _, first = only_event(calendar.offer_calendar(offer))
    _, again = only_event(calendar.offer_calendar(offer))
    _, different = only_event(calendar.offer_calendar(other))

    host = urlsplit(settings.SITE_URL).hostname
    assert str(first["UID"]) == f"offer-{offer.pk}@{host}"
    assert str(again["UID"]) == str(first["UID"])
    assert str(different["UID"]) != str(first["UID"])


def test_it_describes_the_task_in_the_volunteers_language():
    """Title, place and description name the task, the place and how to reach the office."""
    request, _, offer = accepted(
        note="Bitte Ausweis mitbringen", volunteer={"email_language": "en"}
    )
    office = request.office

    _, event = only_event(calendar.offer_calendar(offer))

    assert str(event["SUMMARY"]) == "Interpreting Persian–German"
    assert str(event["LOCATION"]) == "Amtsstraße 1, 44357"
    description = str(event["DESCRIPTION"])
    for part in ("Bitte Ausweis mitbringen", office.name, office.phone, office.email):
        assert part in description


def test_it_names_the_task_in_german_for_a_german_volunteer():
    """A volunteer with German emails gets "Sprachmittlung Persisch–Deutsch"."""
    _, _, offer = accepted()

    _, event = only_event(calendar.offer_calendar(offer))

    assert str(event["SUMMARY"]) == "Sprachmittlung Persisch–Deutsch"


def test_it_gives_phone_or_video_as_the_place_of_a_remote_task():
    """A remote task has no address in the calendar."""
    _, _, offer = accepted(remote=True, volunteer={"email_language": "en"})

    _, event = only_event(calendar.offer_calendar(offer))

    assert str(event["LOCATION"]) == "Phone/video"


def test_it_serves_the_invite_behind_the_offer_link_once_accepted(client):
    """GET /offers/<token>/calendar.ics: an .ics download for an accepted offer."""
    _, sent, offer = accepted(starts_at=AUTUMN_2027)

    response = client.get(sent.calendar_path)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    _, event = only_event(response.content)
    assert str(event["UID"]).startswith(f"offer-{offer.pk}@")


@pytest.mark.parametrize("answer", [None, "decline"], ids=["open", "declined"])
def test_it_has_no_invite_for_an_offer_not_accepted(client, answer):
    """An open or declined offer's calendar link answers 404 and points back to the offer."""
    _, [sent] = offered(volunteer={"email_language": "en"})
    if answer:
        offers.decline(offer=sent.offer)

    response = client.get(sent.calendar_path)

    assert response.status_code == 404
    assert "No calendar entry for this offer" in response.content.decode()
    assert f'href="{sent.path}"' in response.content.decode()
