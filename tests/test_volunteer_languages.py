"""Volunteers read Lotse in every language of settings.LOTSE_VOLUNTEER_LANGUAGES, right to left
where the language is written so; staff pages stay German and English."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail
from django.utils import translation

from tests.factories.requests import make_request, sent_by_hand
from tests.factories.volunteers import profiled_volunteer
from tests.volunteers.test_selfservice import manage_path
from workers import emails

pytestmark = pytest.mark.django_db

VOLUNTEER_LANGUAGES = list(settings.LOTSE_VOLUNTEER_LANGUAGES)
RTL = {"ar", "fa"}
SWITCH = re.compile(r'<button type="submit" name="language" value="([a-z-]+)"')

# A sentence of each page and its translation: the page is in the language, not only tagged.
REGISTER_HEADING = {
    "de": "Als Ehrenamtliche*r registrieren",
    "en": "Register as a volunteer",
    "ar": "التسجيل كمتطوع/متطوعة",
    "fa": "ثبت‌نام به عنوان داوطلب",
}
OFFER_QUESTION = {"en": "Can you help?", "ar": "هل يمكنكم المساعدة؟", "fa": "می‌توانید کمک کنید؟"}
PROFILE_HEADING = {"en": "Your profile", "ar": "ملفكم", "fa": "پروفایل شما"}


def html_tag(page: str) -> str:
    match = re.search(r"<html[^>]*>", page)
    assert match, page[:200]
    return match.group(0)


def assert_language(page: str, lang: str) -> None:
    direction = "rtl" if lang in RTL else "ltr"
    assert html_tag(page) == f'<html lang="{lang}" dir="{direction}">'


def test_the_languages_follow_from_one_setting():
    assert [code for code, _name in settings.LANGUAGES] == VOLUNTEER_LANGUAGES
    assert {"de", "en", "ar", "fa", "uk", "tr", "ru"} <= set(VOLUNTEER_LANGUAGES)


@pytest.mark.parametrize("lang", VOLUNTEER_LANGUAGES)
def test_the_registration_page_speaks_each_language(client, lang):
    page = client.get(f"/register/?lang={lang}").content.decode()
    assert_language(page, lang)
    if lang in REGISTER_HEADING:
        assert REGISTER_HEADING[lang] in page
    # The switch offers every volunteer language, each named in itself.
    assert SWITCH.findall(page) == VOLUNTEER_LANGUAGES
    # The email language's choices are the same list, the page's language chosen.
    assert re.search(rf'<option value="{lang}" lang="{lang}" selected>', page), "email language"


@pytest.mark.parametrize("lang", VOLUNTEER_LANGUAGES)
def test_the_offer_page_speaks_the_volunteers_language(client, lang):
    volunteer = profiled_volunteer(email_language=lang)
    sent = sent_by_hand(request=make_request(auto_offer=False), volunteer=volunteer)
    response = client.get(sent.path, HTTP_ACCEPT_LANGUAGE="de")
    page = response.content.decode()
    assert_language(page, lang)
    assert response["Content-Language"] == lang
    if lang in OFFER_QUESTION:
        assert OFFER_QUESTION[lang] in page


@pytest.mark.parametrize("lang", VOLUNTEER_LANGUAGES)
def test_the_profile_speaks_the_volunteers_language(client, lang):
    volunteer = profiled_volunteer(email_language=lang)
    page = client.get(manage_path(volunteer), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert_language(page, lang)
    if lang in PROFILE_HEADING:
        assert PROFILE_HEADING[lang] in page
    # The name someone typed keeps its own direction inside a right-to-left page.
    assert '<dd dir="auto">Samira Haidari</dd>' in page


def test_the_profile_writes_dates_the_ukrainian_way(client):
    """Django's Ukrainian months, in the form a date needs ("1 березня", not "1 березень")."""
    volunteer = profiled_volunteer(email_language="uk")
    page = client.get(manage_path(volunteer)).content.decode()
    assert "01 березня 2024 р." in page  # the certificate of conduct's date


