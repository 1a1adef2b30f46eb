"""The pages behind an offer's email link: the task, accept or decline, the calendar entry.

The token in the URL is the volunteer's only credential. A GET (or HEAD) only shows: mail
scanners and link previews open these links, so nothing changes without a POST from the page's
own form (with CSRF). The pages speak the volunteer's email language, not the browser's: the
link came in an email in that language, and a borrowed phone may be set to anything. Only an
unknown link and the rate-limit page, where nobody is known, follow the browser.

Every answer is counted against a per-address limit (a token cannot be guessed in bulk), never
cached, kept out of search engines and out of other sites' Referer headers.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from config.clients import client_address
from requests import calendar, offers
from requests.errors import OfferError
from requests.models import Offer, Request
from volunteers import appointments, places, tokens
from volunteers.models import PersonalToken, Volunteer
from volunteers.translation import page_language

TEMPLATES = "requests/offer/"
# Requests per client address and minute on these pages. A person needs a handful; someone
# trying tokens needs billions.
RATE_PER_MINUTE = 30
RATE_WINDOW_SECONDS = 60

# A POST that repeats what already happened (a double click, a reload) is answered like the
# first one: the page with the state it led to.
_REPEATS = {"accept": "accepted", "decline": "declined"}

OfferView = Callable[[HttpRequest, str, Offer], HttpResponse]


class SeeOther(HttpResponseRedirect):
    """303: after a POST, the browser GETs the page (a reload then repeats no POST)."""

    status_code = 303


def seconds_until_allowed(request: HttpRequest) -> int | None:
    """Counts this request for its client address; None while under the limit, else the wait.

    A fixed window per minute in the shared cache (CACHE_URL): `incr` is atomic in the memory,
    Redis and Memcached backends, so parallel requests cannot slip past the count.
    """
    # The same reading of the client address as the API's limits and the login lockout.
    ident = client_address(request)
    now = time.time()
    window = int(now // RATE_WINDOW_SECONDS)
    key = f"offer-links:{hashlib.sha256(ident.encode()).hexdigest()[:32]}:{window}"
    cache.add(key, 0, timeout=RATE_WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=RATE_WINDOW_SECONDS * 2)
        count = 1
    if count <= RATE_PER_MINUTE:
        return None
    return RATE_WINDOW_SECONDS - int(now % RATE_WINDOW_SECONDS)


def offer_link(view: OfferView) -> Callable[..., HttpResponse]:
    """Rate-limit, resolve the offer of the URL (or the friendly 404), speak its language."""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str) -> HttpResponse:
        wait = seconds_until_allowed(request)
        if wait is not None:
            response = render(request, TEMPLATES + "rate_limited.html", status=429)
            response["Retry-After"] = str(wait)
        else:
            try:
                offer = offers.resolve(token)
            except OfferError:
                response = render(request, TEMPLATES + "not_found.html", status=404)
            else:
                language = page_language(request, offer.volunteer)
                with translation.override(language):
                    response = view(request, token, offer)
                response["Content-Language"] = language
        # The URL carries the secret: keep it out of search engines and other sites' logs.
        # "same-origin", not "no-referrer": under no-referrer browsers send `Origin: null` with
        # the page's own POST, and Django's CSRF check then refuses the volunteer's answer.
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "same-origin"
        return response

    return never_cache(wrapper)


def approximate_distance_km(offer: Offer) -> float | None:
    """The volunteer's approximate way to the place, to half a kilometre; None if unknown."""
    request, volunteer = offer.request, offer.volunteer
    if request.remote or not request.postcode or not volunteer.postcode:
        return None
    try:
        km = places.postcode_distance_km(volunteer.postcode, request.postcode)
    except places.InvalidPostcode:
        return None
    if km is None:
        return None
    return places.shown_km(km)


def office_contact_sentence(office: object) -> str:
    """Where the accepted volunteer finds the office, naming only what the office has."""
    phone, email = getattr(office, "phone", ""), getattr(office, "email", "")
    if phone and email:
        return _("You find its phone number and email address below.")
    if phone:
        return _("You find its phone number below.")
    if email:
        return _("You find its email address below.")
    return ""


def can_release(offer: Offer, page: str) -> bool:
    """An accepted volunteer can sign off on the page until the appointment starts."""
    return page == "accepted" and offer.request.starts_at > timezone.now()


def _context(token: str, offer: Offer, **extra: Any) -> dict[str, Any]:
    request = offer.request
    page = offers.state(offer=offer)
    return {
        "can_release": can_release(offer, page),
        "offer": offer,
        "state": page,
        "task": request,
        "office": request.office,
        "title": calendar.title(request),
        "languages": calendar.language_names(request),
        "when": calendar.when_text(starts_at=request.starts_at, ends_at=request.ends_at),
        "distance_km": approximate_distance_km(offer),
        "free": request.places_free,
        "reasons": Offer.DeclineReason.choices,
        "action_url": reverse("offer", kwargs={"token": token}),
        "calendar_url": reverse("offer-calendar", kwargs={"token": token})
        if page == "accepted"
        else "",
        # How to join a phone or video appointment: for those who accepted, never in an offer.
        "connection": request.connection if page == "accepted" else "",
        "contact_sentence": office_contact_sentence(request.office),
        "release_reason_max": offers.RELEASE_REASON_MAX,
        **extra,
    }


