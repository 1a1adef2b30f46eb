"""Language codes, names, search and closeness as volunteers and office staff see them."""

import dataclasses

import pytest

from volunteers.languages import (
    InvalidLanguage,
    LanguageInfo,
    autonym,
    canonical_tag,
    catalogue,
    display_name,
    distance,
    is_close,
    search,
)


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("per", "fa"),
        ("fas", "fa"),
        ("fa", "fa"),
        ("fa-IR", "fa"),
        ("FA", "fa"),
        ("pes", "fa"),
        ("ara", "ar"),
        ("ar-SY", "ar"),
        ("tir", "ti"),
        ("ukr", "uk"),
        ("deu", "de"),
        ("ger", "de"),
        ("de-DE", "de"),
        (" de ", "de"),
    ],
)
def test_it_gives_every_spelling_of_a_language_the_same_code(tag: str, expected: str) -> None:
    """ISO 639-2/3 codes, regional tags and odd case all become one short code."""
    assert canonical_tag(tag) == expected


@pytest.mark.parametrize("tag", ["prs", "PRS", "fa-AF", "fa-Arab-AF", "prs-IR"])
def test_it_keeps_dari_apart_from_persian(tag: str) -> None:
    """Dari is a language of its own for our users, however langcodes spells it."""
    assert canonical_tag(tag) == "prs"


@pytest.mark.parametrize("tag", ["kmr", "ckb", "apc", "ku"])
def test_it_keeps_kurdish_and_arabic_varieties_as_they_are(tag: str) -> None:
    """Kurmanji, Sorani, Levantine Arabic and Kurdish keep their own codes."""
    assert canonical_tag(tag) == tag


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("sr-Latn", "sr-Latn"), ("sr-Cyrl", "sr"), ("zh-Hant", "zh-Hant"), ("zh-Hans", "zh")],
)
def test_it_keeps_a_script_only_when_it_is_not_the_usual_one(tag: str, expected: str) -> None:
    """Serbian in Latin letters stays marked; Serbian in Cyrillic is just Serbian."""
    assert canonical_tag(tag) == expected


@pytest.mark.parametrize(
    "tag",
    ["", "klingon", "und", "mul", "zxx", "qaa", "qqq", "qtz", "x-foo", "xx", "zzz", "Latn"],
)
def test_it_refuses_what_is_not_a_known_language(tag: str) -> None:
    """Malformed tags, 'unknown', private-use and unnamed codes are refused by name."""
    with pytest.raises(InvalidLanguage) as excinfo:
        canonical_tag(tag)
    assert repr(tag) in str(excinfo.value)
    assert isinstance(excinfo.value, ValueError)


@pytest.mark.parametrize(
    ("code", "de", "en"),
    [
        ("prs", "Dari", "Dari"),
        ("kmr", "Kurmandschi (Nordkurdisch)", "Kurmanji (Northern Kurdish)"),
        ("ckb", "Sorani (Zentralkurdisch)", "Sorani (Central Kurdish)"),
        ("apc", "Levantinisches Arabisch", "Levantine Arabic"),
        ("fa", "Persisch", "Persian"),
        ("uk", "Ukrainisch", "Ukrainian"),
        ("sr-Latn", "Serbisch (Lateinisch)", "Serbian (Latin)"),
    ],
)
def test_it_names_languages_in_german_and_english(code: str, de: str, en: str) -> None:
    """Refugee languages get the names used in the offices, not CLDR's gaps."""
    assert display_name(code, "de") == de
    assert display_name(code, "en") == en


def test_it_names_languages_in_every_volunteer_language_and_refuses_unknown_ones() -> None:
    """A volunteer reading Arabic or Ukrainian finds the languages named in theirs (CLDR, with
    the offices' own names where CLDR has none); a code CLDR has no names in is refused."""
    assert display_name("fa", "ar") == "الفارسية"
    assert display_name("prs", "fa") == "دری"
    assert display_name("de", "uk") == "німецька"
    assert display_name("ckb", "tr") == "Sorani (Orta Kürtçe)"
    with pytest.raises(ValueError, match="'qqq'"):
        display_name("fa", "qqq")


@pytest.mark.parametrize(
    ("code", "expected"),
    [("prs", "دری"), ("kmr", "Kurmancî"), ("ckb", "کوردیی ناوەندی"), ("fa", "فارسی")],
)
def test_it_names_languages_in_themselves(code: str, expected: str) -> None:
    """Dari is called دری, not 'Persian (Afghanistan)' written in Persian."""
    assert autonym(code) == expected


