"""Language catalogue and language-tag helpers for matching volunteers to needs.

Volunteers say which languages they speak and welcome offices say which languages a
need calls for. Both sides are stored as canonical language codes produced here, so
that "per", "fas", "fa-IR" and "FA" all end up as the same ``fa``. The module also
names languages in German and English (with corrections for the refugee languages
CLDR names badly), offers a searchable catalogue for pickers, and tells how close
two languages are using CLDR's language-matching data.

Pure Python on top of ``langcodes`` and ``language_data``; no Django, no database.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import langcodes
from langcodes import Language, LanguageTagError
from language_data.names import code_to_names

# The languages whose names LABELS always gives; names in any other language CLDR covers come
# from CLDR (with LABELS' entry where there is one).
UI_LANGUAGES: tuple[str, ...] = ("de", "en")

# Names for languages our users speak where CLDR (as shipped in language_data) has no
# German name, or a name that does not match what people in the welcome offices and
# the communities themselves say. Looked up before langcodes.
LABELS: dict[str, dict[str, str]] = {
    # langcodes folds Dari into "Persian (Afghanistan)"; for mediation it is its own
    # language, and Afghans would not recognise themselves in that label.
    "prs": {
        **{"en": "Dari", "de": "Dari", "ar": "الدرية", "fa": "دری"},
        **{"uk": "дарі", "tr": "Darice", "ru": "дари"},
    },
    # CLDR only has English names for these, and "Northern/Central Kurdish" is not
    # what speakers call them: Kurmanji and Sorani are the everyday names.
    "kmr": {
        **{"en": "Kurmanji (Northern Kurdish)", "de": "Kurmandschi (Nordkurdisch)"},
        **{"ar": "الكرمانجية (الكردية الشمالية)", "fa": "کرمانجی (کردی شمالی)"},
        **{"uk": "курманджі (північнокурдська)", "tr": "Kurmanci (Kuzey Kürtçesi)"},
        "ru": "курманджи (северокурдский)",
    },
    "ckb": {
        **{"en": "Sorani (Central Kurdish)", "de": "Sorani (Zentralkurdisch)"},
        **{"ar": "السورانية (الكردية الوسطى)", "fa": "سورانی (کردی مرکزی)"},
        **{"uk": "сорані (центральнокурдська)", "tr": "Sorani (Orta Kürtçe)"},
        "ru": "сорани (центральнокурдский)",
    },
    # CLDR says "North Levantine Arabic" and has no German name; Syrians, Lebanese
    # and Palestinians simply speak "Levantine".
    "apc": {
        **{"en": "Levantine Arabic", "de": "Levantinisches Arabisch", "ar": "العربية الشامية"},
        **{"fa": "عربی شامی", "uk": "левантійська арабська", "tr": "Levanten Arapçası"},
        "ru": "левантийский арабский",
    },
    # CLDR's "Mesopotamian Arabic" is a linguist's term; people say Iraqi Arabic.
    "acm": {
        **{"en": "Iraqi Arabic", "de": "Irakisches Arabisch", "ar": "العربية العراقية"},
        **{"fa": "عربی عراقی", "uk": "іракська арабська", "tr": "Irak Arapçası"},
        "ru": "иракский арабский",
    },
    # Pinned because CLDR is drifting towards treating "ku" as Kurmanji (its autonym
    # is already "kurdî (kurmancî)"); for us "ku" means Kurdish of any variety.
    "ku": {
        **{"en": "Kurdish", "de": "Kurdisch", "ar": "الكردية", "fa": "کردی"},
        **{"uk": "курдська", "tr": "Kürtçe", "ru": "курдский"},
    },
    # CLDR has no German name for German Sign Language.
    "gsg": {
        **{"en": "German Sign Language", "de": "Deutsche Gebärdensprache"},
        **{"ar": "لغة الإشارة الألمانية", "fa": "زبان اشاره آلمانی"},
        **{"uk": "німецька жестова мова", "tr": "Alman İşaret Dili"},
        "ru": "немецкий жестовый язык",
    },
    # CLDR's "Syrisch" reads as "Syrian" in German; people say Aramaic.
    "syr": {
        **{"en": "Aramaic (Syriac)", "de": "Aramäisch (Syrisch)", "ar": "الآرامية (السريانية)"},
        **{"fa": "آرامی (سریانی)", "uk": "арамейська (сирійська)", "tr": "Aramice (Süryanice)"},
        "ru": "арамейский (сирийский)",
    },
}

# Autonyms where langcodes has none (it falls back to English) or a misleading one.
AUTONYMS: dict[str, str] = {
    # langcodes says "فارسی (افغانستان)", i.e. "Persian (Afghanistan)".
    "prs": "دری",
    # langcodes says "kurdî (kurmancî)"; Kurmanji speakers write "Kurmancî".
    "kmr": "Kurmancî",
    # For the umbrella code, show both scripts rather than only the Kurmanji name.
    "ku": "Kurdî / کوردی",
    # langcodes has "العامية" ("the colloquial"), which says nothing about which one.
    "apc": "شامي",
    "acm": "عراقي",
    "zza": "Zazakî",
    "gsg": "Deutsche Gebärdensprache",
    # langcodes falls back to English ("Egyptian Arabic", "Romany").
    "arz": "مصري",
    "rom": "Romanes",
}

# Extra names people type into a search box that are in no CLDR table. Searched, but
# never displayed.
ALIASES: dict[str, list[str]] = {
    "fa": ["Farsi"],
    "prs": ["Dari", "Afghan Persian", "Afghanisches Persisch"],
    "kmr": ["Kurmanji", "Kurmandschi", "Badini", "Behdînî"],
    "ckb": ["Sorani", "سۆرانی"],
    "apc": ["Shami", "Syrian Arabic", "Syrisch-Arabisch"],
    "ps": ["Pashtu", "Paschto"],
    "ti": ["Tigrinisch"],
}

# Region variants that are languages of their own for our users, as the langcodes
# (language, territory) they are folded into. langcodes turns "prs" into "fa-AF".
_REGIONAL_LANGUAGES: dict[str, tuple[str, str]] = {"prs": ("fa", "AF")}

# Individual languages whose code users pick when they mean the macrolanguage that
# everyone else uses: nobody offering "Iranian Persian" means anything but Persian.
_MERGED_INTO: dict[str, str] = {"pes": "fa", "arb": "ar"}

# The IANA registry's "special" codes: they have CLDR names but are not languages
# anybody can speak.
_NOT_LANGUAGES: frozenset[str] = frozenset({"und", "mul", "mis", "zxx"})

_CODE_SHAPE = re.compile(r"[a-z]{2,3}")


class InvalidLanguage(ValueError):
    """A string that cannot be stored as a language someone speaks or needs."""

    def __init__(self, tag: str, reason: str) -> None:
        super().__init__(f"{tag!r} is not a usable language tag: {reason}.")
        self.tag = tag


@lru_cache(maxsize=64)
def _check_ui_language(lang: str) -> None:
    # CLDR names English in every language it has names in.
    if lang not in UI_LANGUAGES and not (
        _CODE_SHAPE.fullmatch(lang) and lang in code_to_names("en")
    ):
        raise ValueError(f"CLDR names no languages in {lang!r}.")


def _is_private_use(language: str) -> bool:
    return language.startswith("x-") or (len(language) == 3 and "qaa" <= language <= "qtz")


def _has_known_name(language: str) -> bool:
    # Language.is_valid() accepts any well-formed code (even "qqq"), so whether a code
    # means something is decided by whether anyone has named it.
    return language in LABELS or "en" in code_to_names(language)


@lru_cache(maxsize=256)
def _default_script(code: str) -> str | None:
    return _to_langcodes(code).maximize().script


@lru_cache(maxsize=4096)
def canonical_tag(tag: str) -> str:
    """Return the canonical code for a BCP 47 / ISO 639 tag, or raise InvalidLanguage.

    The result is a language code, plus a script subtag only when the script is not the
    one the language is normally written in ("sr-Latn"). Regions, variants and
    extensions are dropped, except that Dari ("prs", "fa-AF") stays "prs".
    """
    text = tag.strip()
    try:
        raw = Language.get(text, normalize=False)
        parsed = Language.get(text)
    except LanguageTagError as exc:
        raise InvalidLanguage(tag, "it is not a well-formed language tag") from exc

    language = parsed.language
    if language is None or language in _NOT_LANGUAGES:
        raise InvalidLanguage(tag, "it does not name a particular language")
    if _is_private_use(language):
        raise InvalidLanguage(tag, "private-use codes mean nothing outside their sender")
    if not _has_known_name(language):
        raise InvalidLanguage(tag, "no language with this code is known")

    # Check the tag as written too: langcodes rewrites "prs-IR" to "fa-IR", which
    # would lose that the person said Dari.
    for own_code, (macro, territory) in _REGIONAL_LANGUAGES.items():
        if raw.language == own_code or (language, parsed.territory) == (macro, territory):
            language = own_code
    language = _MERGED_INTO.get(language, language)

    if parsed.script is not None and parsed.script != _default_script(language):
        return f"{language}-{parsed.script}"
    return language


def _to_langcodes(code: str) -> Language:
    """Return the Language langcodes understands for one of our canonical codes."""
    parsed = Language.get(code, normalize=False)
    regional = _REGIONAL_LANGUAGES.get(parsed.language or "")
    if regional is None:
        return Language.get(code)
    macro, territory = regional
    return Language.make(language=macro, script=parsed.script, territory=territory)


def display_name(code: str, lang: str) -> str:
    """Name a language in `lang`: German, English, or any language CLDR has names in."""
    _check_ui_language(lang)
    canonical = canonical_tag(code)
    parsed = Language.get(canonical, normalize=False)
    label = LABELS.get(parsed.language or "", {}).get(lang)
    if label is None:
        return _to_langcodes(canonical).display_name(lang)
    if parsed.script is None:
        return label
    return f"{label} ({Language.make(script=parsed.script).script_name(lang)})"


def autonym(code: str) -> str:
    """Name a language in itself, as its speakers would recognise it."""
    canonical = canonical_tag(code)
    parsed = Language.get(canonical, normalize=False)
    own = AUTONYMS.get(parsed.language or "")
    if own is None:
        return _to_langcodes(canonical).autonym()
    if parsed.script is None:
        return own
    script = Language.make(script=parsed.script).script_name(_to_langcodes(canonical))
    return f"{own} ({script})"


@dataclass(frozen=True)
class LanguageInfo:
    """One entry of the language catalogue."""

    code: str
    name_en: str
    name_de: str
    autonym: str
    population: int

    def name(self, lang: str) -> str:
        """Return the name in `lang` (German and English are kept; others asked of CLDR)."""
        _check_ui_language(lang)
        if lang in ("de", "en"):
            return self.name_de if lang == "de" else self.name_en
        return display_name(self.code, lang)


def _cldr_named_codes() -> set[str]:
    # Imported here: the table is several megabytes of Python, and most processes that
    # import this module only ever canonicalise a few tags.
    from language_data.name_data import CODE_TO_NAMES

    # CODE_TO_NAMES mixes CLDR with English-only names from the IANA registry and
    # Wiktionary (about 7,500 codes, most of them irrelevant here). Only CLDR
    # translates names, so a code named in some other language than English and
    # itself is one CLDR covers.
    return {
        code
        for code, names in CODE_TO_NAMES.items()
        if _CODE_SHAPE.fullmatch(code) and "en" in names and set(names) - {"en", code}
    }


def _info(code: str) -> LanguageInfo:
    return LanguageInfo(
        code=code,
        name_en=display_name(code, "en"),
        name_de=display_name(code, "de"),
        autonym=autonym(code),
        population=_to_langcodes(code).speaking_population(),
    )


@lru_cache(maxsize=1)
def catalogue() -> tuple[LanguageInfo, ...]:
    """Return every language CLDR names, plus our own additions, ordered by code.

    Deprecated and duplicate codes ("iw", "sh", "pes") are left out in favour of the
    code they canonicalise to.
    """
    codes = set(LABELS)
    for code in _cldr_named_codes():
        try:
            if canonical_tag(code) == code:
                codes.add(code)
        except InvalidLanguage:
            continue
    return tuple(_info(code) for code in sorted(codes))


# Persian keyboards and Arabic keyboards produce different code points for the same
# letters; people type "فارسي" as often as "فارسی".
_ARABIC_LETTER_VARIANTS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک"})
_WORD_SEPARATOR = re.compile(r"[\W_]+")


def _fold(text: str) -> str:
    """Make text comparable regardless of case and of accents on Latin letters."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept: list[str] = []
    after_latin = False
    for char in decomposed:
        if unicodedata.category(char) == "Mn":
            # Only Latin accents are optional in practice; Arabic hamza or Cyrillic
            # breve are part of the letter, and dropping them would merge letters.
            if after_latin:
                continue
        else:
            after_latin = unicodedata.name(char, "").startswith("LATIN")
        kept.append(char)
    folded = unicodedata.normalize("NFC", "".join(kept)).translate(_ARABIC_LETTER_VARIANTS)
    return " ".join(folded.split())


