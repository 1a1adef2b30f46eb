"""Interpreting is between two languages: one language, or German with German, is refused with
a message that says so, by the API, the staff page and the domain alike; other tasks need one."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from requests import lifecycle
from requests.models import Request
from tests.factories.requests import at, days_ahead, make_request
from tests.factories.volunteers import skill
from tests.web.helpers import signed_in
from tests.web.test_new_request import form_data

URL = "/api/requests/"


def body(**changes) -> dict:
    data = {
        "skill": "interpreting",
        "languages": ["fa", "de"],
        "starts_at": at(days_ahead(7), "10:00").isoformat(),
        "ends_at": at(days_ahead(7), "11:30").isoformat(),
        "postcode": "44147",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("languages", "message"),
    [
        (["fa"], "Interpreting needs two different languages"),
        (["de", "de"], "German and German is the same language"),
        (["deu", "de-DE"], "German and German is the same language"),
    ],
)
def test_it_refuses_interpreting_without_two_languages_in_the_api(
    api_a, office_a, languages, message
):
    response = api_a.post(URL, body(languages=languages), format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    assert message in " ".join(response.json()["languages"])
    assert not Request.objects.exists()


def test_it_takes_one_language_for_a_task_in_one_language(api_a, office_a):
    skill("letters")
    response = api_a.post(
        URL, body(skill="letters", languages=["ar"]), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 201, response.content


def test_it_refuses_to_change_an_interpreting_request_to_one_language(api_a, office_a):
    need = make_request(office=office_a)
    response = api_a.patch(
        f"{URL}{need.pk}/", {"languages": ["de"]}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "Interpreting needs two different languages" in response.json()["languages"][0]


@pytest.mark.django_db
def test_the_rule_is_one_domain_function():
    interpreting = skill("interpreting")
    translation.activate("en")
    with pytest.raises(ValidationError) as refused:
        lifecycle.check_languages(["de", "ger"], skill=interpreting)
    assert "same language" in refused.value.message_dict["languages"][0]
    assert lifecycle.check_languages(["fa", "de"], skill=interpreting) == ["fa", "de"]


def test_the_page_refuses_german_with_german(staff_a, office_a):
    response = signed_in(staff_a).post(
        reverse("staff-request-new"), form_data(action="offers", language_1="de")
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "German and German is the same language" in page
    assert not Request.objects.exists()


def test_the_page_asks_one_language_for_a_task_in_one_language(staff_a, office_a):
    """Letters: the second language (prefilled with German) is hidden and not taken."""
    skill("letters")
    page = signed_in(staff_a).get(reverse("staff-request-new")).content.decode()
    assert 'class="field second-language"' in page
    response = signed_in(staff_a).post(
        reverse("staff-request-new"),
        form_data(action="save", skill="letters", language_1="ar", language_2="de"),
    )
    assert response.status_code == 303
    assert Request.objects.get().language_codes == ["ar"]


def test_the_candidate_panel_names_what_is_missing(staff_a, office_a):
    client = signed_in(staff_a)
    fragment = client.post(
        reverse("staff-request-new-candidates"), form_data(date="", postcode="")
    ).content.decode()
    assert "Still missing for the candidates: Date, Postcode of the place." in fragment
    assert "the best candidates appear here" not in fragment
    wrong = client.post(
        reverse("staff-request-new-candidates"), form_data(postcode="99999")
    ).content.decode()
    assert "Please correct: Postcode of the place – There is no postcode 99999" in wrong
    first = client.get(reverse("staff-request-new")).content.decode()
    assert "Still missing for the candidates: What is needed" in first
