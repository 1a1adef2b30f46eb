"""The OpenAPI schema tells the truth: every answer, error or not, is documented as it comes.

Clients are generated from `/api/schema/`; a status it does not list, or a value its enum or
format refuses, breaks them. Each answer here is checked against the schema the server serves.
"""

import copy
import re
from typing import Any

import jsonschema
import pytest
from rest_framework.test import APIClient

from requests.models import Offer
from tests.factories.requests import make_request, sent_by_hand
from tests.factories.volunteers import VolunteerFactory
from volunteers.models import Volunteer

# RFC 3339, as OpenAPI means its formats; jsonschema checks "time" only with an extra package.
FORMATS = jsonschema.FormatChecker()
FORMATS.checks("time")(
    lambda v: (
        not isinstance(v, str) or bool(re.fullmatch(r"\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", v))
    )
)


@pytest.fixture
def schema(db) -> dict[str, Any]:
    return APIClient().get("/api/schema/?format=json").json()


def as_json_schema(node: Any) -> Any:
    """OpenAPI 3.0's `nullable: true` as JSON Schema says it."""
    if isinstance(node, list):
        return [as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: as_json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


def assert_documented(schema: dict, response: Any, method: str, path: str) -> None:
    """The status is listed for the operation, and the body matches what is listed for it."""
    responses = schema["paths"][path][method.lower()]["responses"]
    status = str(response.status_code)
    assert status in responses, f"{method} {path} answered {status}, documented: {list(responses)}"
    documented = responses[status].get("content", {}).get("application/json")
    if documented is None:
        return
    full = as_json_schema(
        {**copy.deepcopy(documented["schema"]), "components": schema["components"]}
    )
    jsonschema.validate(response.json(), full, format_checker=FORMATS)


def test_it_documents_a_volunteer_with_blank_choices_and_weekly_slots(api_a, schema):
    """A volunteer who gave no gender, with a skill of no level and a weekly slot: as documented."""
    volunteer = VolunteerFactory(
        gender="",
        skills=[("sports", "")],
        availability=[(0, "09:00", "11:30")],
        absences=[("2026-04-01", "2026-04-03")],
    )
    assert volunteer.gender == ""
    assert_documented(schema, api_a.get("/api/volunteers/"), "GET", "/api/volunteers/")
    detail = api_a.get(f"/api/volunteers/{volunteer.pk}/")
    assert detail.json()["availability"][0]["start"] == "09:00"
    assert_documented(schema, detail, "GET", "/api/volunteers/{id}/")
    change = api_a.patch(
        f"/api/volunteers/{volunteer.pk}/",
        {"availability": [{"weekday": 1, "start": "14:00", "end": "16:00:00"}]},
        format="json",
    )
    assert change.json()["availability"] == [{"weekday": 1, "start": "14:00", "end": "16:00"}]
    assert_documented(schema, change, "PATCH", "/api/volunteers/{id}/")


def test_it_documents_an_offer_without_a_reason_for_declining(api_a, office_a, schema):
    """An offer not declined (reason blank) is listed as the schema says."""
    need = make_request(office=office_a)
    offer, _token = sent_by_hand(need, VolunteerFactory(status=Volunteer.Status.ACTIVE))
    assert offer.decline_reason == "" and offer.status == Offer.Status.SENT
    response = api_a.get(f"/api/requests/{need.pk}/offers/")
    assert_documented(schema, response, "GET", "/api/requests/{id}/offers/")


@pytest.mark.parametrize(
    ("client", "method", "url", "body", "path"),
    [
        ("anonymous", "GET", "/api/volunteers/", None, "/api/volunteers/"),
        ("anonymous", "GET", "/api/requests/1/", None, "/api/requests/{id}/"),
        ("anonymous", "POST", "/api/requests/1/cancel/", None, "/api/requests/{id}/cancel/"),
        ("staff", "GET", "/api/volunteers/?page=0", None, "/api/volunteers/"),
        ("staff", "GET", "/api/staff/?page=99", None, "/api/staff/"),
        ("staff", "GET", "/api/skills/?page=0", None, "/api/skills/"),
        ("staff", "GET", "/api/volunteers/?skill=nope", None, "/api/volunteers/"),
        ("staff", "GET", "/api/requests/0/", None, "/api/requests/{id}/"),
        ("staff", "POST", "/api/requests/0/waves/", None, "/api/requests/{id}/waves/"),
        ("staff", "PATCH", "/api/volunteers/0/", {}, "/api/volunteers/{id}/"),
        ("staff", "POST", "/api/requests/", {}, "/api/requests/"),
        ("staff", "POST", "/api/requests/", "[[[[" * 30, "/api/requests/"),
        ("anonymous", "POST", "/api/auth/token/", {}, "/api/auth/token/"),
        ("anonymous", "POST", "/api/volunteers/", {"consent": False}, "/api/volunteers/"),
        ("staff", "POST", "/api/requests/", "text", "/api/requests/"),
    ],
)
def test_it_documents_every_error_an_operation_answers(
    api_a, api_anonymous, schema, client, method, url, body, path
):
    """Refusals (401, 404 for a page or an object, 400, 415) are in the schema with their body."""
    caller = api_a if client == "staff" else api_anonymous
    if body == "text":
        response = caller.generic(method, url, "x", content_type="text/plain")
        assert response.status_code == 415
    elif isinstance(body, str):
        response = caller.generic(method, url, body, content_type="application/json")
    else:
        response = getattr(caller, method.lower())(url, body, format="json")
    assert response.status_code >= 400
    assert_documented(schema, response, method, path)


def test_it_documents_the_throttles(schema):
    """Throttled operations list 429; the limits themselves are tested where they are set."""
    for path in ("/api/auth/token/", "/api/volunteers/"):
        assert "429" in schema["paths"][path]["post"]["responses"]
    assert "429" not in schema["paths"]["/api/volunteers/"]["get"]["responses"]