def _page(
    request: HttpRequest, token: str, offer: Offer, *, status: int = 200, **extra: Any
) -> HttpResponse:
    return render(request, TEMPLATES + "page.html", _context(token, offer, **extra), status=status)


@offer_link
@require_http_methods(["GET", "HEAD", "POST"])
def offer_page(request: HttpRequest, token: str, offer: Offer) -> HttpResponse:
    """GET: the task and the two forms (or why not). POST action=accept|decline: the answer;
    action=release: an accepted volunteer can no longer come (the reminder links here)."""
    if request.method != "POST":
        released = request.GET.get("released") == "1" and offer.status == Offer.Status.WITHDRAWN
        signing_off = request.GET.get("signoff") == "1"
        return _page(request, token, offer, released=released, signing_off=signing_off)
    action = request.POST.get("action", "")
    if action == "release":
        return _release(request, token, offer)
    if action not in _REPEATS:
        problem = _("Please answer with one of the buttons on this page.")
        return _page(request, token, offer, status=400, problem=problem)
    try:
        if action == "accept":
            offers.accept(offer=offer)
        else:
            offers.decline(offer=offer, reason=request.POST.get("reason", ""))
    except OfferError as exc:
        if exc.code == _REPEATS[action]:
            return SeeOther(reverse("offer", kwargs={"token": token}))
        # Read again: the refusal may come from a change made a moment ago by someone else.
        current = offers.resolve(token)
        return _page(request, token, current, status=409, refusal=exc)
    return SeeOther(reverse("offer", kwargs={"token": token}))


def _release(request: HttpRequest, token: str, offer: Offer) -> HttpResponse:
    """ "I can't make it": once confirmed, the place is free again and the office is told, with
    the optional reason (offers.release). Unconfirmed, the page asks first: one stray tap must
    not give a place away."""
    if not can_release(offer, offers.state(offer=offer)):
        if offer.status == Offer.Status.WITHDRAWN:  # a double click: the first one did it
            return SeeOther(reverse("offer", kwargs={"token": token}) + "?released=1")
        problem = _("You can sign off only from an accepted appointment that has not started.")
        return _page(request, token, offer, status=409, problem=problem)
    if request.POST.get("confirm") != "1":
        return _page(request, token, offer, signing_off=True)
    offers.release(offer=offer, reason=request.POST.get("reason", ""))
    return SeeOther(reverse("offer", kwargs={"token": token}) + "?released=1")


@offer_link
@require_http_methods(["GET", "HEAD"])
def offer_calendar(request: HttpRequest, token: str, offer: Offer) -> HttpResponse:
    """The .ics invite, for an accepted offer only."""
    if offers.state(offer=offer) != "accepted":
        context = {"reason": "calendar", "offer_url": reverse("offer", kwargs={"token": token})}
        return render(request, TEMPLATES + "not_found.html", context, status=404)
    response = HttpResponse(
        calendar.offer_calendar(offer), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="lotse-{offer.pk}.ics"'
    return response


# --- From the volunteer's profile ----------------------------------------------------------


def upcoming_appointments(volunteer: Volunteer, token: str) -> list[appointments.Appointment]:
    """The volunteer's accepted appointments still to come, soonest first, each linking to its
    page through the profile's own link (`offer_from_profile`)."""
    accepted = (
        Offer.objects.filter(
            volunteer=volunteer,
            status=Offer.Status.ACCEPTED,
            request__starts_at__gt=timezone.now(),
        )
        .exclude(request__status=Request.Status.CANCELLED)
        .select_related("request__skill", "request__office")
        .prefetch_related("request__languages")
        .order_by("request__starts_at", "pk")
    )
    return [
        appointments.Appointment(
            title=calendar.title(offer.request),
            when=calendar.when_text(
                starts_at=offer.request.starts_at, ends_at=offer.request.ends_at
            ),
            place=calendar.place_text(offer.request),
            url=reverse("offer-from-profile", kwargs={"token": token, "offer_id": offer.pk}),
        )
        for offer in accepted
    ]


@never_cache
@require_http_methods(["GET", "HEAD"])
def offer_from_profile(request: HttpRequest, token: str, offer_id: int) -> HttpResponse:
    """The page of an accepted appointment, opened from the profile: the profile's link proves
    who is asking; a new link to the offer's page is made (the others keep working)."""
    wait = seconds_until_allowed(request)
    if wait is not None:
        response = render(request, TEMPLATES + "rate_limited.html", status=429)
        response["Retry-After"] = str(wait)
        return response
    try:
        link = tokens.resolve(token, purpose=PersonalToken.Purpose.MANAGE)
    except tokens.InvalidToken:
        return render(request, TEMPLATES + "not_found.html", status=404)
    offer = Offer.objects.filter(
        pk=offer_id, volunteer=link.volunteer, status=Offer.Status.ACCEPTED
    ).first()
    if offer is None:
        return render(request, TEMPLATES + "not_found.html", status=404)
    response = SeeOther(reverse("offer", kwargs={"token": offers.add_link(offer=offer)}))
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
