"""The consent texts a volunteer agrees to when registering, one entry per published version.

The version string is stored with each volunteer (`Volunteer.consent_version`, with the language
the text was shown in), so that for every person we can show which words they agreed to. A
changed text is a new version: add it to `TEXTS` and point `CURRENT_VERSION` at it; never edit
a published one. The texts are kept here, not in the translation files, because a translator's
correction must not silently change what people have already agreed to.
"""

from __future__ import annotations

CURRENT_VERSION = "2026-11"

TEXTS: dict[str, dict[str, str]] = {
    "2026-11": {
        "de": (
            "Lotse speichert, was Sie hier angeben: Name, E-Mail-Adresse, Telefon, Postleitzahl, "
            "Sprachen, Fähigkeiten, Zeiten, Abwesenheiten und – nur wenn Sie es angeben – "
            "Geschlecht und Datum des Führungszeugnisses. Wir nutzen die Daten nur, um Ihnen "
            "passende Einsätze der Willkommensbüros anzubieten, und speichern dazu, welche "
            "Angebote Sie bekommen und angenommen haben. Sehen können die Daten nur die "
            "Mitarbeitenden der Willkommensbüros und die Koordination des Netzwerks; wir geben "
            "sie an niemanden sonst weiter. Über den persönlichen Link in jeder E-Mail von uns "
            "können Sie Ihre Angaben jederzeit ändern, pausieren, als Datei herunterladen oder "
            "vollständig löschen. Bestätigen Sie Ihre E-Mail-Adresse nicht innerhalb von 7 "
            "Tagen, löschen wir Ihre Angaben."
        ),
        "en": (
            "Lotse stores what you enter here: name, email address, phone, postcode, languages, "
            "skills, times, absences and – only if you give them – gender and the date of your "
            "certificate of conduct. We use these data only to offer you suitable tasks of the "
            "welcome offices, and for that we store which offers you received and accepted. "
            "Only the staff of the welcome offices and the network's coordinators can see them; "
            "we pass them on to no one else. With the personal link in every email from us you "
            "can change your details at any time, pause, download them as a file or delete them "
            "completely. If you do not confirm your email address within 7 days, we delete "
            "your details."
        ),
    },
}


def text(*, language: str, version: str = CURRENT_VERSION) -> str:
    """The consent text of `version` in `language` ("de" or "en"; anything else gets German)."""
    texts = TEXTS[version]
    return texts.get(language, texts["de"])
