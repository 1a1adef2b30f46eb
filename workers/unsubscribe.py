"""The `List-Unsubscribe` target of every email to a volunteer: stop the offers, in one click.

Mail programs show an "unsubscribe" button for the header and, with `List-Unsubscribe-Post`
(RFC 8058), press it by POSTing `List-Unsubscribe=One-Click` to the URL from their own servers:
no cookie, no CSRF token, no page. The secret in the URL (a `pause` personal link) is the
credential, so the POST is exempt from CSRF. A GET (a person following the link, or a mail
scanner) only shows the page with the button; it changes nothing.

The link can do nothing but this: a mail provider that fetched the header, or whoever got the
email forwarded, can pause the offers and no more. Any other link (a profile link) is refused
with the page that says what it is for.

"Unsubscribe" pauses offers for the longest pause allowed (a year), the reversible choice: the
page says how to get the profile link, with which the volunteer resumes or deletes the profile.
Emails about tasks already accepted (confirmations, reminders, cancellations) still come: they
are not marketing.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from volunteers import selfservice, tokens
from volunteers.models import PersonalToken
from volunteers.translation import page_language
from volunteers.views import selfservice as selfservice_views

TEMPLATE = "workers/unsubscribe.html"


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = tokens.resolve(token, purpose=PersonalToken.Purpose.PAUSE)
    except tokens.InvalidToken as exc:
        response = selfservice_views.link_problem(request, token, exc)
    else:
        volunteer = link.volunteer
        with translation.override(page_language(request, volunteer)):
            context = {
                "volunteer": volunteer,
                "link_again_url": reverse("volunteer-link-again"),
                "action_url": reverse("email-unsubscribe", args=[token]),
            }
            if request.method == "POST":
                today = timezone.localdate()
                try:
                    selfservice.pause(
                        volunteer=volunteer, until=selfservice.latest_pause_end(today=today)
                    )
                except ValidationError as exc:
                    context["problem"] = " ".join(exc.messages)
                else:
                    context["paused_until"] = volunteer.paused_until
            response = render(request, TEMPLATE, context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


page_patterns = [
    path("email/unsubscribe/<str:token>/", unsubscribe, name="email-unsubscribe"),
]
