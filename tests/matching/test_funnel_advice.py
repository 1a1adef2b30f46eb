"""When nobody at all fits, the advice says what to change: the missing language and who speaks
it at a lower level or speaks a language near it, the skill by name, phone or video for people
out of reach who help remotely."""

from __future__ import annotations

import pytest
from django.utils import translation

from matching.funnel import funnel
from tests.factories.matching import RECORDED_AT, appointment, fitting_volunteer


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def advice(need) -> str:
    result = funnel(need, now=RECORDED_AT)
    assert result.stop is not None
    return result.advice


def test_it_names_the_missing_language_and_who_speaks_it_at_a_lower_level(office_a):
    fitting_volunteer(languages=[("ti", "B1"), ("de", "C1")])
    fitting_volunteer(languages=[("en", "C1"), ("de", "C1")])
    fitting_volunteer(languages=[("en", "B2"), ("de", "B2")])
    said = advice(appointment(office_a, languages=["ti", "de"]))
    assert said.startswith("Nobody speaks Tigrinya at B2 or better.")
    assert "1 person speaks it at a lower level. A lower least level" in said
    # CLDR: many who speak Tigrinya also speak English.
    assert "Perhaps a language close to it will do; people speak English (2)." in said
    assert "German" not in said


def test_it_suggests_close_languages_people_speak(office_a):
    for _ in range(2):
        fitting_volunteer(languages=[("ru", "native"), ("de", "C1")])
    said = advice(appointment(office_a, languages=["uk", "de"]))
    assert said == (
        "Nobody speaks Ukrainian at B2 or better. "
        "Perhaps a language close to it will do; people speak Russian (2)."
    )


def test_without_anything_close_it_says_another_language_may_do(office_a):
    fitting_volunteer(languages=[("ar", "native"), ("de", "C1")])
    said = advice(appointment(office_a, languages=["ko", "de"]))
    assert said == "Nobody speaks Korean at B2 or better. Perhaps another language will do."


def test_it_says_when_each_language_is_spoken_but_not_together(office_a):
    fitting_volunteer(languages=[("fa", "native")])
    fitting_volunteer(languages=[("de", "native")])
    said = advice(appointment(office_a))
    assert "nobody speaks Persian and German together" in said


def test_it_names_the_skill(office_a):
    fitting_volunteer(skills=["letters"])
    assert advice(appointment(office_a)) == (
        "Nobody who speaks these languages offers Interpreting."
    )


def test_it_suggests_phone_or_video_when_people_out_of_reach_help_remotely(office_a):
    fitting_volunteer(postcode="44357", max_distance_km=3, remote_ok=True)
    fitting_volunteer(postcode="44357", max_distance_km=3, remote_ok=True)
    fitting_volunteer(postcode="44357", max_distance_km=3, remote_ok=False)
    said = advice(appointment(office_a))
    assert said.startswith("Nobody who fits lives close enough. 2 of them help by phone or video:")
    assert "make it a phone or video request" in said


def test_it_says_when_nobody_out_of_reach_helps_remotely(office_a):
    fitting_volunteer(postcode="44357", max_distance_km=3, remote_ok=False)
    assert advice(appointment(office_a)) == (
        "Nobody who fits lives close enough, and none of them helps by phone or video."
    )


def test_the_advice_is_german_for_german_staff(office_a):
    fitting_volunteer(languages=[("ru", "native"), ("de", "C1")])
    with translation.override("de"):
        said = advice(appointment(office_a, languages=["uk", "de"]))
    assert said == (
        "Niemand spricht Ukrainisch auf B2 oder besser. "
        "Vielleicht passt eine verwandte Sprache; gesprochen werden Russisch (1)."
    )
