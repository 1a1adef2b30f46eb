"""Names of the skill and appointment-kind catalogues in the volunteer languages.

The catalogues keep a German and an English name per entry (coordinators edit them in the
admin). In any other volunteer language the English name is looked up in the translation
catalogue; an entry nobody has translated yet (one a coordinator added) shows in English.
The names the network starts with are listed here so that `make messages` extracts them.
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

from volunteers.translation import active_language

STARTING_NAMES = (
    # Skills (volunteers/migrations/0002_skill_catalogue.py)
    gettext_noop("Interpreting"),
    gettext_noop("Letters and forms"),
    gettext_noop("Accompaniment to authorities"),
    gettext_noop("Bike repair"),
    gettext_noop("Homework help"),
    gettext_noop("Language café"),
    gettext_noop("Childcare"),
    gettext_noop("Sports"),
    gettext_noop("IT help"),
    gettext_noop("Moving help"),
    # Kinds of appointment (requests/migrations/0013_kinds_connection_signoff.py)
    gettext_noop("Jobcenter"),
    gettext_noop("Foreigners' office"),
    gettext_noop("Social welfare office"),
    gettext_noop("Family benefits office"),
    gettext_noop("Doctor"),
    gettext_noop("Hospital"),
    gettext_noop("School"),
    gettext_noop("Day care"),
    gettext_noop("Housing and landlord"),
    gettext_noop("Bank"),
    gettext_noop("Counselling service"),
    gettext_noop("Court"),
    gettext_noop("Other"),
)


def localised(*, name_de: str, name_en: str) -> str:
    lang = active_language()
    if lang == "de":
        return name_de
    if lang == "en":
        return name_en
    return gettext(name_en)
