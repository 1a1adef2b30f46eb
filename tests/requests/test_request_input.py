"""Bad input when recording a request: a 400 naming each wrong field, and nothing stored."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from requests.models import Request, RequestLanguage
from tests.factories.requests import StaffMemberFactory, at, days_ahead, recording_events
from volunteers.models import Skill

URL = "/api/requests/"

STARTS = at(days_ahead(7), "10:00")


def body(office_id: int | None, **changes) -> dict:
    data = {
        "office": office_id,
        "skill": "interpreting",
        "languages": ["fa", "de"],
        "starts_at": STARTS.isoformat(),
        "ends_at": (STARTS + dt.timedelta(hours=1)).isoformat(),
        "postcode": "44147",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def nothing_stored() -> tuple[int, int]:
    return Request.objects.count(), RequestLanguage.objects.count()


def assert_refused(response, field: str, before: tuple[int, int]) -> None:
    assert response.status_code == 400, response.content
    errors = response.json()
    assert list(errors) == [field], errors
    assert errors[field] and all(isinstance(message, str) for message in errors[field])
    assert nothing_stored() == before


BAD_INPUT = [
    pytest.param(
        {"starts_at": STARTS.replace(tzinfo=None).isoformat()}, "starts_at", id="naive-start"
    ),
    pytest.param(
        {"ends_at": (STARTS + dt.timedelta(hours=1)).replace(tzinfo=None).isoformat()},
        "ends_at",
        id="naive-end",
    ),
    pytest.param(
        {
            "starts_at": at(days_ahead(-1), "10:00").isoformat(),
            "ends_at": (at(days_ahead(-1), "10:00") + dt.timedelta(hours=1)).isoformat(),
        },
        "starts_at",
        id="past-start",
    ),
    pytest.param(
        {"ends_at": (STARTS - dt.timedelta(hours=1)).isoformat()}, "ends_at", id="end-before-start"
    ),
    pytest.param(
        {"ends_at": (STARTS + dt.timedelta(hours=12, minutes=1)).isoformat()},
        "ends_at",
        id="longer-than-12h",
    ),
    pytest.param({"starts_at": "next tuesday"}, "starts_at", id="not-a-time"),
    pytest.param({"languages": ["fa", "xx"]}, "languages", id="unknown-language"),
    pytest.param({"languages": []}, "languages", id="no-language"),
    pytest.param({"skill": "juggling"}, "skill", id="unknown-skill"),
    pytest.param({"volunteers_needed": 0}, "volunteers_needed", id="nobody-needed"),
    pytest.param({"volunteers_needed": 99}, "volunteers_needed", id="too-many-needed"),
    pytest.param({"postcode": None}, "postcode", id="no-place"),
    pytest.param({"postcode": "4414"}, "postcode", id="malformed-postcode"),
    pytest.param({"postcode": "99999"}, "postcode", id="postcode-nowhere"),
    pytest.param(
        {
            "starts_at": STARTS.replace(hour=22).isoformat(),
            "ends_at": (STARTS.replace(hour=22) + dt.timedelta(hours=3)).isoformat(),
        },
        "ends_at",
        id="crosses-midnight",
    ),
    pytest.param(
        {
            "starts_at": at(days_ahead(367), "10:00").isoformat(),
            "ends_at": (at(days_ahead(367), "10:00") + dt.timedelta(hours=1)).isoformat(),
        },
        "starts_at",
        id="over-a-year-ahead",
    ),
    pytest.param(
        {"starts_at": "9999-12-31T10:00:00+01:00", "ends_at": "9999-12-31T11:00:00+01:00"},
        "starts_at",
        id="year-9999",
    ),
    pytest.param({"note": "x" * 301}, "note", id="note-too-long"),
    pytest.param({"gender_preference": "any"}, "gender_preference", id="unknown-gender"),
]


@pytest.mark.parametrize(("changes", "field"), BAD_INPUT)
def test_it_refuses_bad_input_and_stores_nothing(
    api_a, office_a, django_capture_on_commit_callbacks, changes, field
):
    """Each wrong field is a 400 with messages under its name; no request, no event."""
    before = nothing_stored()
    with recording_events() as published, django_capture_on_commit_callbacks(execute=True):
        response = api_a.post(URL, body(office_a.pk, **changes), format="json")
    assert_refused(response, field, before)
    assert published.received == []


def test_it_names_every_wrong_field_at_once(api_a, office_a):
    """Several mistakes are reported together, so staff fix them in one go."""
    before = nothing_stored()
    response = api_a.post(
        URL,
        body(
            office_a.pk,
            ends_at=(STARTS - dt.timedelta(hours=1)).isoformat(),
            languages=["xx"],
            postcode="4414",
        ),
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"ends_at", "languages", "postcode"}
    assert nothing_stored() == before


def test_it_refuses_an_office_of_someone_else(api_a, office_b):
    """Staff of office A cannot record for office B: 400 "not one of your offices"."""
    before = nothing_stored()
    response = api_a.post(URL, body(office_b.pk), format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert_refused(response, "office", before)
    assert "not one of your offices" in response.json()["office"][0]


def test_it_answers_an_unknown_office_like_someone_elses(api_a, office_b):
    """An office id that does not exist gets the same answer: it leaks nothing."""
    foreign = api_a.post(URL, body(office_b.pk), format="json").json()
    unknown = api_a.post(URL, body(office_b.pk + 1000), format="json").json()
    assert foreign == unknown


def test_it_asks_staff_of_several_offices_to_choose(office_a, office_b):
    """Someone working for two offices must say which one: a 400 under `office`."""
    client = APIClient()
    client.force_authenticate(StaffMemberFactory(offices=[office_a, office_b]).user)
    before = nothing_stored()
    assert_refused(client.post(URL, body(None), format="json"), "office", before)
    assert client.post(URL, body(office_b.pk), format="json").status_code == 201


def test_it_asks_a_coordinator_to_choose_the_office(api_coordinator, office_a):
    """A coordinator works for all offices, so must name one, even if there is only one."""
    before = nothing_stored()
    assert_refused(api_coordinator.post(URL, body(None), format="json"), "office", before)


def test_it_refuses_an_inactive_office(api_a, office_a):
    """A closed office takes no new requests."""
    office_a.is_active = False
    office_a.save()
    before = nothing_stored()
    assert_refused(api_a.post(URL, body(office_a.pk), format="json"), "office", before)


def test_it_refuses_an_inactive_skill(api_a, office_a):
    """A skill kept only for history cannot be asked for any more."""
    Skill.objects.filter(code="interpreting").update(is_active=False)
    before = nothing_stored()
    assert_refused(api_a.post(URL, body(office_a.pk), format="json"), "skill", before)


def test_it_refuses_a_request_that_is_not_an_object(api_a, office_a):
    """A JSON list instead of an object is a 400, not a 500."""
    before = nothing_stored()
    response = api_a.post(URL, [body(office_a.pk)], format="json")
    assert response.status_code == 400
    assert nothing_stored() == before
