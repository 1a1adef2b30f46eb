"""Every email renders in German and English, text and HTML, with the Berlin wall-clock time.

The appointment of most tests is on Sunday 25 October 2026, the day daylight saving time ends
in Berlin (03:00 CEST → 02:00 CET): 10:00 that morning is 09:00 UTC, and every email, subject
and calendar file must say 10:00, not 11:00 (the summer offset) or 09:00 (UTC).
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django.utils import timezone
from icalendar import Calendar

from requests import calendar
from requests.models import Offer, Request
from tests.factories.requests import make_request, mark_sent, queued_offer
from tests.factories.volunteers import VolunteerFactory
from workers import emails

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
DST_END = dt.datetime(2026, 10, 25, 10, 0, tzinfo=BERLIN)
RECORDED = dt.datetime(2026, 10, 1, 9, 0, tzinfo=BERLIN)


@pytest.fixture
def request_on_dst_day(office_a):
    office_a.name, office_a.phone = "lokal willkommen Huckarde", "0231 5550100"
    office_a.save()
    return make_request(
        office=office_a,
        starts_at=DST_END,
        ends_at=DST_END + dt.timedelta(minutes=90),
        languages=["fa", "de"],
        postcode="44369",  # Huckarde
        address="Bezirksverwaltungsstelle, Urbanusstraße 5",
        note="Termin beim Sozialamt, bitte 10 Minuten früher da sein",
        now=RECORDED,
    )


def offer_for(request: Request, language: str, **fields) -> Offer:
    volunteer = VolunteerFactory(
        name="Neda Karimi", email=f"neda-{language}@lotse.example", email_language=language
    )
    offer = mark_sent(queued_offer(request, volunteer))
    for field, value in fields.items():
        setattr(offer, field, value)
    offer.save()
    return Offer.objects.select_related("request__office", "request__skill", "volunteer").get(
        pk=offer.pk
    )


def html_of(message) -> str:
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    return html


def ics_of(message) -> Calendar:
    ((name, content, mimetype),) = message.attachments
    assert (name, mimetype) == ("termin.ics", "text/calendar")
    return Calendar.from_ical(content)


def test_it_utc_stores_the_dst_day_appointment_as_nine(request_on_dst_day):
    """The premise: 10:00 in Berlin on 25 October 2026 is 09:00 UTC (winter time)."""
    assert request_on_dst_day.starts_at.astimezone(dt.UTC).hour == 9


def test_it_writes_the_offer_in_german(request_on_dst_day):
    """Subject says what, when (Berlin time), where; the body has the links and no account."""
    message = emails.offer_email(offer=offer_for(request_on_dst_day, "de"), raw_token="tok123")
    assert message.subject == "Sprachmittlung Persisch – So 25.10., 10:00 – Huckarde"
    body = message.body
    assert body.startswith("Hallo Neda Karimi,")
    assert "lokal willkommen Huckarde sucht Unterstützung und denkt dabei an Sie:" in body
    assert "Sonntag, 25. Oktober 2026, 10:00–11:30" in body
    # The area only: the address and the note are on the offer's page, and in the confirmation
    # to whoever accepts (tests/audit/test_minimisation.py).
    assert "44369 Huckarde" in body
    assert "Urbanusstraße" not in body and "Termin beim Sozialamt" not in body
    assert "Die Adresse und die Hinweise stehen auf der Seite des Angebots" in body
    assert "Ja, ich übernehme das: http://testserver/offers/tok123/#accept" in body or (
        "/offers/tok123/#accept" in body
    )
    assert "/offers/tok123/#decline" in body
    assert re.search(r"Keine Angebote mehr: \S+/email/unsubscribe/[\w-]{20,}/\n", body)
    profile = r"Mein Profil \(den Link schicken wir per E-Mail\): \S+/volunteer/link/\n"
    assert re.search(profile, body)
    assert "0231 5550100" in body
    html = html_of(message)
    assert '<html lang="de" dir="ltr">' in html
    assert "/offers/tok123/#accept" in html
    assert "Keine Angebote mehr" in html


def test_it_writes_the_offer_in_english(request_on_dst_day):
    """The same offer for a volunteer who reads English: English words, the same 10:00."""
    message = emails.offer_email(offer=offer_for(request_on_dst_day, "en"), raw_token="tok123")
    assert message.subject == "Interpreting Persian – Sun 25.10., 10:00 – Huckarde"
    body = message.body
    assert body.startswith("Hello Neda Karimi,")
    assert "lokal willkommen Huckarde is looking for help and thinks of you:" in body
    assert "Sunday, 25 October 2026, 10:00–11:30" in body
    assert "Yes, I will do it: " in body
    assert "No more offers: " in body
    assert "My profile (we email you a link): " in body
    assert '<html lang="en" dir="ltr">' in html_of(message)


def test_it_adds_the_unsubscribe_headers_to_every_volunteer_email(request_on_dst_day):
    """List-Unsubscribe points at the one-click URL; List-Unsubscribe-Post says it is one."""
    offer = offer_for(request_on_dst_day, "de")
    for message in (
        emails.offer_email(offer=offer, raw_token="t"),
        emails.reminder_email(offer=offer, raw_token="t"),
        emails.closed_email(offer),
    ):
        headers = message.message()
        assert re.fullmatch(
            r"<http://[^>]+/email/unsubscribe/[\w-]{20,}/>", headers["List-Unsubscribe"]
        )
        assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert headers["Auto-Submitted"] == "auto-generated"


def test_it_confirms_with_an_invite_at_ten_on_the_dst_day(request_on_dst_day):
    """The confirmation's .ics has DTSTART 10:00 Europe/Berlin (with its VTIMEZONE)."""
    offer = offer_for(request_on_dst_day, "de", status=Offer.Status.ACCEPTED)
    message = emails.confirmation_email(offer, raw_token="tokc")
    assert message.subject == "Bestätigt: Sprachmittlung Persisch – So 25.10., 10:00 – Huckarde"
    assert "Sonntag, 25. Oktober 2026, 10:00–11:30" in message.body
    assert "„Ich kann nicht“" in message.body
    invite = ics_of(message)
    assert invite["METHOD"] == "PUBLISH"
    (event,) = invite.walk("VEVENT")
    start = event.decoded("DTSTART")
    assert (start.hour, start.minute, str(start.tzinfo)) == (10, 0, "Europe/Berlin")
    assert start == DST_END
    assert event.to_ical().decode().count("DTSTART;TZID=Europe/Berlin:20261025T100000") == 1
    assert invite.walk("VTIMEZONE")


