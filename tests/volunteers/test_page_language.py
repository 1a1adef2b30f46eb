"""A volunteer's pages speak the volunteer's language (the one chosen for Lotse's emails), also
when the browser asks for another, and show dates German-style in every language."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from tests.factories.volunteers import profiled_volunteer
from tests.volunteers.test_selfservice import manage_path
from volunteers import tokens

pytestmark = pytest.mark.django_db


def test_the_profile_link_from_a_german_email_opens_a_german_page(client):
    volunteer = profiled_volunteer(email_language="de")
    response = client.get(manage_path(volunteer), HTTP_ACCEPT_LANGUAGE="en-US,en")
    page = response.content.decode()
    assert '<html lang="de"' in page
    assert response["Content-Language"] == "de"
    assert "Ihr Profil" in page


def test_an_english_speaking_volunteer_gets_english_pages_from_a_german_browser(client):
    volunteer = profiled_volunteer(email_language="en")
    page = client.get(manage_path(volunteer, "edit/"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<html lang="en"' in page
    assert "Change my details" in page


def test_the_language_switch_still_wins(client):
    volunteer = profiled_volunteer(email_language="de")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert '<html lang="en"' in client.get(manage_path(volunteer)).content.decode()


def test_the_unsubscribe_page_shows_the_date_german_style_in_english(client):
    volunteer = profiled_volunteer(email_language="en")
    raw = tokens.issue(volunteer=volunteer, purpose="pause")
    page = client.post(f"/email/unsubscribe/{raw}/").content.decode()
    volunteer.refresh_from_db()
    until: dt.date = volunteer.paused_until
    assert until > timezone.localdate()
    assert f"{until.day} {until:%B} {until.year}" in page  # "6 December 2027"
    assert f"{until:%b}. {until.day}, {until.year}" not in page  # not "Dec. 6, 2027"
