"""Input no client should send is a 400 naming what is wrong, never a server error.

Each case here was found by fuzzing the API (`make fuzz`, docs/security.md).
"""

import pytest

from tests.factories.requests import make_request
from tests.factories.volunteers import VolunteerFactory

VOLUNTEERS = "/api/volunteers/"
REQUESTS = "/api/requests/"


# --- Partial changes: a list entry is whole, even when the change is partial ------------------


@pytest.mark.parametrize(
    ("field", "entry", "missing"),
    [
        ("absences", {"start": "2026-04-01"}, "end"),
        ("availability", {"weekday": 0, "start": "09:00"}, "end"),
        ("availability", {"end": "12:00"}, "start"),
        ("languages", {"code": "fa"}, "level"),
    ],
)
def test_it_refuses_half_an_entry_in_a_partial_change(api_a, field, entry, missing):
    """PATCH with an entry missing a part: 400 naming the part, and the profile is unchanged."""
    volunteer = VolunteerFactory(languages=[("de", "C1")], availability=[(0, "09:00", "12:00")])
    response = api_a.patch(f"{VOLUNTEERS}{volunteer.pk}/", {field: [entry]}, format="json")
    assert response.status_code == 400, response.content
    assert missing in str(response.json()[field]), response.json()
    assert volunteer.availability.count() == 1
    assert volunteer.languages.count() == 1


def test_it_still_takes_a_partial_change_of_whole_entries(api_a):
    """A PATCH of only `absences` with whole entries replaces them and leaves the rest."""
    volunteer = VolunteerFactory(languages=[("de", "C1")])
    response = api_a.patch(
        f"{VOLUNTEERS}{volunteer.pk}/",
        {"absences": [{"start": "2026-04-01", "end": "2026-04-03"}]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["absences"] == [{"start": "2026-04-01", "end": "2026-04-03"}]
    assert [entry["code"] for entry in response.json()["languages"]] == ["de"]


# --- Query parameters the database cannot take ---------------------------------------------


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        (f"{VOLUNTEERS}?skill=%00", "skill"),
        (f"{VOLUNTEERS}?search=a%00b", "search"),
        (f"{VOLUNTEERS}?language=fa%00", "language"),
        (f"{VOLUNTEERS}?postcode=44%00147", "postcode"),
        (f"{REQUESTS}?skill=interpreting%00", "skill"),
        (f"{REQUESTS}?status=open%00", "status"),
        (f"{REQUESTS}?office=1%00", "office"),
    ],
)
def test_it_refuses_a_nul_character_in_a_filter(api_a, url, parameter):
    """A NUL character in any filter is a 400 naming the parameter (PostgreSQL refuses it)."""
    response = api_a.get(url)
    assert response.status_code == 400, response.content
    assert parameter in response.json()


FILTERS_BY_INSTANT = [
    f"{REQUESTS}?starts_before=",
    f"{REQUESTS}?starts_after=",
    f"{VOLUNTEERS}?available_at=",
]


@pytest.mark.parametrize("value", ["2026-03-30T09:30:00%2B18:37", "2026-03-30T09:30:00-23:59"])
@pytest.mark.parametrize("url", FILTERS_BY_INSTANT)
def test_it_filters_by_an_instant_with_an_offset_postgresql_refuses(api_a, office_a, url, value):
    """Python reads offsets up to ±23:59, PostgreSQL only up to ±15:59: the instant is one all
    the same, and filtering by it works."""
    need = make_request(office=office_a)
    response = api_a.get(url + value)
    assert response.status_code == 200, response.content
    if "starts_after" in url:
        assert [row["id"] for row in response.json()["results"]] == [need.pk]


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00%2B01:00",  # before the first instant Python holds in UTC
        "9999-12-31T23:59:59-01:00",  # after the last
        "1001-01-01T00:00:00Z",
    ],
)
@pytest.mark.parametrize("url", FILTERS_BY_INSTANT)
def test_it_refuses_an_instant_at_the_edge_of_the_calendar(api_a, url, value):
    """A year no appointment has is a 400 naming the parameter, not an overflow."""
    response = api_a.get(url + value)
    assert response.status_code == 400, response.content
    assert url.rsplit("?", 1)[1].rstrip("=") in response.json()


# --- Bodies ----------------------------------------------------------------------------------


def test_it_refuses_json_nested_100000_levels_deep(api_a):
    """A body of 100,000 nested arrays is a 400 saying so, not a RecursionError."""
    body = "[" * 100_000 + "]" * 100_000
    response = api_a.generic("POST", REQUESTS, body, content_type="application/json")
    assert response.status_code == 400
    assert "verschachtelt" in response.json()["detail"]  # German first


def test_it_refuses_json_nested_deeper_than_any_payload(api_a):
    """The limit stands well below Python's recursion limit, and brackets in strings are text."""
    deep = '{"note": ' * 21 + '""' + "}" * 21
    response = api_a.generic("POST", REQUESTS, deep, content_type="application/json")
    assert response.status_code == 400
    assert "verschachtelt" in response.json()["detail"]  # German first
    text = '{"note": "' + "[" * 500 + '", "skill": ""}'
    response = api_a.generic("POST", REQUESTS, text, content_type="application/json")
    assert response.status_code == 400
    assert "detail" not in response.json()  # parsed; refused field by field


def test_it_refuses_a_nul_character_in_a_skill_code(api_a):
    """A skill code is looked up in the database: a NUL character in it is a 400."""
    volunteer = VolunteerFactory()
    response = api_a.patch(
        f"{VOLUNTEERS}{volunteer.pk}/", {"skills": ["interpreting\x00"]}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "skills" in response.json()


@pytest.mark.parametrize("entry", [{"code": []}, {"code": "sports", "level": 5}, 7])
def test_it_refuses_a_skill_entry_of_the_wrong_shape(api_a, entry):
    """A skill that is neither a code nor {"code", "level"} is a 400 saying what to give."""
    volunteer = VolunteerFactory()
    response = api_a.patch(f"{VOLUNTEERS}{volunteer.pk}/", {"skills": [entry]}, format="json")
    assert response.status_code == 400, response.content
    assert '{"code", "level"}' in str(response.json()["skills"])
