"""Every request endpoint keeps offices apart: another office's request is "not found".

For each endpoint, staff of office B asking about office A's request get a 404 and change
nothing (no row, no offer, no event); a coordinator gets the answer; an anonymous caller a 401.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from requests.models import Offer, Request
from tests.factories.requests import (
    at,
    days_ahead,
    make_request,
    recording_events,
    started_and_filled,
)
from tests.factories.volunteers import farsi_mediator


@dataclass(frozen=True)
class Call:
    """One endpoint, the request it is tried on, and what a coordinator gets from it."""

    method: str
    action: str
    body: Callable[[Request], dict[str, Any]] | None
    coordinator_status: int
    needs_started_and_filled: bool = False

    def path(self, need: Request) -> str:
        return f"/api/requests/{need.pk}/{self.action + '/' if self.action else ''}"

    def send(self, client: Any, need: Request) -> Any:
        data = self.body(need) if self.body else None
        return getattr(client, self.method)(self.path(need), data, format="json")


def _hours(need: Request) -> dict[str, Any]:
    accepted = need.offers.filter(status=Offer.Status.ACCEPTED).order_by("pk")
    return {"hours": [{"volunteer": offer.volunteer_id, "hours": 1.5} for offer in accepted]}


CALLS = [
    pytest.param(Call("get", "", None, 200), id="detail"),
    pytest.param(Call("patch", "", lambda need: {"note": "changed"}, 200), id="patch"),
    pytest.param(Call("post", "cancel", None, 200), id="cancel"),
    pytest.param(
        Call("post", "complete", _hours, 200, needs_started_and_filled=True), id="complete"
    ),
    pytest.param(Call("get", "offers", None, 200), id="offers-list"),
    pytest.param(
        Call("post", "offers", lambda need: {"volunteer": farsi_mediator().pk}, 201),
        id="offers-create",
    ),
    pytest.param(Call("post", "waves", None, 202), id="waves"),
]


def request_of_a(office: Any, call: Call) -> Request:
    if call.needs_started_and_filled:
        return started_and_filled(office)[0]
    return make_request(office=office)


def snapshot(need: Request) -> tuple[Any, ...]:
    row = Request.objects.filter(pk=need.pk).values().get()
    offers = list(Offer.objects.filter(request=need).order_by("pk").values())
    return row, offers, need.language_codes


@pytest.mark.parametrize("call", CALLS)
def test_it_answers_404_to_another_office_and_changes_nothing(
    api_b, office_a, django_capture_on_commit_callbacks, call
):
    """Staff of office B get "not found" for office A's request, and nothing happens to it."""
    need = request_of_a(office_a, call)
    before = snapshot(need)
    with recording_events() as published, django_capture_on_commit_callbacks(execute=True):
        response = call.send(api_b, need)
    assert response.status_code == 404, response.content
    assert set(response.json()) == {"detail"}
    assert snapshot(need) == before
    assert published.received == []


@pytest.mark.parametrize("call", CALLS)
def test_it_lets_a_coordinator_use_every_endpoint(api_coordinator, office_a, call):
    """A coordinator reaches any office's request on every endpoint."""
    need = request_of_a(office_a, call)
    response = call.send(api_coordinator, need)
    assert response.status_code == call.coordinator_status, response.content


@pytest.mark.parametrize("call", CALLS)
def test_it_lets_staff_use_every_endpoint_on_their_own_office(api_a, office_a, call):
    """The same calls work for staff of the request's own office (so the 404s above are real)."""
    need = request_of_a(office_a, call)
    response = call.send(api_a, need)
    assert response.status_code == call.coordinator_status, response.content


@pytest.mark.parametrize("call", CALLS)
def test_it_refuses_anonymous_callers(api_anonymous, office_a, call):
    """Without a login every endpoint answers 401 and changes nothing."""
    need = request_of_a(office_a, call)
    before = snapshot(need)
    response = call.send(api_anonymous, need)
    assert response.status_code == 401
    assert snapshot(need) == before


def test_it_lists_only_the_callers_office(api_a, api_b, office_a, office_b):
    """Each office's staff see only their own requests in the list."""
    in_a = make_request(office=office_a)
    in_b = make_request(office=office_b)
    assert [row["id"] for row in api_a.get("/api/requests/").json()["results"]] == [in_a.pk]
    assert [row["id"] for row in api_b.get("/api/requests/").json()["results"]] == [in_b.pk]


def test_it_refuses_to_filter_by_another_office(api_b, office_a):
    """Asking the list for office A as staff of B is a 400, and shows none of A's requests."""
    make_request(office=office_a)
    response = api_b.get("/api/requests/", {"office": office_a.pk})
    assert response.status_code == 400
    assert list(response.json()) == ["office"]


def test_it_lists_every_office_for_a_coordinator(api_coordinator, office_a, office_b):
    """A coordinator's list holds the requests of all offices."""
    in_a = make_request(office=office_a, starts_at=at(days_ahead(1), "10:00"))
    in_b = make_request(office=office_b, starts_at=at(days_ahead(2), "10:00"))
    response = api_coordinator.get("/api/requests/")
    assert [row["id"] for row in response.json()["results"]] == [in_a.pk, in_b.pk]


def test_it_refuses_the_list_to_anonymous_callers(api_anonymous, office_a):
    """Without a login the list answers 401, and nothing can be recorded."""
    make_request(office=office_a)
    assert api_anonymous.get("/api/requests/").status_code == 401
    response = api_anonymous.post("/api/requests/", {"office": office_a.pk}, format="json")
    assert response.status_code == 401
    assert Request.objects.count() == 1
