"""Which language a page speaks: every volunteer language on volunteers' pages, German or
English on staff pages and in the API.

Django's LocaleMiddleware picks from all of `settings.LANGUAGES` (the cookie of the language
switch, then the browser's Accept-Language). This middleware, right after it, narrows staff pages
to `settings.LOTSE_STAFF_LANGUAGES` and reads `?lang=xx`, which shows one page in another
language without setting the cookie (a reviewer checking a translation, a link in a message).
Pages behind a volunteer's personal link then prefer the language the volunteer chose
(`volunteers.translation.page_language`).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

from volunteers.translation import staff_languages, volunteer_languages

# The pages volunteers reach: registration, their profile, offers, check-ins, unsubscribing.
# A path no URL matches is a volunteer's page too: its 404 is the error page behind a link.
VOLUNTEER_PATHS: tuple[str, ...] = (
    "/register/",
    "/volunteer/",
    "/offers/",
    "/o/",
    "/checkin/",
    "/email/unsubscribe/",
)


def is_volunteer_page(path: str) -> bool:
    if path.startswith(VOLUNTEER_PATHS):
        return True
    try:
        resolve(path)
    except Resolver404:
        return True
    return False


def _asked(request: HttpRequest, allowed: tuple[str, ...]) -> str | None:
    """The language the person picked: `?lang=` for this page, else the switch's cookie."""
    for asked in (
        request.GET.get("lang", ""),
        request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, ""),
    ):
        if asked in allowed:
            return asked
    return None


def _from_browser(request: HttpRequest, allowed: tuple[str, ...]) -> str:
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        base = code.split("-")[0].lower()
        if base in allowed:
            return base
    return settings.LANGUAGE_CODE


class PageLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        volunteer_page = is_volunteer_page(request.path_info)
        allowed = volunteer_languages() if volunteer_page else staff_languages()
        chosen = _asked(request, allowed)
        current = translation.get_language() or settings.LANGUAGE_CODE
        language = chosen or (current if current in allowed else _from_browser(request, allowed))
        request.volunteer_page = volunteer_page  # type: ignore[attr-defined]
        request.chosen_language = chosen  # type: ignore[attr-defined]
        request.switch_languages = [  # type: ignore[attr-defined]
            (code, name) for code, name in settings.LANGUAGES if code in allowed
        ]
        if language != current:
            translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        return self.get_response(request)