def test_it_cancels_the_same_calendar_event(request_on_dst_day):
    """The cancellation's .ics is METHOD:CANCEL for the confirmation's UID, a newer SEQUENCE."""
    offer = offer_for(request_on_dst_day, "en", status=Offer.Status.ACCEPTED)
    (confirmed,) = ics_of(emails.confirmation_email(offer, raw_token="tokc")).walk("VEVENT")
    Request.objects.filter(pk=offer.request_id).update(status=Request.Status.CANCELLED)
    offer.request.refresh_from_db()
    message = emails.calendar_cancel_email(offer, released=False)
    assert message.subject == "Cancelled: Interpreting Persian – Sun 25.10., 10:00 – Huckarde"
    assert "unfortunately the office has cancelled this appointment" in message.body
    invite = ics_of(message)
    assert invite["METHOD"] == "CANCEL"
    (event,) = invite.walk("VEVENT")
    assert event["UID"] == confirmed["UID"] == calendar.event_uid(offer)
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] > confirmed["SEQUENCE"]
    assert event.decoded("DTSTART") == DST_END


def test_it_confirms_a_sign_off_in_german(request_on_dst_day):
    """A volunteer who pressed "I can't make it" is told so, with the calendar update."""
    offer = offer_for(request_on_dst_day, "de", status=Offer.Status.WITHDRAWN)
    message = emails.calendar_cancel_email(offer, released=True)
    assert message.subject.startswith("Abgemeldet: Sprachmittlung Persisch – So 25.10., 10:00")
    assert "Sie haben sich von diesem Termin abgemeldet" in message.body
    assert ics_of(message)["METHOD"] == "CANCEL"


def test_it_says_already_taken_in_both_languages(request_on_dst_day):
    """The others who were asked learn that the places are gone; nothing for them to do."""
    Request.objects.filter(pk=request_on_dst_day.pk).update(status=Request.Status.FILLED)
    german = emails.closed_email(offer_for(request_on_dst_day, "de"))
    assert german.subject == "Schon vergeben: Sprachmittlung Persisch – So 25.10., 10:00 – Huckarde"
    assert "Alle Plätze für diesen Termin sind schon vergeben" in german.body
    english = emails.closed_email(offer_for(request_on_dst_day, "en"))
    assert english.subject.startswith("Already taken: Interpreting Persian – Sun 25.10., 10:00")
    assert "All places for this appointment are taken already" in english.body


