"""The registration page and "send me my link again": plain HTML forms, German and English."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from tests.factories.volunteers import bare_volunteer
from tests.volunteers.test_registration import (
    CONFIRM_LINK,
    PROFILE_LINK,
    Committing,
    link_in,
    registration_limit,
)
from volunteers import consent, registration
from volunteers.models import PersonalToken, SpokenLanguage, Volunteer

pytestmark = pytest.mark.django_db

REGISTER = "/register/"
LINK_AGAIN = "/volunteer/link/"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Every test starts with an unused registration limit (it lives in the cache)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def browser(client, django_capture_on_commit_callbacks) -> Committing:
    return Committing(client, django_capture_on_commit_callbacks)


def form(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Ayşe Demir",
        "email": "ayse@lotse.example",
        "phone": "0231 1234567",
        "email_language": "en",
        "lang-0-code": "fa",
        "lang-0-level": "native",
        "lang-1-code": "de",
        "lang-1-level": "B1",
        "skills": ["interpreting", "letters"],
        "avail-0-0-start": "09:00",
        "avail-0-0-end": "12:00",
        "avail-0-1-start": "14:00",
        "avail-0-1-end": "16:00",
        "avail-2-0-start": "10:00",
        "avail-2-0-end": "11:00",
        "postcode": "44357",
        "max_distance_km": "15",
        "remote_ok": "yes",
        "max_tasks_per_month": "3",
        "gender": "female",
        "certificate_date": "2026-03-01",
        "consent": "yes",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def error_of(page: str, element_id: str) -> str:
    match = re.search(rf'<span id="{element_id}" class="error">(.*?)</span>', page, re.S)
    assert match, f"no error with id {element_id} on the page"
    return match.group(1)


def test_it_shows_the_registration_form_in_german(client):
    """Every field has a label, the consent text is shown, and the page needs no JavaScript."""
    page = client.get(REGISTER).content.decode()

    for field in ("name", "email", "phone", "postcode", "max_distance_km", "remote_ok"):
        assert f'<label for="id_{field}">' in page
    for field in ("gender", "certificate_date", "max_tasks_per_month", "email_language"):
        assert f'<label for="id_{field}">' in page
    assert '<label for="id_lang_3_code">' in page
    assert '<label for="id_avail_6_1_end">' in page
    assert 'name="skills" value="interpreting"' in page
    assert "Sprachmittlung" in page
    assert "Montag" in page and "Sonntag" in page
    assert escape(consent.text(language="de")) in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert "<script" not in page


def test_it_offers_the_networks_languages_first_then_the_others_alphabetically(client):
    """The picker's one list starts with German, Arabic, Farsi, Dari...; the rest follow by
    name; every row's box uses it."""
    page = client.get(REGISTER).content.decode()
    datalist = page.split('<datalist id="language-list">')[1].split("</datalist>")[0]
    labels = re.findall(r'<option value="([^"]+)">', datalist)
    assert labels[:5] == [
        "Deutsch",
        "Arabisch – العربية",
        "Persisch – فارسی",
        "Dari – دری",
        "Paschtu – پښتو",
    ]
    assert labels[20] == "Englisch – English"
    others = labels[21:]
    assert len(others) > 50
    assert others.index("Polnisch – polski") < others.index("Urdu – اردو")
    assert (
        len(re.findall(r'<input type="text" id="id_lang_\d_code"[^>]*list="language-list"', page))
        == 4
    )
    assert page.count("<datalist") == 1


def test_it_speaks_english_after_the_language_switch(client):
    """The form and the consent text switch to English."""
    client.post("/i18n/setlang/", {"language": "en", "next": REGISTER})
    page = client.get(REGISTER).content.decode()

    assert "Register as a volunteer" in page
    assert escape(consent.text(language="en")) in page
    assert "Monday" in page


def test_it_registers_from_the_form_and_redirects_to_check_your_inbox(browser, mailoutbox):
    """A complete form stores a pending volunteer and sends the confirmation email."""
    response = browser.post(REGISTER, form())

    assert response.status_code == 302
    assert response["Location"] == reverse("volunteer-register-sent")
    assert browser.get(response["Location"]).status_code == 200
    volunteer = Volunteer.objects.get()
    assert volunteer.status == Volunteer.Status.PENDING
    assert sorted(volunteer.languages.values_list("code", "level")) == [
        ("de", "B1"),
        ("fa", "native"),
    ]
    assert sorted(volunteer.skill_set.values_list("skill__code", flat=True)) == [
        "interpreting",
        "letters",
    ]
    slots = [
        (s.weekday, f"{s.start:%H:%M}", f"{s.end:%H:%M}") for s in volunteer.availability.all()
    ]
    assert slots == [(0, "09:00", "12:00"), (0, "14:00", "16:00"), (2, "10:00", "11:00")]
    assert (volunteer.max_distance_km, volunteer.remote_ok, volunteer.max_tasks_per_month) == (
        15,
        True,
        3,
    )
    assert (volunteer.gender, str(volunteer.certificate_date)) == ("female", "2026-03-01")
    assert (volunteer.email_language, volunteer.consent_language) == ("en", "de")
    [message] = mailoutbox
    assert message.subject == "Lotse: Please confirm your email address"
    assert CONFIRM_LINK.search(message.body)


