"""The check-in page: two taps record the usual answer, other answers and travel costs, bad
input is a friendly 400, and the link opens this one assignment only, without JavaScript."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from requests import outcomes
from requests.models import Outcome
from tests.factories.requests import accepted_offer, at, days_ahead, make_request
from tests.factories.volunteers import VolunteerFactory
from volunteers.audit import AuditEntry
from workers import tasks

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://[^/\s]+(/checkin/[\w-]+/)")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def checkin_path(office, mailoutbox, *, starts: str = "10:00", email: str = "") -> str:
    """An appointment 10:00–11:30 yesterday, its check-in sent; the path from the email."""
    starts_at = at(days_ahead(-1), starts)
    week_before = starts_at - dt.timedelta(days=7)
    need = make_request(
        office=office,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=90),
        now=week_before,
    )
    volunteer = VolunteerFactory(email_language="en", **({"email": email} if email else {}))
    accepted_offer(need, volunteer, now=week_before)
    tasks.start_checkins.delay()
    (email_message,) = [m for m in mailoutbox if m.to == [volunteer.email]]
    return LINK.search(email_message.body).group(1)


def test_two_taps_record_yes_as_planned(office_a, mailoutbox):
    """Tap the link, tap "Yes, as planned": took place, the planned 1.5 hours, answered now,
    and the trail has the volunteer's answer. Opening the link changed nothing."""
    path = checkin_path(office_a, mailoutbox)
    client = Client()
    page = client.get(path)
    assert page.status_code == 200
    assert 'value="as_planned"' in page.content.decode()
    assert "<script" not in page.content.decode()
    outcome = Outcome.objects.get()
    assert outcome.result == "" and outcome.answered_at is None
    answered = client.post(path, {"answer": "as_planned"})
    assert answered.status_code == 303
    outcome.refresh_from_db()
    assert (outcome.result, outcome.hours) == ("took_place", Decimal("1.50"))
    assert outcome.answered_at is not None
    thanks = client.get(answered["Location"])
    assert "Thank you! Your answer is saved." in thanks.content.decode()
    entry = AuditEntry.objects.get(event="checkin_answered")
    assert (entry.volunteer_id, entry.channel) == (outcome.volunteer_id, "email_link")


def test_other_hours_travel_and_the_wish_to_talk(office_a, mailoutbox):
    """ "Yes, but differently: 2,5 hours", 12,5 km, a ticket of 4,90 €, "I would like to
    talk": all recorded; the comment is kept as free text."""
    path = checkin_path(office_a, mailoutbox)
    Client().post(
        path,
        {
            "answer": "other_hours",
            "hours": "2,5",
            "km": "12,5",
            "ticket_euros": "4,90",
            "wants_to_talk": "1",
            "comment": "Der Termin war schwierig.",
        },
    )
    outcome = Outcome.objects.get()
    assert outcome.result == "took_place"
    assert (outcome.hours, outcome.km, outcome.ticket_cents) == (
        Decimal("2.50"),
        Decimal("12.5"),
        490,
    )
    assert outcome.wants_to_talk and outcome.comment == "Der Termin war schwierig."


@pytest.mark.parametrize(
    ("answer", "result"),
    [
        ("client_no_show", "client_no_show"),
        ("cancelled", "cancelled"),
        ("volunteer_no_show", "volunteer_no_show"),
    ],
)
def test_each_no_is_recorded_with_no_hours(office_a, mailoutbox, answer, result):
    path = checkin_path(office_a, mailoutbox)
    assert Client().post(path, {"answer": answer}).status_code == 303
    outcome = Outcome.objects.get()
    assert (outcome.result, outcome.hours) == (result, Decimal(0))


def test_enter_in_the_hours_field_means_yes_but_differently(office_a, mailoutbox):
    path = checkin_path(office_a, mailoutbox)
    Client().post(path, {"answer": "typed", "hours": "3"})
    assert Outcome.objects.get().hours == Decimal("3.00")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"answer": "other_hours", "hours": ""}, "How many hours was it?"),
        ({"answer": "other_hours", "hours": "25"}, "Enter a number from 0 to 24."),
        ({"answer": "as_planned", "km": "viele"}, "Enter a number."),
        ({"answer": "volunteer_no_show", "km": "8"}, "Travel costs only arise"),
        ({"answer": "maybe"}, "Choose one of the answers."),
    ],
)
def test_bad_input_is_a_friendly_400_that_keeps_what_was_typed(office_a, mailoutbox, data, message):
    path = checkin_path(office_a, mailoutbox)
    response = Client().post(path, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Outcome.objects.get().result == ""


def test_the_link_opens_this_assignment_only_and_expires(office_a, mailoutbox, settings):
    """Another assignment's link opens the other one; a forged one and an expired one open
    nothing; an erased person's link opens nothing."""
    mine = checkin_path(office_a, mailoutbox, starts="10:00", email="me@lotse.example")
    theirs = checkin_path(office_a, mailoutbox, starts="14:00", email="them@lotse.example")
    client = Client()
    client.post(mine, {"answer": "as_planned"})
    results = dict(Outcome.objects.values_list("volunteer__email", "result"))
    assert results == {"me@lotse.example": "took_place", "them@lotse.example": ""}
    assert client.get(theirs).status_code == 200
    assert client.get("/checkin/forged-token-of-the-right-length-abcdefghijk/").status_code == 404
    outcome = Outcome.objects.get(volunteer__email="them@lotse.example")
    outcome.links.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    expired = client.get(theirs)
    assert expired.status_code == 404
    assert "abgelaufen" in expired.content.decode()


def test_after_the_office_confirmed_the_answer_no_longer_changes(office_a, mailoutbox, staff_a):
    path = checkin_path(office_a, mailoutbox)
    outcome = Outcome.objects.get()
    outcomes.confirm(outcome=outcome, by=staff_a.user, result="client_no_show")
    client = Client()
    assert "The office has confirmed" in client.get(path).content.decode()
    assert client.post(path, {"answer": "as_planned"}).status_code == 409
    assert Outcome.objects.get().result == "client_no_show"
