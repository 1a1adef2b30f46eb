"""The check-in page behind the link in the check-in email: how did the appointment go?

One page, one form, no JavaScript: each answer is a submit button, so the usual case is two
taps (the link in the email, then "Yes, as planned"). A GET (or HEAD) only shows; the answer is
a POST from the page's own form with CSRF. As for offer links, the page speaks the volunteer's
email language, is rate-limited per address, never cached and kept out of search engines and
other sites' Referer headers.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from requests import calendar, outcomes
from requests.models import Outcome
from requests.pages import TEMPLATES as OFFER_TEMPLATES
from requests.pages import SeeOther, seconds_until_allowed
from volunteers.translation import page_language

TEMPLATE = "requests/checkin/page.html"


def _shown_number(value: Any) -> str:
    """1.50 → "1,5" in German, "1.5" in English: as a person types it back."""
    if value is None:
        return ""
    text = f"{value.normalize():f}" if hasattr(value, "normalize") else str(value)
    return text.replace(".", ",") if (translation.get_language() or "de").startswith("de") else text


def _context(token: str, outcome: Outcome, **extra: Any) -> dict[str, Any]:
    request = outcome.offer.request
    ticket = outcome.ticket_cents
    return {
        "outcome": outcome,
        "task": request,
        "office": request.office,
        "title": calendar.title(request),
        "when": calendar.when_text(starts_at=request.starts_at, ends_at=request.ends_at),
        "planned_hours": _shown_number(outcomes.planned_hours(request)),
        "hours": _shown_number(outcome.hours),
        "km": _shown_number(outcome.km),
        "ticket_euros": "" if ticket is None else _shown_number(ticket / 100),
        "action_url": reverse("checkin", kwargs={"token": token}),
        "comment_max": Outcome.COMMENT_MAX,
        "errors": {},
        **extra,
    }


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def checkin_page(request: HttpRequest, token: str) -> HttpResponse:
    """GET: the question and the answers (or the answer given). POST answer=...: record it."""
    wait = seconds_until_allowed(request)
    if wait is not None:
        response = render(request, OFFER_TEMPLATES + "rate_limited.html", status=429)
        response["Retry-After"] = str(wait)
        return _private(response)
    try:
        outcome = outcomes.resolve(token)
    except outcomes.CheckinError as exc:
        return _private(
            render(request, "requests/checkin/not_found.html", {"reason": exc.code}, status=404)
        )
    language = page_language(request, outcome.volunteer)
    with translation.override(language):
        response = _answer(request, token, outcome)
    response["Content-Language"] = language
    return _private(response)


def _answer(request: HttpRequest, token: str, outcome: Outcome) -> HttpResponse:
    if request.method != "POST":
        saved = request.GET.get("saved") == "1" and outcome.answered
        return render(request, TEMPLATE, _context(token, outcome, saved=saved))
    data = request.POST
    choice = data.get("answer", "")
    if choice == "typed":  # Enter in a field: hours typed mean "yes, but differently"
        choice = "other_hours" if data.get("hours", "").strip() else ""
    try:
        outcomes.answer(
            outcome=outcome,
            choice=choice,
            hours=data.get("hours", ""),
            km=data.get("km", ""),
            ticket_euros=data.get("ticket_euros", ""),
            wants_to_talk=data.get("wants_to_talk") == "1",
            comment=data.get("comment", ""),
        )
    except ValidationError as exc:
        errors = {field: " ".join(messages) for field, messages in exc.message_dict.items()}
        typed = {key: data.get(key, "") for key in ("hours", "km", "ticket_euros")}
        return render(
            request,
            TEMPLATE,
            _context(token, outcome, errors=errors, **typed, typed_comment=data.get("comment")),
            status=400,
        )
    except outcomes.CheckinError as exc:
        return render(request, TEMPLATE, _context(token, outcome, refusal=exc.message), status=409)
    return SeeOther(reverse("checkin", kwargs={"token": token}) + "?saved=1")


def _private(response: HttpResponse) -> HttpResponse:
    # The URL carries the secret (see requests.pages.offer_link for "same-origin").
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"
    return response