def test_it_shows_the_mistakes_next_to_the_fields_and_keeps_what_was_typed(browser, mailoutbox):
    """A bad form comes back with the API's messages beside each field, and nothing is stored."""
    response = browser.post(
        REGISTER,
        form(
            postcode="4435",
            **{"lang-1-level": None, "avail-2-0-end": "09:00"},
            consent=None,
        ),
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in page
    with translation.override("de"):
        assert error_of(page, "err_postcode") == gettext(
            "Enter a German postcode of five digits, e.g. 44147."
        )
        assert error_of(page, "err_consent") == gettext(
            "Please agree to the processing of your data; we cannot register you without."
        )
        assert error_of(page, "err_day_2") == gettext("The start must be before the end.")
    assert 'aria-describedby="hint_postcode err_postcode"' in page
    assert error_of(page, "err_lang_1")  # the missing level, in the language's own row
    assert 'value="Ayşe Demir"' in page
    assert re.search(r'id="id_lang_0_code" name="lang-0-code" value="fa"', page)
    assert 'value="09:00"' in page
    assert Volunteer.objects.count() == SpokenLanguage.objects.count() == 0
    assert mailoutbox == []


def test_it_names_overlapping_time_windows_at_the_availability(browser):
    """Two windows of one day that overlap are refused with the times in the message."""
    response = browser.post(REGISTER, form(**{"avail-0-1-start": "11:00"}))

    page = response.content.decode()
    with translation.override("de"):
        expected = gettext("%(a)s and %(b)s overlap on the same day.") % {
            "a": "09:00–12:00",
            "b": "11:00–16:00",
        }
    assert error_of(page, "err_availability") == expected
    assert Volunteer.objects.count() == 0


def test_it_sends_the_personal_link_only_to_a_known_address(browser, mailoutbox):
    """Known or unknown address: the same answer; only the registered person gets an email."""
    volunteer = bare_volunteer(email="jonas@lotse.example")

    known = browser.post(LINK_AGAIN, {"email": "Jonas@Lotse.example"})
    unknown = browser.post(LINK_AGAIN, {"email": "nobody@lotse.example"})

    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert known["Location"] == reverse("volunteer-link-sent")
    [message] = mailoutbox
    assert message.to == ["jonas@lotse.example"]
    manage = link_in(message, PROFILE_LINK)
    assert PersonalToken.objects.get().volunteer_id == volunteer.pk
    assert manage not in PersonalToken.objects.get().digest


def test_it_sends_a_new_confirmation_link_to_someone_not_yet_confirmed(browser, mailoutbox):
    """Asking for the link before confirming gives a fresh confirmation link."""
    bare_volunteer(status=Volunteer.Status.PENDING)

    browser.post(LINK_AGAIN, {"email": "jonas@lotse.example"})

    [message] = mailoutbox
    assert CONFIRM_LINK.search(message.body)
    assert PersonalToken.objects.get().purpose == "confirm"


def test_it_asks_again_for_a_malformed_address(browser, mailoutbox):
    """A typo in the address is pointed out next to the field; nothing is sent."""
    response = browser.post(LINK_AGAIN, {"email": "jonas@"})

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="err_email"' in page
    assert 'value="jonas@"' in page
    assert mailoutbox == []


def test_it_limits_link_requests_per_connection(browser, mailoutbox):
    """Past the limit per connection (20 an hour by default) the page says 429; the address
    itself got only the few links a person may be sent an hour."""
    bare_volunteer()
    limit = registration_limit()
    answers = [
        browser.post(LINK_AGAIN, {"email": "jonas@lotse.example"}).status_code
        for _ in range(limit + 1)
    ]

    assert answers == [302] * limit + [429]
    assert len(mailoutbox) == registration.TYPED_LINKS_PER_HOUR


def test_it_does_not_count_forms_sent_back_for_correction(browser, mailoutbox):
    """Typos never lock anyone out: only forms that send an email count against the limit."""
    for _ in range(registration_limit() + 5):
        assert browser.post(REGISTER, form(postcode="4435")).status_code == 200

    assert browser.post(REGISTER, form()).status_code == 302
    assert len(mailoutbox) == 1