def test_it_lists_each_language_once_under_its_canonical_code() -> None:
    """The catalogue holds hundreds of languages, no duplicates, no deprecated codes."""
    codes = [info.code for info in catalogue()]
    assert len(codes) == len(set(codes))
    assert len(codes) > 500
    assert {"fa", "prs", "ar", "apc", "acm", "ku", "kmr", "ckb", "ti", "uk", "de"} <= set(codes)
    assert not {"pes", "per", "iw", "sh", "und", "mul", "zxx"} & set(codes)
    assert all(canonical_tag(code) == code for code in codes)


def test_it_describes_a_catalogue_entry_in_both_ui_languages() -> None:
    """An entry carries both names, its autonym and a speaker count, and is read-only."""
    dari = next(info for info in catalogue() if info.code == "prs")
    assert (dari.name("de"), dari.name("en"), dari.autonym) == ("Dari", "Dari", "دری")
    assert dari.population > 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        dari.code = "fa"  # type: ignore[misc]


def _codes(results: list[LanguageInfo]) -> list[str]:
    return [info.code for info in results]


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("far", "fa"),
        ("Farsi", "fa"),
        ("Persisch", "fa"),
        ("فارسی", "fa"),
        ("Dari", "prs"),
        ("dari", "prs"),
        ("Tigrinya", "ti"),
        ("Ukrainisch", "uk"),
        ("ar", "ar"),
        ("deu", "de"),
        ("Sorani", "ckb"),
        ("kurmanci", "kmr"),
    ],
)
def test_it_puts_the_language_meant_first(query: str, first: str) -> None:
    """What people type in a picker brings up the language they mean on top."""
    assert _codes(search(query))[0] == first


def test_it_finds_persian_typed_on_an_arabic_keyboard() -> None:
    """'فارسي' with an Arabic yeh finds Persian just like 'فارسی' with a Persian yeh."""
    assert _codes(search("فارسي"))[0] == "fa"


def test_it_ignores_case_and_latin_accents() -> None:
    """'turk' finds Türkisch, 'KURMANCÎ' finds Kurmanji."""
    assert _codes(search("turk"))[0] == "tr"
    assert _codes(search("KURMANCÎ"))[0] == "kmr"


def test_it_finds_all_kurdish_languages() -> None:
    """'Kurd' brings up Kurdish, Kurmanji and Sorani, with plain Kurdish first."""
    codes = _codes(search("Kurd"))
    assert {"ku", "kmr", "ckb"} <= set(codes)
    assert codes[0] == "ku"


def test_it_finds_nothing_for_nonsense() -> None:
    """A query matching no code or name gives an empty list."""
    assert search("xyzqq") == []


def test_it_lists_everything_by_speakers_for_an_empty_query() -> None:
    """An empty query returns the whole catalogue, most spoken languages first."""
    results = search("")
    assert len(results) == len(catalogue())
    populations = [info.population for info in results]
    assert populations == sorted(populations, reverse=True)


def test_it_cuts_results_at_the_limit() -> None:
    """limit caps the number of results without changing their order."""
    assert search("a", limit=3) == search("a")[:3]


def test_it_searches_german_names_only_for_german_users() -> None:
    """English users find Ukrainian by its English name; German names are not searched."""
    assert _codes(search("Ukrainian", lang="en"))[0] == "uk"
    assert search("Ukrainisch", lang="en") == []


def test_it_sees_dari_and_persian_as_close() -> None:
    """A Persian speaker can help someone who speaks Dari, and the other way round."""
    assert distance("prs", "fa") == 4
    assert is_close("prs", "fa")
    assert is_close("fa", "prs")


def test_it_sees_kurmanji_and_sorani_as_far_apart() -> None:
    """Kurmanji and Sorani speakers do not understand each other well enough."""
    assert distance("kmr", "ckb") == 134
    assert not is_close("kmr", "ckb")


def test_it_measures_closeness_from_the_need_to_the_offer() -> None:
    """A Swiss German speaker manages with German, not necessarily the reverse."""
    assert is_close("gsw", "de")
    assert not is_close("de", "gsw")


def test_it_lets_the_caller_choose_the_threshold() -> None:
    """A stricter threshold turns Dari and Persian into a mismatch."""
    assert not is_close("prs", "fa", threshold=3)
    assert is_close("apc", "ar", threshold=20)
