"""The API's shared behaviour: schema, docs, token login, error format."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from rest_framework.test import APIClient

from config.api import exception_handler
from tests.factories.requests import PASSWORD


def test_it_publishes_a_valid_openapi_schema(db, tmp_path):
    """`spectacular --validate --fail-on-warn` passes: clients can generate code from it."""
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = target.read_text()
    for path in ("/api/languages/", "/api/skills/", "/api/offices/", "/api/auth/token/"):
        assert f"{path}:" in schema


def test_it_serves_the_api_docs_without_a_cdn(client):
    """The browsable docs load their scripts from Lotse itself, never from a CDN."""
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "cdn" not in page.lower()


def test_it_exchanges_a_staff_password_for_a_working_token(staff_a):
    """POST /api/auth/token/ answers {"token"}; the token then opens the staff API."""
    client = APIClient()
    response = client.post(
        "/api/auth/token/",
        {"username": staff_a.user.username, "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/staff/").status_code == 200


@pytest.mark.parametrize("password", ["wrong", ""])
def test_it_refuses_a_wrong_password_without_saying_why(staff_a, password):
    """Wrong password: 400 with field messages, same text whether the user exists or not."""
    client = APIClient()
    wrong = client.post(
        "/api/auth/token/", {"username": staff_a.user.username, "password": password}
    )
    unknown = client.post("/api/auth/token/", {"username": "nobody", "password": password})
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.json() == unknown.json()


def test_it_stores_api_tokens_hashed(staff_a):
    """A stolen database copy holds no usable token: only a digest is stored."""
    from knox.models import AuthToken

    token = (
        APIClient()
        .post("/api/auth/token/", {"username": staff_a.user.username, "password": PASSWORD})
        .json()["token"]
    )
    stored = AuthToken.objects.get(user=staff_a.user)
    assert token not in stored.digest
    assert token not in {stored.digest, stored.token_key}


def test_it_answers_unknown_api_paths_in_json(client, settings):
    """A wrong URL under /api/ is a JSON 404, not an HTML page."""
    settings.DEBUG = False
    response = client.get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_it_answers_unknown_pages_with_a_friendly_page(client, settings):
    """A wrong URL elsewhere is a page in German and English."""
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Diese Seite gibt es nicht" in response.content.decode()


def test_it_turns_model_validation_errors_into_field_messages():
    """A validation error from a model or domain function is a 400 with {field: [messages]}."""
    response = exception_handler(ValidationError({"postcode": ["Five digits, please."]}), {})
    assert response.status_code == 400
    assert response.data == {"postcode": ["Five digits, please."]}
    response = exception_handler(ValidationError("Not now."), {})
    assert response.data == {"non_field_errors": ["Not now."]}
