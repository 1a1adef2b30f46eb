"""Every translation catalogue compiles, its committed .mo is up to date, no translation drops or
changes a placeholder, and every text a volunteer sees is translated in every volunteer language.

See docs/translations.md for how a reviewer corrects a catalogue.
"""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

LOCALE = Path(__file__).resolve().parent.parent / "locale"
LANGUAGES = list(settings.LOTSE_VOLUNTEER_LANGUAGES)
PLACEHOLDER = re.compile(r"%\([A-Za-z_]+\)[sdif]|%[sdif]|\{[A-Za-z_]*\}")

# The sources of what volunteers see (templates of their pages and emails, the SMS texts, the
# catalogue names). Texts only staff see may stay untranslated: German shows in their place.
VOLUNTEER_SOURCES = (
    "volunteers/templates/",
    "requests/templates/requests/offer/",
    "requests/templates/requests/checkin/",
    "workers/templates/workers/unsubscribe.html",
    "workers/templates/workers/email/",
    "workers/sms/texts.py",
    "volunteers/catalogue_names.py",
    "config/templates/404.html",
)
STAFF_ONLY = ("workers/templates/workers/email/office.", "workers/templates/workers/email/_office_")


def seen_by_volunteers(source: str) -> bool:
    return source.startswith(VOLUNTEER_SOURCES) and not source.startswith(STAFF_ONLY)


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str = ""
    msgstr: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file (enough of the format for what makemessages writes)."""
    entries: list[Entry] = []
    entry, target = Entry(), None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if target is not None:
                entries.append(entry)
            entry, target = Entry(), None
        elif line.startswith("#:"):
            entry.sources += [ref.rsplit(":", 1)[0] for ref in line[2:].split()]
        elif line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            text = ast.literal_eval(line)
            if target == "msgstr":
                entry.msgstr[-1] += text
            elif target is not None:
                setattr(entry, target, getattr(entry, target) + text)
        else:
            keyword, _, rest = line.partition(" ")
            text = ast.literal_eval(rest)
            if keyword.startswith("msgstr"):
                target = "msgstr"
                entry.msgstr.append(text)
            elif keyword in ("msgid", "msgid_plural"):
                target = keyword
                setattr(entry, keyword, text)
            else:  # msgctxt
                target = "msgctxt_ignored"
                entry.__dict__.setdefault(target, "")
    return [e for e in entries if e.msgid]


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "django.po"


def test_every_volunteer_language_has_a_catalogue():
    for lang in LANGUAGES:
        assert po_path(lang).exists(), f"{lang}: run `make messages` (docs/translations.md)"
        assert po_path(lang).with_suffix(".mo").exists(), f"{lang}: run `make messages`"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_catalogue_compiles_and_its_mo_is_up_to_date(lang, tmp_path):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("msgfmt (GNU gettext) is not installed")
    compiled = tmp_path / "django.mo"
    result = subprocess.run(
        [msgfmt, "--check", "-o", str(compiled), str(po_path(lang))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    with compiled.open("rb") as fresh, po_path(lang).with_suffix(".mo").open("rb") as committed:
        assert (
            gettext.GNUTranslations(fresh)._catalog == gettext.GNUTranslations(committed)._catalog  # type: ignore[attr-defined]
        ), f"{lang}: the .mo is older than the .po; run `make messages`"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_translation_drops_or_changes_a_placeholder(lang):
    """A plural form may leave out the count ("one place" for 1), but no form may bring in a
    name the English lacks, and together the forms use every one."""
    wrong = []
    for entry in read_po(po_path(lang)):
        wanted = set(PLACEHOLDER.findall(entry.msgid + entry.msgid_plural))
        texts = [text for text in entry.msgstr if text]
        found = [set(PLACEHOLDER.findall(text)) for text in texts]
        if not texts:
            continue
        if entry.msgid_plural:
            if any(not names <= wanted for names in found) or set().union(*found) != wanted:
                wrong.append((entry.msgid, texts))
        elif found[0] != wanted:
            wrong.append((entry.msgid, texts))
    assert not wrong, f"{lang}: keep every %(name)s and {{name}} of the English text: {wrong}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_entry_is_fuzzy(lang):
    """gettext ignores fuzzy entries: the volunteer would read German although a text is there."""
    fuzzy = [e.msgid for e in read_po(po_path(lang)) if "fuzzy" in e.flags]
    assert not fuzzy, f"{lang}: check and unmark the entries makemessages marked fuzzy: {fuzzy}"


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_every_text_a_volunteer_sees_is_translated(lang):
    missing = [
        entry.msgid
        for entry in read_po(po_path(lang))
        if any(seen_by_volunteers(source) for source in entry.sources) and not all(entry.msgstr)
    ]
    assert not missing, f"{lang}: translate these in {po_path(lang)}: {missing}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_catalogue_has_the_plural_forms_of_its_language(lang):
    header = po_path(lang).read_text(encoding="utf-8").split("\n\n", 1)[0]
    count = int(re.search(r"nplurals=(\d)", header).group(1))  # type: ignore[union-attr]
    expected = {"de": 2, "en": 2, "ar": 6, "fa": 2, "tr": 2, "uk": 3, "ru": 3}.get(lang)
    if expected is not None:
        assert count == expected
    for entry in read_po(po_path(lang)):
        if entry.msgid_plural:
            assert len(entry.msgstr) == count, entry.msgid


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang not in ("de", "en")])
def test_a_machine_assisted_catalogue_says_so(lang):
    header = po_path(lang).read_text(encoding="utf-8")[:600]
    assert "MACHINE-ASSISTED" in header and "docs/translations.md" in header
