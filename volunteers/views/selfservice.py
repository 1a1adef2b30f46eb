"""The volunteer's own pages behind the personal link: edit, pause, export, delete.

Every request resolves the `manage` token again (GET-safe, no password): an unknown link gets a
friendly 404 page, an expired one a friendly 410 page, a link for something else (the pause
link of an email about a task) a friendly 403 page that says what it is for; all point to
"send me my link again". GETs only show; each change is a POST with CSRF, so a mail scanner
that opens the link changes nothing. Pages are never cached: they show personal data and the
link is a secret.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import translation
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from volunteers import appointments, language_picker, languages, profiles, selfservice, tokens
from volunteers.models import PersonalToken, Volunteer, email_language_choices
from volunteers.selfservice_forms import (
    PauseForm,
    ProfileEditForm,
    level_choices,
)
from volunteers.translation import active_language, page_language

LINK_AGAIN_PATH = "/volunteer/link/"
TEMPLATES = "volunteers/selfservice/"

PersonalView = Callable[[HttpRequest, str, PersonalToken], HttpResponse]


# Where a link refused elsewhere does its own job ("This link can only pause your offers").
PURPOSE_PAGES = {
    PersonalToken.Purpose.CONFIRM: "volunteer-confirm",
    PersonalToken.Purpose.MANAGE: "volunteer-profile",
    PersonalToken.Purpose.PAUSE: "email-unsubscribe",
}
PROBLEM_STATUS = {"expired": 410, "elsewhere": 403}


def link_problem(request: HttpRequest, token: str, problem: tokens.InvalidToken) -> HttpResponse:
    """The friendly page for a personal link that does not open this page, and why not."""
    context = {"reason": problem.reason, "link_again": LINK_AGAIN_PATH}
    if problem.reason == "elsewhere" and problem.purpose in PURPOSE_PAGES:
        context["purpose"] = problem.purpose
        context["purpose_url"] = reverse(PURPOSE_PAGES[problem.purpose], args=[token])
    return render(
        request,
        TEMPLATES + "link_problem.html",
        context,
        status=PROBLEM_STATUS.get(problem.reason, 404),
    )


def personal_link(view: PersonalView) -> Callable[..., HttpResponse]:
    """Resolve the manage token of the URL, or answer with the friendly 403/404/410 page."""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str) -> HttpResponse:
        try:
            link = tokens.resolve(token, purpose=PersonalToken.Purpose.MANAGE)
        except tokens.InvalidToken as exc:
            response = link_problem(request, token, exc)
        else:
            with translation.override(page_language(request, link.volunteer)):
                response = view(request, token, link)
                response.headers["Content-Language"] = translation.get_language()
        # The URL carries the secret: keep it out of search engines and other sites' logs.
        # "same-origin", not "no-referrer": under no-referrer browsers send `Origin: null` with
        # the page's own POST, and Django's CSRF check then refuses every change.
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "same-origin"
        return response

    return never_cache(wrapper)


def _urls(token: str) -> dict[str, str]:
    return {
        name: reverse(f"volunteer-{name}", kwargs={"token": token})
        for name in ("profile", "edit", "pause", "export", "delete")
    }


def _context(token: str, link: PersonalToken, **extra: Any) -> dict[str, Any]:
    return {"volunteer": link.volunteer, "link": link, "urls": _urls(token), **extra}


def _summary(volunteer: Volunteer) -> dict[str, Any]:
    """What the profile page lists, named in the page's language."""
    lang = active_language()
    slots = list(volunteer.availability.order_by("weekday", "start"))
    return {
        "spoken": [
            (languages.display_name(s.code, lang), s.get_level_display())
            for s in volunteer.languages.order_by("code")
        ],
        "skills": list(volunteer.skill_set.select_related("skill").order_by("skill__position")),
        "days": [
            (WEEKDAYS[d], [s for s in slots if s.weekday == d])
            for d in range(7)
            if any(s.weekday == d for s in slots)
        ],
        "absences": list(volunteer.absences.order_by("start", "end")),
        "pause_form": PauseForm(),
    }


@require_http_methods(["GET", "HEAD"])
@personal_link
def profile(request: HttpRequest, token: str, link: PersonalToken) -> HttpResponse:
    context = _context(
        token,
        link,
        **_summary(link.volunteer),
        appointments=appointments.upcoming(link.volunteer, token=token),
    )
    return render(request, TEMPLATES + "profile.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@personal_link
def edit(request: HttpRequest, token: str, link: PersonalToken) -> HttpResponse:
    volunteer = link.volunteer
    if request.method == "POST":
        form = ProfileEditForm.from_post(request.POST, volunteer=volunteer)
        if form.is_valid():
            try:
                profiles.save_profile(volunteer=volunteer, data=form.cleaned_data)
            except ValidationError as exc:
                form.add_errors(exc.message_dict)
            else:
                messages.success(request, str(_("Your changes are saved.")))
                return redirect("volunteer-profile", token=token)
    else:
        form = ProfileEditForm.for_volunteer(volunteer)
    context = _context(
        token,
        link,
        form=form,
        language_list=language_picker.options(active_language()),
        levels=level_choices(),
        genders=Volunteer.Gender.choices,
        email_languages=email_language_choices(),
        offer_channels=Volunteer.OfferChannel.choices,
    )
    return render(request, TEMPLATES + "edit.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@personal_link
def pause(request: HttpRequest, token: str, link: PersonalToken) -> HttpResponse:
    volunteer = link.volunteer
    form = PauseForm()
    problem: ValidationError | None = None
    if request.method == "POST" and request.POST.get("action") == "resume":
        try:
            selfservice.resume(volunteer=volunteer)
        except ValidationError as exc:
            problem = exc
        else:
            messages.success(request, str(_("Welcome back: you will get offers again.")))
            return redirect("volunteer-profile", token=token)
    elif request.method == "POST":
        form = PauseForm(request.POST)
        if form.is_valid():
            try:
                selfservice.pause(volunteer=volunteer, until=form.cleaned_data["until"])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, str(_("Paused: you will get no offers until this day.")))
                return redirect("volunteer-profile", token=token)
    context = _context(token, link, form=form, problem=problem)
    return render(request, TEMPLATES + "pause.html", context)


@require_http_methods(["GET", "HEAD"])
@personal_link
def export(request: HttpRequest, token: str, link: PersonalToken) -> HttpResponse:
    data = selfservice.export_data(volunteer=link.volunteer)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = 'attachment; filename="lotse-data.json"'
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@personal_link
def delete(request: HttpRequest, token: str, link: PersonalToken) -> HttpResponse:
    if request.method == "POST":
        selfservice.erase(volunteer=link.volunteer)
        return render(request, TEMPLATES + "goodbye.html")
    context = _context(token, link, ledger_years=settings.LOTSE_LEDGER_RETENTION_YEARS)
    return render(request, TEMPLATES + "delete.html", context)


page_patterns = [
    path("volunteer/<str:token>/", profile, name="volunteer-profile"),
    path("volunteer/<str:token>/edit/", edit, name="volunteer-edit"),
    path("volunteer/<str:token>/pause/", pause, name="volunteer-pause"),
    path("volunteer/<str:token>/export/", export, name="volunteer-export"),
    path("volunteer/<str:token>/delete/", delete, name="volunteer-delete"),
]