def test_it_reminds_the_day_before_with_the_sign_off_link(request_on_dst_day):
    """ "Tomorrow" with the details and the link to the page where one can sign off."""
    offer = offer_for(request_on_dst_day, "de", status=Offer.Status.ACCEPTED)
    message = emails.reminder_email(offer=offer, raw_token="tok9")
    assert message.subject == "Morgen: Sprachmittlung Persisch – So 25.10., 10:00 – Huckarde"
    assert "/offers/tok9/?signoff=1#release" in message.body
    assert "Sonntag, 25. Oktober 2026, 10:00–11:30" in message.body
    assert "Ich kann nicht" in html_of(message)


@pytest.mark.parametrize(
    ("kind", "subject", "text"),
    [
        ("filled", "Besetzt: ", "alle Plätze dieser Anfrage sind vergeben."),
        ("all_declined", "Alle Angefragten haben abgesagt: ", "niemand sonst wird angefragt"),
        ("unfilled", "Niemand mehr anzufragen: ", "Lotse hat niemanden mehr"),
        ("escalation", "Noch nicht besetzt, Termin bald: ", "der Termin ist bald"),
        ("released", "Absage einer Zusage: ", "Neda Karimi kann nicht mehr kommen"),
        ("undeliverable", "E-Mail nicht zugestellt: ", "an Neda Karimi konnte nicht zugestellt"),
    ],
)
def test_it_alerts_the_office_in_german(request_on_dst_day, kind, subject, text):
    """Office alerts go to Office.email, in German, with the request number and a link."""
    offer = offer_for(request_on_dst_day, "en", status=Offer.Status.ACCEPTED)
    message = emails.office_email(
        kind=kind, request=request_on_dst_day, offer=offer, what="confirmation"
    )
    assert message.to == [request_on_dst_day.office.email]
    number = request_on_dst_day.pk
    assert message.subject == (
        f"[Lotse #{number}] {subject}Sprachmittlung Persisch – So 25.10., 10:00 – Huckarde"
    )
    assert text in message.body
    assert f"Anfrage #{number}:" in message.body
    assert "Sonntag, 25. Oktober 2026, 10:00–11:30" in message.body
    assert f"Anfrage ansehen: http://127.0.0.1:8000/requests/{number}/\n" in message.body
    assert "List-Unsubscribe" not in message.message()


def test_it_sends_no_office_alert_without_an_address(request_on_dst_day):
    """An office without an email address gets none (the staff pages show the state)."""
    request_on_dst_day.office.email = ""
    assert emails.office_email(kind="filled", request=request_on_dst_day) is None


def test_it_names_phone_appointments_in_the_subject(office_a):
    """A phone/video appointment has no district: the subject says "Telefon/Video"."""
    request = make_request(
        office=office_a,
        starts_at=DST_END,
        remote=True,
        postcode="",
        languages=["ar", "de"],
        now=RECORDED,
    )
    with timezone.override(dt.UTC):  # the server's zone does not matter
        subject = emails.subject_of(Request.objects.get(pk=request.pk))
    assert subject.endswith("So 25.10., 10:00 – Telefon/Video")
    assert "Arabisch" in subject


def test_it_names_german_when_only_german_is_asked(office_a):
    """German is left out of the subject only when another language is named."""
    request = make_request(
        office=office_a, starts_at=DST_END, languages=["de"], skill_code="letters", now=RECORDED
    )
    assert " Deutsch – So 25.10., 10:00" in emails.subject_of(request)


def test_it_sets_dir_for_right_to_left_languages(request_on_dst_day, settings):
    """The layout takes `dir` from the language: ready for Arabic or Persian templates."""
    from django.utils import translation

    settings.LANGUAGES = [*settings.LANGUAGES, ("fa", "فارسی")]
    offer = offer_for(request_on_dst_day, "de")
    with translation.override("fa"):
        message = emails._compose(
            template="closed", context={"name": "x"}, subject="s", to=["a@b.example"]
        )
    assert '<html lang="fa" dir="rtl">' in html_of(message)
    assert offer  # the offer's own email stays in its reader's language
