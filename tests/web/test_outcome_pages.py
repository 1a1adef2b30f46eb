"""Staff confirm what became of an assignment on the request's page: the volunteer's answer,
corrections of hours and expenses, who did not come; every change in the audit trail."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from requests import outcomes
from requests.models import Offer, Outcome
from tests.factories.requests import accepted_offer, at, days_ahead, make_request
from tests.factories.volunteers import VolunteerFactory
from tests.web.helpers import signed_in
from volunteers.audit import AuditEntry

pytestmark = pytest.mark.django_db


def done_yesterday(office, *, name: str = "Reza Rahimi") -> Offer:
    """An appointment 10:00–12:00 yesterday, accepted a week before it."""
    starts_at = at(days_ahead(-1), "10:00")
    week_before = starts_at - dt.timedelta(days=7)
    need = make_request(office=office, starts_at=starts_at, now=week_before)
    return accepted_offer(need, VolunteerFactory(name=name), now=week_before)


def outcome_url(offer: Offer) -> str:
    return reverse("staff-outcome", args=[offer.request_id, offer.pk])


def test_the_request_page_shows_the_answer_and_the_quiet_flag(staff_a, office_a):
    """The volunteer answered "as planned" and would like to talk: the page says so, the
    dashboard lists the flag, and "we have talked" takes it down."""
    offer = done_yesterday(office_a)
    outcome = outcomes.outcome_of(offer=offer)
    outcomes.answer(outcome=outcome, choice="as_planned", km="8", wants_to_talk=True)
    client = signed_in(staff_a)
    page = client.get(reverse("staff-request", args=[offer.request_id])).content.decode()
    section = page[page.index('id="outcomes"') :]
    assert "Reza Rahimi" in section and 'data-outcome-result="took_place"' in section
    assert "2 h" in section and "8 km" in section
    assert "would like to talk about it" in section
    assert "answered" in section and "not confirmed yet" in section
    dashboard = client.get(reverse("home")).content.decode()
    assert 'id="talk-flags"' in dashboard and "Reza Rahimi" in dashboard
    client.post(reverse("staff-outcome-talked", args=[offer.request_id, offer.pk]))
    assert 'id="talk-flags"' not in client.get(reverse("home")).content.decode()
    outcome.refresh_from_db()
    assert outcome.talk_done_at is not None


def test_staff_correct_hours_and_expenses_and_the_trail_keeps_each_change(staff_a, office_a):
    """The volunteer said 2 h and 8 km; staff confirm 1,75 h, 6 km and a 4,90 € ticket. The
    outcome is confirmed by them, the offer's hours follow, and the trail names the staff
    member and the fields with their old and new values."""
    offer = done_yesterday(office_a)
    outcomes.answer(outcome=outcomes.outcome_of(offer=offer), choice="as_planned", km="8")
    client = signed_in(staff_a)
    form = client.get(outcome_url(offer)).content.decode()
    assert "The volunteer reported:" in form
    response = client.post(
        outcome_url(offer),
        {"result": "took_place", "hours": "1,75", "km": "6", "ticket_euros": "4,90"},
    )
    assert response.status_code == 303
    outcome = Outcome.objects.get(offer=offer)
    assert (outcome.hours, outcome.km, outcome.ticket_cents) == (Decimal("1.75"), 6, 490)
    assert outcome.confirmed_at is not None and outcome.confirmed_by == staff_a.user
    assert Offer.objects.get(pk=offer.pk).hours == Decimal("1.75")
    entry = (
        AuditEntry.objects.filter(
            kind="change", content_type__model="outcome", changes__has_key="confirmed_at"
        )
        .order_by("pk")
        .last()
    )
    assert entry.actor == staff_a.user and entry.channel == "page"
    assert entry.office_id == office_a.pk and entry.volunteer_id == offer.volunteer_id
    assert entry.changes["hours"] == ["2.00", "1.75"]
    assert entry.changes["km"] == ["8.0", "6.0"]
    assert entry.changes["ticket_cents"] == [None, 490]


@pytest.mark.parametrize("result", ["client_no_show", "volunteer_no_show"])
def test_staff_mark_who_did_not_come_without_waiting_for_the_checkin(staff_a, office_a, result):
    offer = done_yesterday(office_a)
    client = signed_in(staff_a)
    response = client.post(outcome_url(offer), {"result": result, "hours": ""})
    assert response.status_code == 303
    outcome = Outcome.objects.get(offer=offer)
    assert (outcome.result, outcome.hours) == (result, Decimal(0))
    page = client.get(reverse("staff-request", args=[offer.request_id])).content.decode()
    assert f'data-outcome-result="{result}"' in page and "confirmed" in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"result": "took_place", "hours": ""}, "hours", "Give the hours worked."),
        ({"result": "took_place", "hours": "30"}, "hours", "Enter a number from 0 to 24."),
        ({"result": "took_place", "hours": "2", "km": "-3"}, "km", "Enter a number from 0"),
        ({"result": "perhaps", "hours": "2"}, "result", "Select a valid choice."),
    ],
)
def test_bad_corrections_are_a_400_naming_the_field(staff_a, office_a, data, field, message):
    offer = done_yesterday(office_a)
    response = signed_in(staff_a).post(outcome_url(offer), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Outcome.objects.filter(offer=offer, confirmed_at__isnull=False).exists()


def test_another_offices_outcome_is_not_found(staff_b, office_a):
    offer = done_yesterday(office_a)
    client = signed_in(staff_b)
    assert client.get(outcome_url(offer)).status_code == 404
    answer = client.post(outcome_url(offer), {"result": "took_place", "hours": "2"})
    assert answer.status_code == 404


def test_no_outcome_before_the_appointment(staff_a, office_a):
    need = make_request(office=office_a)
    offer = accepted_offer(need, VolunteerFactory())
    response = signed_in(staff_a).get(outcome_url(offer))
    assert response.status_code == 303
    assert not Outcome.objects.exists()
