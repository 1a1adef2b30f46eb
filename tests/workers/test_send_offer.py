"""An offer made by hand reaches the volunteer by email with a link that opens the offer."""

import re

import pytest
from django.test import Client
from icalendar import Calendar

from requests import offers
from requests.models import Offer
from tests.factories.requests import make_request
from tests.factories.volunteers import VolunteerFactory
from workers import sending

LINK = re.compile(r"http://[^\s\"<>]+/offers/[A-Za-z0-9_-]+/")


def to_volunteer(outbox):
    """The emails to the volunteer (the office gets its own, e.g. "filled")."""
    return [m for m in outbox if m.to == ["neda@lotse.example"]]


@pytest.fixture
def volunteer(db):
    return VolunteerFactory(name="Neda Karimi", email="neda@lotse.example", email_language="de")


def test_it_emails_the_offer_with_a_working_link(
    office_a, volunteer, mailoutbox, django_capture_on_commit_callbacks
):
    """Offer by hand → one email to the volunteer → its link opens the offer with two buttons."""
    request = make_request(office=office_a, languages=["fa", "de"])
    with django_capture_on_commit_callbacks(execute=True):
        offer = offers.offer_by_hand(request=request, volunteer=volunteer)
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["neda@lotse.example"]
    assert message.subject.startswith("Sprachmittlung Persisch – ")
    assert "Können Sie helfen? Bitte antworten Sie hier" in message.body
    (link,) = set(LINK.findall(message.body))
    page = Client().get(link)
    assert page.status_code == 200
    assert "Können Sie helfen?" in page.content.decode()
    offer.refresh_from_db()
    assert offer.status == Offer.Status.SENT
    assert offer.sent_at is not None


def test_it_sends_nothing_twice(
    office_a, volunteer, mailoutbox, django_capture_on_commit_callbacks
):
    """A redelivered task finds the offer sent already and sends no second email."""
    request = make_request(office=office_a)
    with django_capture_on_commit_callbacks(execute=True):
        offer = offers.offer_by_hand(request=request, volunteer=volunteer)
    assert sending.send_offer(offer_id=offer.pk) == "skipped: sent"
    assert len(mailoutbox) == 1


def test_it_sends_nothing_for_a_withdrawn_offer(
    office_a, volunteer, mailoutbox, django_capture_on_commit_callbacks
):
    """An offer withdrawn before the worker got to it (request cancelled) is never emailed."""
    request = make_request(office=office_a)
    with django_capture_on_commit_callbacks(execute=False):
        offer = offers.offer_by_hand(request=request, volunteer=volunteer)
    Offer.objects.filter(pk=offer.pk).update(status=Offer.Status.WITHDRAWN)
    assert sending.send_offer(offer_id=offer.pk) == "skipped: withdrawn"
    assert mailoutbox == []


def test_it_writes_to_the_volunteer_in_their_language(
    office_a, mailoutbox, django_capture_on_commit_callbacks
):
    """A volunteer who chose English gets the offer in English."""
    volunteer = VolunteerFactory(email="sam@lotse.example", email_language="en")
    request = make_request(office=office_a, languages=["fa", "de"])
    with django_capture_on_commit_callbacks(execute=True):
        offers.offer_by_hand(request=request, volunteer=volunteer)
    assert mailoutbox[0].subject.startswith("Interpreting Persian – ")
    assert "Can you help?" in mailoutbox[0].body


def test_it_confirms_an_accept_with_a_calendar_invite(
    office_a, volunteer, mailoutbox, django_capture_on_commit_callbacks
):
    """After "Ja, ich übernehme das" the volunteer gets a confirmation with a valid .ics."""
    request = make_request(office=office_a, languages=["fa", "de"])
    with django_capture_on_commit_callbacks(execute=True):
        offers.offer_by_hand(request=request, volunteer=volunteer)
    (link,) = set(LINK.findall(mailoutbox[0].body))
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(link, {"action": "accept"})
    assert response.status_code == 303
    confirmation = mailoutbox[1]
    assert confirmation.subject.startswith("Bestätigt: Sprachmittlung Persisch – ")
    assert "Der Platz gehört Ihnen" in confirmation.body
    (name, content, mimetype) = confirmation.attachments[0]
    assert (name, mimetype) == ("termin.ics", "text/calendar")
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    start = event.decoded("DTSTART")
    assert start == request.starts_at
    assert str(start.tzinfo) == "Europe/Berlin"


def test_it_sends_the_confirmation_once(
    office_a, volunteer, mailoutbox, django_capture_on_commit_callbacks
):
    """A redelivered confirmation task finds it sent already and sends no second email."""
    request = make_request(office=office_a)
    with django_capture_on_commit_callbacks(execute=True):
        offer = offers.offer_by_hand(request=request, volunteer=volunteer)
    (link,) = set(LINK.findall(mailoutbox[0].body))
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(link, {"action": "accept"})
    assert len(to_volunteer(mailoutbox)) == 2
    assert sending.send_confirmation(offer_id=offer.pk) == "skipped: confirmed already"
    assert len(to_volunteer(mailoutbox)) == 2
