"""Registration: the public API and page, email confirmation, and "send me my link again".

Every view answers the same whether or not an address is registered already. The API and the
pages share one rate limit per connection (scope "registration"): each accepted form may send
an email to the address typed in, so the limit also stops anyone from flooding a mailbox.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.clients import ScopedRateThrottle
from volunteers import consent, forms, language_picker, registration, tokens
from volunteers.serializers import RegistrationSerializer
from volunteers.translation import active_language

THROTTLE_SCOPE = "registration"
ACCEPTED = _(
    "Thank you! Please check your inbox: we have sent you an email. To complete a new "
    "registration, open the link in it within 3 days."
)
TOO_MANY = _("Too many attempts from your connection. Please try again in an hour.")


class RegistrationCreate(APIView):
    """Register as a volunteer. The answer is the same whether or not the email is known."""

    permission_classes = [AllowAny]
    # A public JSON endpoint without cookies: no session, hence no CSRF to check.
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = THROTTLE_SCOPE

    @extend_schema(
        request=RegistrationSerializer,
        responses={
            201: inline_serializer("RegistrationAccepted", {"detail": serializers.CharField()}),
            400: OpenApiResponse(description="{field: [messages]}; nothing was stored."),
            429: OpenApiResponse(description="Too many registrations from this connection."),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = RegistrationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        registration.register(data=serializer.validated_data, language=active_language())
        return Response({"detail": str(ACCEPTED)}, status=status.HTTP_201_CREATED)


def _throttled(request: HttpRequest) -> bool:
    """Counts this request against the API's registration limit; True when it is used up."""
    throttle = ScopedRateThrottle()
    return not throttle.allow_request(request, SimpleNamespace(throttle_scope=THROTTLE_SCOPE))


def _registration_context(form: forms.RegistrationForm) -> dict[str, object]:
    lang = active_language()
    return {
        "form": form,
        "language_list": language_picker.options(lang),
        "levels": forms.level_choices(),
        "genders": forms.gender_choices(),
        "email_languages": forms.email_language_choices(),
        "offer_channels": forms.offer_channel_choices(),
        "skills": form.skill_options(),
        "consent_text": consent.text(language=lang),
        "consent_language": consent.shown_language(language=lang),
    }


@require_http_methods(["GET", "POST"])
def register_page(request: HttpRequest) -> HttpResponse:
    template = "volunteers/registration/register.html"
    if request.method == "GET":
        form = forms.RegistrationForm(language=active_language())
        return render(request, template, _registration_context(form))
    form = forms.RegistrationForm(request.POST, language=active_language())
    serializer = RegistrationSerializer(data=form.serializer_input())
    if not serializer.is_valid():
        form.add_errors(serializer.errors)
    if form.has_errors:  # the serializer's, or a language the picker does not list
        return render(request, template, _registration_context(form))
    # Counted only when an email would go out: typos cost a person nothing.
    if _throttled(request):
        form.errors["form"] = [str(TOO_MANY)]
        return render(request, template, _registration_context(form), status=429)
    try:
        registration.register(data=serializer.validated_data, language=active_language())
    except DjangoValidationError as exc:  # a rule checked again on saving
        form.add_errors(exc.message_dict)
        return render(request, template, _registration_context(form))
    return redirect("volunteer-register-sent")


def register_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "volunteers/registration/register_sent.html")


@never_cache
@require_http_methods(["GET", "POST"])
def confirm_page(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button and changes nothing (mail scanners open links); POST confirms."""
    try:
        if request.method == "POST":
            volunteer = registration.confirm(raw_token=token)
            template = "volunteers/registration/confirmed.html"
        else:
            volunteer = registration.pending_confirmation(raw_token=token)
            template = "volunteers/registration/confirm.html"
    except registration.AlreadyConfirmed:
        return render(request, "volunteers/registration/already_confirmed.html")
    except tokens.InvalidToken as exc:
        return _invalid_link(request, exc.reason)
    return render(request, template, {"volunteer": volunteer})


def _invalid_link(request: HttpRequest, reason: str) -> HttpResponse:
    return render(
        request,
        "volunteers/registration/invalid_link.html",
        {"reason": reason},
        status=410 if reason == "expired" else 404,
    )


@require_http_methods(["GET", "POST"])
def link_again_page(request: HttpRequest) -> HttpResponse:
    template = "volunteers/registration/link_again.html"
    if request.method == "GET":
        return render(request, template, {"form": forms.LinkAgainForm()})
    form = forms.LinkAgainForm(request.POST)
    if not form.is_valid():
        return render(request, template, {"form": form})
    if _throttled(request):
        form.add_error(None, str(TOO_MANY))
        return render(request, template, {"form": form}, status=429)
    registration.send_link_again(email=form.cleaned_data["email"])
    return redirect("volunteer-link-sent")


def link_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "volunteers/registration/link_sent.html")


# POST /api/volunteers/ is served by volunteers.views.directory.VolunteerCollection.
api_patterns: list = []
page_patterns = [
    path("register/", register_page, name="volunteer-register-page"),
    path("register/sent/", register_sent, name="volunteer-register-sent"),
    path("volunteer/confirm/<str:token>/", confirm_page, name="volunteer-confirm"),
    # Before selfservice's volunteer/<token>/ in volunteers/urls.py, which would take "link".
    path("volunteer/link/", link_again_page, name="volunteer-link-again"),
    path("volunteer/link/sent/", link_sent, name="volunteer-link-sent"),
]