def test_the_arabic_profile_writes_times_on_the_24_hour_clock(client):
    volunteer = profiled_volunteer(email_language="ar")
    page = client.get(manage_path(volunteer)).content.decode()
    assert "<bdi>09:00–12:00</bdi>" in page
    assert " م<" not in page and " ص<" not in page  # no 12-hour "2:30 م"


def test_an_arabic_offer_email_is_right_to_left_and_arabic(settings):
    volunteer = profiled_volunteer(email_language="ar")
    request = make_request(languages=("fa", "de"), auto_offer=False)
    sent = sent_by_hand(request=request, volunteer=volunteer)
    message = emails.offer_email(offer=sent.offer, raw_token=sent.token)
    html = message.alternatives[0][0]
    assert html_tag(html) == '<html lang="ar" dir="rtl">'
    assert "هل يمكنكم المساعدة؟" in html
    # The skill and the language of the appointment, in Arabic.
    assert "الترجمة الشفهية" in html and "الفارسية" in html
    assert "Sprachmittlung" not in message.body and "Persisch" not in message.body


def test_the_personal_link_email_of_a_persian_volunteer_is_right_to_left(client):
    from volunteers import registration

    volunteer = profiled_volunteer(email_language="fa")
    message = registration.link_email(volunteer=volunteer, purpose="manage", occasion="requested")
    html = message.alternatives[0][0]
    assert html_tag(html) == '<html lang="fa" dir="rtl">'
    assert message.subject == "Lotse: لینک شخصی شما"


def test_staff_pages_offer_only_german_and_english(client):
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="ar,fa;q=0.9").content.decode()
    assert html_tag(page) == '<html lang="de" dir="ltr">'
    assert SWITCH.findall(page) == ["de", "en"]


def test_a_staff_page_ignores_the_arabic_a_volunteer_chose(client):
    client.post("/i18n/setlang/", {"language": "ar", "next": "/register/"})
    assert 'lang="ar"' in html_tag(client.get("/register/").content.decode())
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert html_tag(page) == '<html lang="en" dir="ltr">'
    assert client.get("/login/?lang=fa").headers["Content-Language"] == "de"


def test_a_page_behind_a_broken_link_speaks_the_volunteers_language(client):
    page = client.get("/offers/not-a-token/?lang=ar")
    assert page.status_code == 404
    assert_language(page.content.decode(), "ar")


def test_consent_is_recorded_in_the_language_it_was_shown_in(client):
    from volunteers import consent

    assert consent.shown_language(language="ar") == "ar"
    page = client.get("/register/?lang=ar").content.decode()
    assert 'id="consent_note"' not in page
    assert consent.text(language="ar")[:20] in page


def test_a_german_consent_text_without_translation_is_shown_in_german_and_says_so(
    client, monkeypatch
):
    from volunteers import consent

    monkeypatch.setitem(consent.TEXTS, "2099-01", {"de": "Neuer Text.", "en": "New text."})
    monkeypatch.setattr(consent, "CURRENT_VERSION", "2099-01")
    page = client.get("/register/?lang=fa").content.decode()
    assert 'id="consent_note"' in page
    assert '<div class="consent" id="consent_text" lang="de" dir="auto">Neuer Text.</div>' in page
    assert consent.shown_language(language="fa") == "de"


@pytest.mark.parametrize("lang", VOLUNTEER_LANGUAGES)
def test_the_language_picker_names_languages_in_the_page_language(client, lang):
    page = client.get(f"/register/?lang={lang}").content.decode()
    persian = {"de": "Persisch", "en": "Persian", "ar": "الفارسية", "fa": "فارسی"}
    persian |= {"uk": "Перська", "tr": "Farsça", "ru": "Персидский"}
    assert f'<option value="{persian[lang]}' in page


def test_mail_outbox_is_untouched():
    assert mail.outbox == []
    with translation.override("ar"):
        assert translation.get_language_bidi()