@dataclass(frozen=True)
class _Entry:
    info: LanguageInfo
    codes: frozenset[str]
    names: tuple[str, ...]
    words: tuple[str, ...]


def _codes_for(code: str) -> frozenset[str]:
    # Let people type the ISO 639-2 codes they know from forms ("deu", "ger", "per").
    codes = {code}
    if len(code) == 2:
        language = Language.get(code)
        codes |= {language.to_alpha3(variant="T"), language.to_alpha3(variant="B")}
    return frozenset(codes)


@lru_cache(maxsize=16)
def _search_index(lang: str) -> tuple[_Entry, ...]:
    entries = []
    for info in catalogue():
        # English names are always searched: they are what many volunteers type.
        raw_names = {info.name_en, info.name(lang), info.autonym}
        raw_names.update(ALIASES.get(info.code, []))
        names = tuple(sorted({_fold(name) for name in raw_names}))
        words = tuple(
            sorted({word for name in names for word in _WORD_SEPARATOR.split(name) if word})
        )
        entries.append(_Entry(info, _codes_for(info.code), names, words))
    return tuple(entries)


def _tier(entry: _Entry, query: str) -> int | None:
    if query in entry.codes:
        return 0
    if any(name.startswith(query) for name in entry.names):
        return 1
    if any(word.startswith(query) for word in entry.words):
        return 2
    if any(query in name for name in entry.names):
        return 3
    return None


