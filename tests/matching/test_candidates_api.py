"""`GET /api/requests/{id}/candidates/`: the ranked list staff see for their office's request."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from tests.factories.matching import appointment, fitting_volunteer, monday_ahead
from tests.factories.requests import accepted_offer, past_request
from volunteers import places
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db

# The staff membership, the request, its languages, the volunteers, their languages, their
# level in the skill, their offer history (offers, then the accepted ones' appointments by key),
# whether a stated time covers the appointment and who stated any (two scans of the slots),
# their attendance (outcomes; late drop-outs come with the offers) and their names: the same
# few queries for 5 volunteers as for 50. When the exact tier does not fill the list, the
# candidates are gathered twice (the exact tier, then everyone).
MAX_QUERIES = 23


def url(need, query: str = "") -> str:
    return f"/api/requests/{need.pk}/candidates/{query}"


@pytest.fixture
def need(office_a):
    """Persian–German interpreting on a Monday ahead, 10:00–11:00, in 44147."""
    return appointment(office_a, day=monday_ahead(3), recorded_at=timezone.now())


def test_it_lists_the_candidates_best_first_with_their_reasons(api_a, need):
    """Each row names the volunteer, the rank, score, chance of accepting, distance and
    reasons; the nearer of two otherwise equal volunteers comes first."""
    far = fitting_volunteer(name="Far", postcode="44357")
    near = fitting_volunteer(name="Near", postcode="44135")

    response = api_a.get(url(need), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200, response.content
    rows = response.json()
    assert [row["volunteer"] for row in rows] == [
        {"id": near.pk, "name": "Near"},
        {"id": far.pk, "name": "Far"},
    ]
    first = rows[0]
    assert set(first) == {
        "volunteer",
        "rank",
        "score",
        "p_accept",
        "distance_km",
        "tier",
        "reasons",
    }
    assert first["tier"] == "exact"
    assert [row["rank"] for row in rows] == [1, 2]
    assert rows[0]["score"] > rows[1]["score"]
    assert first["p_accept"] == pytest.approx(0.3)
    assert 2 < first["distance_km"] < 3
    assert first["reasons"][0] == "Persian native, German C1"
    # The reason rounds like every page (to half a km); the API's number keeps 0.1 km.
    assert f"{places.shown_km(first['distance_km'])} km away" in first["reasons"]


def test_it_gives_the_reasons_in_german_by_default(api_a, need):
    """Staff without a language preference see German (numbers with a decimal comma)."""
    fitting_volunteer(postcode="44135")
    (row,) = api_a.get(url(need)).json()
    assert row["reasons"][0].startswith("Persisch ")
    assert row["reasons"][0].endswith(", Deutsch C1")
    assert any(re.fullmatch(r"\d,\d km entfernt", reason) for reason in row["reasons"])


def test_it_shows_null_distance_for_phone_or_video(api_a, office_a):
    """A phone/video request has no distance."""
    remote = appointment(office_a, day=monday_ahead(3), recorded_at=timezone.now(), remote=True)
    fitting_volunteer(remote_ok=True)
    (row,) = api_a.get(url(remote), HTTP_ACCEPT_LANGUAGE="en").json()
    assert row["distance_km"] is None
    assert "by phone/video" in row["reasons"]


def test_it_returns_twenty_by_default_and_fewer_when_asked(api_a, need):
    """The default is the best 20; `limit` asks for fewer."""
    for _ in range(21):
        fitting_volunteer()
    assert len(api_a.get(url(need)).json()) == 20
    limited = api_a.get(url(need, "?limit=3")).json()
    assert [row["rank"] for row in limited] == [1, 2, 3]


def test_it_answers_an_empty_list_when_nobody_fits(api_a, need):
    """No candidates is a normal answer, not an error."""
    fitting_volunteer(languages=[("ar", "native"), ("de", "C1")])
    response = api_a.get(url(need))
    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize("limit", ["0", "101", "-1", "ten", "2.5"])
def test_it_refuses_a_bad_limit(api_a, need, limit):
    """A limit that is not a whole number from 1 to 100 is a 400 naming the field."""
    response = api_a.get(url(need, f"?limit={limit}"))
    assert response.status_code == 400
    assert list(response.json()) == ["limit"]


def test_it_answers_404_for_another_offices_request(api_b, need):
    """Staff of another office cannot tell that the request exists."""
    fitting_volunteer()
    response = api_b.get(url(need))
    assert response.status_code == 404
    assert set(response.json()) == {"detail"}


def test_it_shows_any_offices_candidates_to_a_coordinator(api_coordinator, need):
    """Coordinators see every office's requests."""
    volunteer = fitting_volunteer()
    response = api_coordinator.get(url(need))
    assert [row["volunteer"]["id"] for row in response.json()] == [volunteer.pk]


