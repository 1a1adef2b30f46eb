"""Which languages Lotse speaks, and to whom.

Volunteers read Lotse in every language of `settings.LOTSE_VOLUNTEER_LANGUAGES` (their pages,
emails and SMS); staff pages and the API stay in `settings.LOTSE_STAFF_LANGUAGES` (German and
English). `config.i18n.StaffLanguageMiddleware` keeps staff pages to those.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import get_language

if TYPE_CHECKING:
    from django.http import HttpRequest

    from volunteers.models import Volunteer


def volunteer_languages() -> tuple[str, ...]:
    return tuple(settings.LOTSE_VOLUNTEER_LANGUAGES)


def staff_languages() -> tuple[str, ...]:
    return tuple(settings.LOTSE_STAFF_LANGUAGES)


def language_choices() -> list[tuple[str, str]]:
    """(code, name in itself) for every volunteer language: the choices of `email_language`."""
    return list(settings.LANGUAGES)


def active_language() -> str:
    """The active language as one of the volunteer languages: "de" for anything else.

    On staff pages this is "de" or "en" (the middleware sees to it); a volunteer's page, email
    or SMS may be in any volunteer language.
    """
    current = (get_language() or settings.LANGUAGE_CODE).lower()
    for code in volunteer_languages():
        if current == code or current.startswith(code + "-"):
            return code
    return settings.LANGUAGE_CODE


def staff_language() -> str:
    """The active language if staff pages speak it, else German."""
    lang = active_language()
    return lang if lang in staff_languages() else settings.LANGUAGE_CODE


def is_bidi(lang: str) -> bool:
    return lang.split("-")[0] in settings.LANGUAGES_BIDI


def page_language(request: HttpRequest, volunteer: Volunteer) -> str:
    """The language of a page behind a volunteer's link: the one they picked on the page
    (`?lang=` or the switch), else the one they chose for Lotse's emails, so the link from an
    Arabic email opens an Arabic page whatever the browser says."""
    chosen = getattr(request, "chosen_language", None)
    if chosen in volunteer_languages():
        return chosen
    if volunteer.email_language in volunteer_languages():
        return volunteer.email_language
    return settings.LANGUAGE_CODE
