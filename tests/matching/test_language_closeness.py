"""Close languages: a Dari speaker can stand in for Persian, Kurmanji and Sorani cannot swap.

Closeness comes from CLDR's language-matching data (through `volunteers.languages.distance`),
never from a hand-written list; `MATCHING_LANGUAGE_CLOSENESS` is the largest distance accepted.
"""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.utils import translation

from matching import eligibility, rank
from tests.factories.matching import RECORDED_AT, appointment, eligible_ids, fitting_volunteer
from volunteers import languages

pytestmark = pytest.mark.django_db


def by_volunteer(need) -> dict:
    with translation.override("en"):
        return {match.volunteer_id: match for match in rank(need, now=RECORDED_AT)}


def test_it_offers_a_persian_request_to_a_dari_speaker_below_a_persian_speaker(office_a):
    """Dari speakers are candidates for Persian, ranked below an otherwise equal Persian
    speaker, with a reason saying so."""
    need = appointment(office_a)
    persian = fitting_volunteer(languages=[("fa", "native"), ("de", "C1")])
    dari = fitting_volunteer(languages=[("prs", "native"), ("de", "C1")])

    matches = by_volunteer(need)

    assert set(matches) == {persian.pk, dari.pk}
    assert matches[dari.pk].score < matches[persian.pk].score
    assert matches[dari.pk].rank > matches[persian.pk].rank
    assert "speaks Dari, close to Persian" in matches[dari.pk].reasons
    assert "Persian native, German C1" in matches[persian.pk].reasons
    assert not any("close to" in reason for reason in matches[persian.pk].reasons)


def test_it_says_in_german_which_close_language_someone_speaks(office_a):
    """Staff working in German see the language names in German."""
    need = appointment(office_a)
    dari = fitting_volunteer(languages=[("prs", "native"), ("de", "C1")])
    with translation.override("de"):
        (match,) = rank(need, now=RECORDED_AT)
    assert match.volunteer_id == dari.pk
    assert any("Dari" in reason and "Persisch" in reason for reason in match.reasons)
    assert "Deutsch C1" in match.reasons


def test_it_offers_a_dari_request_to_a_persian_speaker_as_cldr_says_they_are_close(office_a):
    """CLDR puts Persian as close to Dari (distance 4) as the other way round, so a Persian
    speaker is a candidate for Dari too, below a Dari speaker."""
    assert languages.distance("prs", "fa") == 4
    need = appointment(office_a, languages=["prs", "de"])
    persian = fitting_volunteer(languages=[("fa", "native"), ("de", "C1")])
    dari = fitting_volunteer(languages=[("prs", "native"), ("de", "C1")])

    matches = by_volunteer(need)

    assert matches[persian.pk].score < matches[dari.pk].score
    assert "speaks Persian, close to Dari" in matches[persian.pk].reasons


@pytest.mark.parametrize(("needed", "spoken"), [("ckb", "kmr"), ("kmr", "ckb")])
def test_it_never_lets_kurmanji_and_sorani_stand_in_for_each_other(office_a, needed, spoken):
    """Kurmanji and Sorani are both Kurdish, but speakers of one do not follow the other."""
    need = appointment(office_a, languages=[needed, "de"])
    fitting_volunteer(languages=[(spoken, "native"), ("de", "C1")])
    same = fitting_volunteer(languages=[(needed, "native"), ("de", "C1")])
    assert eligible_ids(need) == {same.pk}


def test_it_still_needs_the_level_in_the_close_language(office_a):
    """A close language must be spoken at the needed level too: B1 Dari does not interpret."""
    need = appointment(office_a)
    fitting_volunteer(languages=[("prs", "B1"), ("de", "C1")])
    b2 = fitting_volunteer(languages=[("prs", "B2"), ("de", "C1")])
    assert eligible_ids(need) == {b2.pk}


@override_settings(MATCHING_LANGUAGE_CLOSENESS=0)
def test_it_takes_no_close_languages_with_threshold_zero(office_a):
    """With the closeness threshold at 0, only Persian itself serves a Persian request."""
    need = appointment(office_a)
    fitting_volunteer(languages=[("prs", "native"), ("de", "C1")])
    persian = fitting_volunteer()
    assert eligible_ids(need) == {persian.pk}


def test_it_computes_the_close_languages_once_per_threshold():
    """The catalogue is scanned once per (language, threshold) and process, not per ranking."""
    eligibility.acceptable_languages.cache_clear()
    first = eligibility.acceptable_languages("fa", threshold=10)
    again = eligibility.acceptable_languages("fa", threshold=10)
    strict = eligibility.acceptable_languages("fa", threshold=0)
    assert again is first
    assert dict(first) == {"fa": 0, "prs": 4}
    assert dict(strict) == {"fa": 0}
    assert eligibility.acceptable_languages.cache_info().misses == 2
