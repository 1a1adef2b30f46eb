"""How many SMS segments a text takes, as a phone network counts them.

A text that the GSM 03.38 alphabet can write (German and English with their umlauts, most
Latin letters) goes as GSM-7: 160 characters in one SMS, 153 in each part of a longer one;
`€ [ ] { } \\ ^ ~ |` take two (an escape and the character). Anything else (Arabic, Persian,
Cyrillic, a typographic dash) turns the whole text into UCS-2: 70 UTF-16 units in one SMS, 67
in each part. The `gsm0338` codec decides which, so the alphabet is not written out here.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

import gsm0338  # noqa: F401 - registers the "gsm03.38" codec

GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


@dataclass(frozen=True)
class Count:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets or UTF-16 code units
    segments: int


def septets(text: str) -> int | None:
    """GSM-7 septets `text` takes, or None if GSM-7 cannot write it."""
    try:
        return len(text.encode("gsm03.38"))
    except UnicodeEncodeError:
        return None


def count(text: str) -> Count:
    gsm = septets(text)
    if gsm is not None:
        return Count("GSM-7", gsm, 1 if gsm <= GSM_SINGLE else math.ceil(gsm / GSM_PART))
    units = len(text.encode("utf-16-le")) // 2
    return Count("UCS-2", units, 1 if units <= UCS2_SINGLE else math.ceil(units / UCS2_PART))


# Typography that would switch a whole German text to UCS-2 for one character.
_PLAIN = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "„": '"', "“": '"', "”": '"'})


def plain(text: str) -> str:
    """`text` in the GSM alphabet where it can be: dashes and quotes made plain, accents that
    GSM lacks dropped ("ł" stays "ł" only if GSM has it). Characters of other scripts stay."""
    text = text.translate(_PLAIN)
    out = []
    for char in text:
        if septets(char) is not None:
            out.append(char)
            continue
        base = unicodedata.normalize("NFKD", char)
        stripped = "".join(c for c in base if not unicodedata.combining(c))
        out.append(stripped if stripped and septets(stripped) is not None else char)
    return "".join(out)
