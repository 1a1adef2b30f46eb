"""SMS that fit a phone: every offer in at most two segments, in every language Lotse sends in."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.utils import translation

from requests.models import Request
from tests.factories.requests import at, days_ahead, make_request
from volunteers import languages as language_names
from volunteers import places
from volunteers.models import Skill
from workers.sms import segments, texts

# Languages the network's requests ask for; the test picks the two longest names.
ASKED = ["fa", "prs", "ar", "ckb", "kmr", "ti", "uk", "ru", "tr", "ps", "so", "sq", "fr", "en"]
LONG_SITE = "https://lotse.lokal-willkommen.dortmund.example"


def test_it_counts_segments_as_a_phone_does():
    assert segments.count("a" * 160).segments == 1
    assert segments.count("a" * 161).segments == 2
    assert segments.count("a" * 306).segments == 2
    assert segments.count("a" * 307).segments == 3
    assert segments.count("ä" * 160) == segments.Count("GSM-7", 160, 1)  # umlauts are GSM
    assert segments.count("€" * 80).units == 160  # the extension table takes two septets
    assert segments.count("م" * 70) == segments.Count("UCS-2", 70, 1)
    assert segments.count("م" * 71).segments == 2
    assert segments.count("م" * 135).segments == 3
    assert segments.count("a–b").encoding == "UCS-2"
    assert segments.plain("Persisch–Dari „Ü“") == 'Persisch-Dari "Ü"'


def worst_request(office, language: str) -> Request:
    """The longest skill, the two longest language names and the longest district."""
    with translation.override(language):
        skill = max(Skill.objects.all(), key=lambda s: len(s.name))
        codes = sorted(
            ASKED, key=lambda c: len(language_names.display_name(c, language)), reverse=True
        )[:2]
    district = max(places.DISTRICTS, key=len)
    postcode = next(code for code, place in places._places().items() if place.district == district)
    request = make_request(
        office=office,
        languages=codes,
        skill_code=skill.code,
        starts_at=at(days_ahead(10), "10:00"),
        postcode=postcode,
        auto_offer=False,
        address="Lange Straße 123, Hinterhaus",
        note="Bitte Ausweis mitbringen",
    )
    assert request.district == district
    return request


@pytest.mark.parametrize("language", [code for code, _name in django_settings.LANGUAGES])
def test_every_offer_fits_in_two_segments_in_each_language(office_a, settings, language):
    """Each language in settings.LANGUAGES: the longest offer takes at most two segments,
    names the district (where the alphabet leaves room) but not the address or note, and ends
    with the answer and the link."""
    settings.SITE_URL = LONG_SITE
    request = worst_request(office_a, language)
    token = "A" * 22  # 16 random bytes
    with translation.override(language):
        answer = texts._("Reply YES %(code)s or NO %(code)s") % {"code": "4821"}
        text = texts.offer(request=request, code="4821", raw_token=token)
        others = [
            texts.confirmation(request=request, code="4821", raw_token=token),
            texts.reminder(request=request, code="4821", raw_token=token),
            texts.closed(request=request, code="4821"),
            texts.calendar_cancel(request=request, code="4821", released=True),
            texts.help_text(),
            texts.stopped(),
            texts.confirm_number(),
        ]
    assert segments.count(text).segments <= 2, (language, segments.count(text), text)
    assert text.endswith(f"{answer}. {LONG_SITE}/o/{token}/"), text
    if segments.count(text).encoding == "GSM-7":
        assert request.district in text or "..." in text
    else:  # Arabic, Persian, Cyrillic: behind this long address only the time stays
        assert "10:00-12:00" in text
    assert "Lange" not in text and "Ausweis" not in text
    for other in others:
        assert segments.count(other).segments <= 2, (language, other)
        assert "Lange" not in other and "Ausweis" not in other


def test_a_remote_offer_says_phone_or_video(office_a):
    request = make_request(office=office_a, remote=True, postcode="", auto_offer=False)
    with translation.override("en"):
        text = texts.offer(request=request, code="1234", raw_token="B" * 22)
    assert "Phone/video" in text
