"""Outcomes in the staff API: read with the offers, confirmed with corrections through
`PUT /api/requests/{id}/offers/{offer_id}/outcome/`, bad input a 400 naming the field."""

from __future__ import annotations

import datetime as dt

import pytest

from requests import outcomes
from requests.models import Offer
from tests.factories.requests import accepted_offer, at, days_ahead, make_request
from tests.factories.volunteers import VolunteerFactory
from volunteers.audit import AuditEntry

pytestmark = pytest.mark.django_db


def done_yesterday(office) -> Offer:
    starts_at = at(days_ahead(-1), "10:00")
    week_before = starts_at - dt.timedelta(days=7)
    need = make_request(office=office, starts_at=starts_at, now=week_before)
    return accepted_offer(need, VolunteerFactory(), now=week_before)


def url(offer: Offer) -> str:
    return f"/api/requests/{offer.request_id}/offers/{offer.pk}/outcome/"


def test_the_offers_list_carries_the_checkin(api_a, office_a):
    offer = done_yesterday(office_a)
    outcomes.answer(
        outcome=outcomes.outcome_of(offer=offer), choice="other_hours", hours="1,5", km="7"
    )
    (listed,) = api_a.get(f"/api/requests/{offer.request_id}/offers/").json()
    assert listed["outcome"]["result"] == "took_place"
    assert listed["outcome"]["hours"] == 1.5 and listed["outcome"]["km"] == 7.0
    assert listed["outcome"]["answered_at"] is not None
    assert listed["outcome"]["confirmed_at"] is None


def test_staff_confirm_with_corrections_through_the_api(api_a, office_a, staff_a):
    offer = done_yesterday(office_a)
    response = api_a.put(
        url(offer),
        {"result": "took_place", "hours": 1.25, "km": 4, "ticket_cents": 290},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["result"], body["hours"], body["ticket_cents"]) == ("took_place", 1.25, 290)
    assert body["confirmed_by"] == staff_a.user.username
    entry = AuditEntry.objects.filter(content_type__model="outcome").order_by("pk").last()
    assert entry.channel == "api" and entry.actor == staff_a.user
    assert entry.changes["result"][1] == "took_place"
    marked = api_a.put(url(offer), {"result": "client_no_show"}, format="json").json()
    assert (marked["result"], marked["hours"]) == ("client_no_show", 0.0)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"result": "took_place"}, "hours"),
        ({"result": "took_place", "hours": 25}, "hours"),
        ({"result": "took_place", "hours": 2, "km": -1}, "km"),
        ({"result": "took_place", "hours": 2, "ticket_cents": "viel"}, "ticket_cents"),
        ({"result": "volunteer_no_show", "km": 5}, "km"),
        ({"result": "somehow"}, "result"),
        ({}, "result"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api_a, office_a, body, field):
    offer = done_yesterday(office_a)
    response = api_a.put(url(offer), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_another_office_and_a_future_appointment(api_b, api_a, office_a):
    offer = done_yesterday(office_a)
    assert api_b.get(url(offer)).status_code == 404
    future = accepted_offer(make_request(office=office_a), VolunteerFactory())
    response = api_a.put(url(future), {"result": "took_place", "hours": 1}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "not_started"