def test_it_answers_404_for_an_unknown_request(api_a, need):
    """A request id that does not exist is a 404."""
    assert api_a.get(f"/api/requests/{need.pk + 1000}/candidates/").status_code == 404


def test_it_refuses_anonymous_callers(api_anonymous, need):
    """Without a login the answer is 401, and nothing about the request."""
    response = api_anonymous.get(url(need))
    assert response.status_code == 401


@pytest.mark.parametrize("count", [5, 50])
def test_it_needs_the_same_few_queries_for_few_or_many_candidates(
    api_a, need, count, django_assert_max_num_queries
):
    """Ranking 5 or 50 volunteers, each with a past task, takes the same bounded number of
    queries."""
    done = past_request(office=need.office, volunteers_needed=20)
    for i in range(count):
        volunteer = fitting_volunteer()
        if i < 20:
            accepted_offer(done, volunteer, now=done.starts_at - dt.timedelta(days=2))
    with django_assert_max_num_queries(MAX_QUERIES):
        response = api_a.get(url(need, "?limit=100"))
    assert len(response.json()) == count
    assert Volunteer.objects.count() == count


def test_it_answers_in_the_language_the_caller_asks_for(api_a, need):
    """The same list in English and in German differs only in the words."""
    fitting_volunteer()
    english = api_a.get(url(need), HTTP_ACCEPT_LANGUAGE="en").json()
    german = api_a.get(url(need), HTTP_ACCEPT_LANGUAGE="de").json()
    assert english[0]["volunteer"] == german[0]["volunteer"]
    assert english[0]["reasons"] != german[0]["reasons"]


def test_it_says_which_condition_leaves_nobody(api_a, api_b, need):
    """why-none: the volunteers who meet each condition in turn, stable keys and the caller's
    language; another office's request is not found."""
    fitting_volunteer(availability=[(1, "09:00", "12:00")], only_at_stated_times=True)
    response = api_a.get(url(need, "why-none/"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["blocker"] == ""
    assert [(s["key"], s["count"]) for s in body["stages"]] == [
        ("active", 1),
        ("languages", 1),
        ("skill", 1),
        ("time", 0),
    ]
    assert body["stages"][-1]["label"] == (
        "Free every week on Monday 10–11, or flexible about their times"
    )
    assert body["advice"].startswith("Everyone who fits wants to be asked only at their own")
    assert api_b.get(url(need, "why-none/")).status_code == 404


def test_it_counts_the_candidates_per_tier(api_a, api_b, need):
    """tiers/: everyone who would be asked, per tier, beyond the first page of the list; each
    row of the list names its tier; another office's request is not found."""
    for _ in range(3):
        fitting_volunteer()
    fitting_volunteer(availability=[(2, "09:00", "12:00")])  # Wednesdays: outside
    fitting_volunteer(postcode="44265", max_distance_km=8)  # about 10 km: beyond the limit
    response = api_a.get(url(need, "tiers/"))
    assert response.status_code == 200, response.content
    assert response.json() == {"exact": 3, "outside_times": 1, "beyond_limit": 1}
    rows = api_a.get(url(need, "?limit=2")).json()
    assert [row["tier"] for row in rows] == ["exact", "exact"]
    tiers = [row["tier"] for row in api_a.get(url(need)).json()]
    assert tiers == ["exact"] * 3 + ["outside_times", "beyond_limit"]
    assert api_b.get(url(need, "tiers/")).status_code == 404


def test_the_tiers_are_in_the_api_schema(api_a):
    schema = api_a.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    counts = schema["paths"]["/api/requests/{id}/candidates/tiers/"]["get"]
    assert "200" in counts["responses"] and "404" in counts["responses"]
    schemas = schema["components"]["schemas"]
    assert schemas["Candidate"]["properties"]["tier"]["allOf"] == [
        {"$ref": "#/components/schemas/TierEnum"}
    ]
    assert schemas["TierEnum"]["enum"] == ["exact", "outside_times", "beyond_limit"]
    assert set(schemas["TierCounts"]["properties"]) == {"exact", "outside_times", "beyond_limit"}
