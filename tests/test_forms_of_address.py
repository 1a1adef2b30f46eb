"""Lotse says "Sie" in German, also in the messages that come from Django's and DRF's own
catalogues ("Gib eine gültige E-Mail Adresse an." was one)."""

from __future__ import annotations

import re

import pytest
from django.utils.translation import trans_real

# "du" and its forms, and the imperatives (sentence-initial, after "Bitte", or in the middle
# of a sentence) that the libraries' German catalogues use.
DU_FORM = re.compile(
    r"\b([Dd]u|[Dd]ich|[Dd]ir|[Dd]ein(e[mnrs]?)?)\b"
    r"|(^|[.!?:;]\s+|[Bb]itte\s+)(Gib|Gebe|Stelle|Wähle|Lade|Prüfe|Versuche|Melde|Klicke|Gehe"
    r"|Nutze|Benutze|Verwende|Achte|Sende|Schreibe|Trage|Füge|Ändere|Entferne|Korrigiere|Wende"
    r"|Kontaktiere|Setze|Lege|Öffne)\b"
    r"|\b(gib|wähle|lade|prüfe|versuche|melde|klicke|verwende|korrigiere|öffne|trage)\b"
)


def test_the_pattern_finds_the_forms_people_noticed():
    assert DU_FORM.search("Gib eine gültige E-Mail Adresse an.")
    assert DU_FORM.search("Datum hat das falsche Format. Nutze stattdessen eines dieser Formate.")
    assert DU_FORM.search("Bitte prüfe deine Eingabe.")
    assert not DU_FORM.search("Geben Sie eine gültige E-Mail-Adresse an.")
    assert not DU_FORM.search("Ihr Profil; wer ihn hat, kann Ihr Profil ändern.")


def test_no_german_message_in_use_says_du():
    """Every message of the merged German catalogue Django uses (Lotse's own, then every
    installed app's, Django's and DRF's included) in the form it is shown."""
    catalogue = trans_real.translation("de")._catalog  # the merged catalogue Django serves
    # The catalogue holds one table per source; items() yields every table's text for a key,
    # looking a key up gives the one Django serves (Lotse's before the libraries').
    offending = sorted(
        {
            (key if isinstance(key, str) else key[0])
            for key in catalogue.keys()  # noqa: SIM118 - a TranslationCatalog, no __iter__
            if isinstance(catalogue[key], str) and DU_FORM.search(catalogue[key])
        }
    )
    assert offending == [], (
        "These messages say 'du' in German; add them to config/address.py and give them a "
        "German text with 'Sie' in locale/de: " + "; ".join(offending)
    )


@pytest.mark.django_db
def test_the_api_and_the_registration_page_say_sie(client, api_anonymous):
    body = {"email": "not-an-address", "certificate_date": "gestern"}
    answer = api_anonymous.post("/api/volunteers/", body, format="json").json()
    assert answer["email"] == ["Geben Sie eine gültige E-Mail-Adresse an."]
    assert answer["certificate_date"][0].startswith("Das Datum hat das falsche Format.")
    page = client.post("/register/", {"email": "not-an-address"}).content.decode()
    assert "Geben Sie eine gültige E-Mail-Adresse an." in page
    assert not DU_FORM.search(re.sub(r"<[^>]+>", " ", page))
