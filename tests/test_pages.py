"""The staff pages that exist so far: login, start page, language switch."""

import re
from pathlib import Path

from tests.factories.requests import PASSWORD


def test_it_sends_anonymous_visitors_to_the_login_page(client, db):
    """The start page needs a login."""
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_it_logs_staff_in_and_shows_their_offices(client, staff_a, office_a, office_b):
    """After login, staff see their own office, not the others."""
    response = client.post(
        "/login/", {"username": staff_a.user.username, "password": PASSWORD}, follow=True
    )
    page = response.content.decode()
    assert office_a.name in page
    assert office_b.name not in page


def test_it_shows_a_clear_error_for_a_wrong_password(client, staff_a):
    """A wrong password keeps the form with an error read out by screen readers."""
    response = client.post("/login/", {"username": staff_a.user.username, "password": "nope"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in page


def test_it_speaks_german_first_and_english_on_request(client, db):
    """The login page is German by default and English after switching the language."""
    german = client.get("/login/").content.decode()
    assert 'lang="de"' in german
    assert "Anmeldung für Mitarbeitende der Büros" in german
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    english = client.get("/login/").content.decode()
    assert 'lang="en"' in english
    assert "Log in for office staff" in english


def test_the_language_switch_names_each_language_in_itself(client, db):
    """Someone who reads no German finds "English" on the German page, and back again."""
    switch = re.compile(
        r'<button type="submit" name="language" value="(\w+)"[^>]*>([^<]+)</button>'
    )
    german = dict(switch.findall(client.get("/login/").content.decode()))
    assert german == {"de": "Deutsch", "en": "English"}
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    english = dict(switch.findall(client.get("/login/").content.decode()))
    assert english == {"de": "Deutsch", "en": "English"}


def test_it_has_a_german_text_for_every_message():
    """No German user meets an untranslated English text."""
    po = (Path(__file__).resolve().parent.parent / "locale/de/LC_MESSAGES/django.po").read_text()
    entries = re.findall(r'msgid ((?:".*"\n)+)msgstr ((?:".*"\n)+)', po)
    untranslated = [m for m, s in entries[1:] if s.strip() == '""']
    assert entries and not untranslated, f"translate these in django.po: {untranslated}"
    # gettext ignores fuzzy entries: they would show English although a German text is there.
    assert "#, fuzzy" not in po, "check and unmark the entries makemessages marked fuzzy"
    # Plural forms: each must have text, whether on one line or wrapped over several.
    plurals = re.findall(r'msgstr\[\d\] ((?:".*"\n)+)', po)
    empty = [s for s in plurals if not "".join(re.findall(r'"(.*)"', s))]
    assert plurals and not empty, f"translate every plural form in django.po: {empty}"


def test_browsers_find_the_icon_instead_of_a_404(client):
    """Every page links Lotse's icon, and /favicon.ico (which browsers ask for anyway) leads to
    it: no page load logs a 404."""
    from django.contrib.staticfiles import finders

    page = client.get("/login/").content.decode()
    assert 'rel="icon"' in page and "lotse/favicon" in page
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301
    assert answer["Location"].endswith("lotse/favicon.svg")
    assert finders.find("lotse/favicon.svg")
