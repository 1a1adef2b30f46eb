"""The volunteers' one language picker: a curated list, read back on the server, the same on
registration and profile; and the rules registration states (German, weekly times)."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from tests.factories.volunteers import profiled_volunteer
from tests.volunteers.test_registration_pages import REGISTER, form
from tests.volunteers.test_selfservice import edit_form, manage_path, snapshot
from volunteers import language_picker, languages
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def test_every_listed_language_has_a_german_name_and_no_stray_ones_are_listed():
    """No English-only names ("Gan Chinese", "Luo (Kenya and Tanzania)") and none of the
    languages nobody needs mediated here ("Bairisch", "Koptisch")."""
    de = {option.code: option.label for option in language_picker.options("de")}
    for code in de:
        assert languages.display_name(code, "de") != languages.display_name(code, "en") or (
            code in {"prs", "so", "ur", "hi", "ln", "rw", "om", "yo", "ig", "wo", "zza", "fil"}
            or languages.display_name(code, "de") in {"Tigrinya", "Punjabi", "Tamil", "Khmer"}
        ), code
    labels = " ".join(de.values())
    for stray in ("Bairisch", "Koptisch", "Gan", "Luo"):
        assert stray not in labels
    assert set(languages.NETWORK_COMMON) <= set(de)
    assert len(de) < 100


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Persisch – فارسی", "fa"),
        ("Persian – فارسی", "fa"),
        ("farsi", "fa"),
        ("فارسی", "fa"),
        ("per", "fa"),
        (" deutsch ", "de"),
        ("Dari", "prs"),
        ("Bairisch", None),
        ("bar", None),
        ("Klingonisch", None),
    ],
)
def test_it_reads_back_what_the_picker_sent(typed, code):
    assert language_picker.resolve(typed) == code


def test_registration_takes_the_labels_of_the_list(client):
    response = client.post(
        REGISTER,
        form(**{"lang-0-code": "Persisch – فارسی", "lang-1-code": "Deutsch"}),
    )
    assert response.status_code == 302
    assert sorted(Volunteer.objects.get().languages.values_list("code", flat=True)) == ["de", "fa"]


def test_registration_refuses_a_language_off_the_list_on_its_row(client):
    page = client.post(REGISTER, form(**{"lang-0-code": "Bairisch"})).content.decode()
    assert "Bairisch" in page.split('id="err_lang_0" class="error">')[1].split("</span>")[0]
    assert 'value="Bairisch"' in page
    assert not Volunteer.objects.exists()


def test_registration_without_german_is_refused_with_the_reason(client, api_anonymous):
    page = client.post(
        REGISTER, form(**{"lang-1-code": "", "lang-1-level": ""}), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Please add German too, at your level (A1 is enough)" in page
    answer = api_anonymous.post(
        "/api/volunteers/",
        {
            "name": "A",
            "email": "a@lotse.example",
            "languages": [{"code": "fa", "level": "native"}],
            "skills": [],
            "availability": [],
            "postcode": "44147",
            "consent": True,
        },
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert answer.status_code == 400
    assert "Please add German too" in answer.json()["languages"][0]
    assert not Volunteer.objects.exists()


def test_registration_says_what_no_weekly_times_mean(client):
    page = client.get(REGISTER, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No times at all? Then we count you as flexible" in page
    assert "Leave days empty when you have no time" not in page


def test_both_pages_use_the_same_picker_and_the_same_words(client):
    volunteer = profiled_volunteer()
    register = client.get(REGISTER, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    volunteer.email_language = "en"
    volunteer.save()
    profile = client.get(manage_path(volunteer, "edit/")).content.decode()
    for page in (register, profile):
        assert page.count('<datalist id="language-list">') == 1
        assert 'list="language-list"' in page
        assert "<select" not in page.split("<datalist")[0].split("Languages you speak")[1]
        times = page.split("When you are usually free")[1]
        assert ">From" in times and ">Until" in times
        assert "No times at all? Then we count you as flexible" in page
        assert "How far you would travel (km)" in page
        assert "What you would like to help with" in page


def test_the_profile_refuses_a_language_off_the_list_and_saves_nothing(client):
    volunteer = profiled_volunteer()
    path = manage_path(volunteer, "edit/")
    before = snapshot()
    page = client.post(path, edit_form(**{"languages-1-code": "Koptisch"})).content.decode()
    assert re.search(r'id="languages-1-error">[^<]*Koptisch', page)
    assert snapshot() == before