def search(query: str, *, lang: str = "de", limit: int | None = None) -> list[LanguageInfo]:
    """Find languages by code or by (part of) a name, best matches first.

    Matches, in this order: the code itself (also ISO 639-2 codes like "deu"), a name
    starting with the query, a word in a name starting with it, a name containing it.
    Equally good matches are ordered by number of speakers, then code. Names searched
    are English, the ``lang`` name, the autonym and a few common aliases ("Farsi").
    An empty query returns the whole catalogue, most spoken first.
    """
    _check_ui_language(lang)
    folded = _fold(query)
    ranked: list[tuple[int, int, str, LanguageInfo]] = []
    for entry in _search_index(lang):
        tier = 0 if not folded else _tier(entry, folded)
        if tier is not None:
            ranked.append((tier, -entry.info.population, entry.info.code, entry.info))
    ranked.sort(key=lambda item: item[:3])
    results = [item[3] for item in ranked]
    return results if limit is None else results[:limit]


# The languages most asked for in the network (see docs/languages.md), in the order
# every language picker offers them first.
NETWORK_COMMON: tuple[str, ...] = (
    *("de", "ar", "fa", "prs", "ps", "tr", "kmr", "ckb", "ru", "uk", "ti"),
    *("so", "ka", "vi", "sq", "sr", "ro", "bg", "es", "fr", "en"),
)


def sort_key(name: str) -> str:
    """Alphabetical order for names: "Ägyptisch" next to "Afrikaans", not after "Zulu"."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(char for char in decomposed if unicodedata.category(char) != "Mn")


def distance(a: str, b: str) -> int:
    """How hard it is for someone needing language ``a`` to make do with ``b``.

    CLDR's language-matching distance: 0 is the same language, single digits are close
    varieties (Dari/Persian: 4), 134 is unrelated. Not symmetric: a Swiss German
    speaker follows German (8), not the other way round (84).
    """
    return langcodes.tag_distance(_to_langcodes(canonical_tag(a)), _to_langcodes(canonical_tag(b)))


def is_close(a: str, b: str, *, threshold: int = 10) -> bool:
    """Whether someone offering ``b`` can serve someone needing ``a``."""
    return distance(a, b) <= threshold
