"""The one language picker of the volunteers' pages (registration and profile).

Each language row is a text box tied to one shared, searchable list (an HTML `<datalist>`,
sent once per page): the network's common languages first, then the others alphabetically,
each named in the page's language and in itself ("Arabisch – العربية"). The browser filters
the list as the person types; nothing needs JavaScript. What arrives is text, so the server
turns it back into a language tag here and refuses anything that is not on the list.

The list is curated (`data/picker_languages.txt`): languages people in the network speak and
need mediated, not every language CLDR names. The API takes any known language tag.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from volunteers import languages

DATA_FILE = Path(__file__).parent / "data" / "picker_languages.txt"


def capfirst(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class PickerOption:
    code: str
    label: str


@lru_cache(maxsize=1)
def allowed_codes() -> tuple[str, ...]:
    """The curated tags, canonical, in the file's order; a bad entry stops the process."""
    codes: list[str] = []
    for line in DATA_FILE.read_text(encoding="utf-8").splitlines():
        tag = line.split("#", 1)[0].strip()
        if tag:
            code = languages.canonical_tag(tag)  # raises InvalidLanguage for a typo
            if code not in codes:
                codes.append(code)
    return tuple(codes)


def label(code: str, lang: str) -> str:
    """ "Arabisch – العربية": the name in `lang`, and the autonym where it adds something."""
    # CLDR writes language names in lower case in Ukrainian and Russian ("арабська"); a list
    # entry starts with a capital.
    name = capfirst(languages.display_name(code, lang))
    own = languages.autonym(code)
    # Where CLDR has no autonym it falls back to the English name, which adds nothing; English
    # itself is the exception ("Englisch – English").
    redundant = {name.casefold()}
    if code != "en":
        redundant.add(languages.display_name(code, "en").casefold())
    return name if own.casefold() in redundant else f"{name} – {own}"


@lru_cache(maxsize=16)
def options(lang: str) -> tuple[PickerOption, ...]:
    """The list as the picker offers it: the network's common languages, then A–Z."""
    allowed = allowed_codes()
    common = [code for code in languages.NETWORK_COMMON if code in allowed]
    rest = sorted(
        (code for code in allowed if code not in common),
        key=lambda code: languages.sort_key(label(code, lang)),
    )
    return tuple(PickerOption(code, label(code, lang)) for code in [*common, *rest])


@lru_cache(maxsize=1)
def _by_text() -> dict[str, str]:
    """Every text that names a listed language exactly → its code.

    The labels in every volunteer language (the page may have switched language since the
    form was filled in), the names alone, the autonym, the search aliases and the tag itself.
    """
    found: dict[str, str] = {}
    for code in allowed_codes():
        names = {code, languages.autonym(code), *languages.ALIASES.get(code, [])}
        for lang in settings.LOTSE_VOLUNTEER_LANGUAGES:
            names |= {label(code, lang), languages.display_name(code, lang)}
        for name in names:
            found.setdefault(languages._fold(name), code)
    return found


def resolve(text: str) -> str | None:
    """The listed language `text` names (a label, a name or a tag), or None."""
    folded = languages._fold(text)
    if not folded:
        return None
    code = _by_text().get(folded)
    if code is not None:
        return code
    try:
        code = languages.canonical_tag(text)
    except languages.InvalidLanguage:
        return None
    return code if code in allowed_codes() else None
