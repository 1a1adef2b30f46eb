"""The site's own pages: login, the lockout and the error pages (staff pages: `requests/web/`).

Error pages answer in JSON under /api/ (clients parse them) and in HTML elsewhere (people
read them).
"""

import math
from collections.abc import Callable
from typing import Any

from axes.helpers import get_cool_off
from django.contrib.auth import views as auth_views
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.utils.translation import ngettext


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True


def locked_out(
    request: HttpRequest, response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' answer to a login while the username or the address is locked out.

    Every try during the lockout starts the wait anew, so the wait is the whole lockout time.
    """
    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else 0
    minutes = max(1, math.ceil(seconds / 60))
    if _wants_json(request):
        message = ngettext(
            "Too many failed logins. Please try again in %(minutes)d minute.",
            "Too many failed logins. Please try again in %(minutes)d minutes.",
            minutes,
        ) % {"minutes": minutes}
        answer: HttpResponse = JsonResponse({"detail": message, "code": "locked_out"}, status=429)
    else:
        answer = render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
    answer["Retry-After"] = str(seconds)
    return answer


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)


class FriendlyNotFoundMiddleware:
    """A page that says "not found" (another office's request, a coordinator's page) answers
    with the site's 404 page also under DEBUG, where Django would show its technical page.

    Hidden pages are 404s on purpose: the technical page would tell a member of staff which
    view refused them and why, and it is no page to show someone trying Lotse out. Addresses
    that match no URL still get Django's list under DEBUG, which helps whoever develops.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Http404):
            return not_found(request, exception)
        return None


def server_error(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"detail": "Internal server error."}, status=500)
    # No request context here: the error may come from the context processors themselves.
    return HttpResponse(loader.get_template("500.html").render(), status=500)


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever a page links: send them to Lotse's icon, so that
    no page load logs a 404."""
    response = HttpResponsePermanentRedirect(static("lotse/favicon.svg"))
    response["Cache-Control"] = "max-age=86400"
    return response
