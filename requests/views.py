"""The staff API of the requests app: offices, staff, the API token login, requests and offers.

Request endpoints are staff-only (the default permission) and read through one scoped queryset
(`requests.access.scope_to_offices`): another office's request is a 404 on every endpoint. Each
view fetches, checks the input, makes one call to `requests.lifecycle`, `requests.offers` or
`requests.fitting`, and answers; refusals of those functions become `{"detail", "code"}` in
`config.api` (409; 400 for a hand offer to someone who does not fit).
"""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from knox.models import AuthToken
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.clients import ScopedRateThrottle
from requests import fitting, lifecycle, models, outcomes
from requests.access import scope_to_offices
from requests.filters import RequestFilter
from requests.models import Office, StaffMember
from requests.serializers import (
    CompleteSerializer,
    ConflictSerializer,
    DetailSerializer,
    OfferCreateSerializer,
    OfferSerializer,
    OfficeSerializer,
    OutcomeConfirmSerializer,
    OutcomeSerializer,
    RequestChangeSerializer,
    RequestCreateSerializer,
    RequestSerializer,
    StaffMemberSerializer,
    TokenLoginSerializer,
    TokenSerializer,
)
from volunteers import audit


class OfficeList(generics.ListAPIView):
    """The network's active offices with their public addresses (public)."""

    serializer_class = OfficeSerializer
    permission_classes = [AllowAny]
    queryset = Office.objects.filter(is_active=True).order_by("name")


class _ScopedStaffMembers(generics.GenericAPIView):
    serializer_class = StaffMemberSerializer

    def get_queryset(self) -> QuerySet[StaffMember]:
        members = StaffMember.objects.select_related("user").prefetch_related("offices")
        return scope_to_offices(members, self.request.user, office_field="offices").order_by(
            "user__username"
        )


class StaffMemberList(_ScopedStaffMembers, generics.ListAPIView):
    """Staff of the caller's offices (coordinators: everyone)."""


class StaffMemberDetail(_ScopedStaffMembers, generics.RetrieveAPIView):
    """One member of staff; another office's staff is a 404."""


class TokenLogin(APIView):
    """Exchange a staff user name and password for an API token (`Authorization: Token ...`)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(request=TokenLoginSerializer, responses={200: TokenSerializer})
    def post(self, request: Request) -> Response:
        serializer = TokenLoginSerializer(data=request.data, context={"request": request})
        if not serializer.is_valid():
            if getattr(request, "axes_locked_out", False):
                # django-axes refused the login (the same lockout as the login page) and marked
                # DRF's request; its middleware answers 429 when Django's request carries it.
                request._request.axes_locked_out = True
            raise ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        instance, token = AuthToken.objects.create(user)
        audit.record(
            kind=audit.Kind.SECURITY, event=audit.Event.LOGGED_IN, actor=user, detail="API token"
        )
        return Response({"token": token, "expiry": instance.expiry}, status=status.HTTP_200_OK)


# --- Requests and offers --------------------------------------------------------------------


class _ScopedRequests(generics.GenericAPIView):
    serializer_class = RequestSerializer

    def get_queryset(self) -> QuerySet[models.Request]:
        # Everything RequestSerializer shows in two queries (and the count), whatever the page size.
        needs = models.Request.objects.select_related(
            "office", "skill", "created_by", "kind"
        ).prefetch_related("languages")
        return scope_to_offices(needs, self.request.user, office_field="office").order_by(
            "starts_at", "pk"
        )


def _described_filter(name: str, kind: OpenApiTypes) -> OpenApiParameter:
    # drf-spectacular drops the help text of filters typed with extend_schema_field (those
    # shared with the volunteer directory); the schema gets it back from the FilterSet.
    return OpenApiParameter(
        name, kind, description=str(RequestFilter.base_filters[name].extra["help_text"])
    )


class RequestCollection(_ScopedRequests, generics.ListAPIView):
    """The requests of the caller's offices."""

    filterset_class = RequestFilter

    @extend_schema(
        description="The requests of the caller's offices (coordinators: all), soonest first.",
        parameters=[
            _described_filter("language", OpenApiTypes.STR),
            _described_filter("skill", OpenApiTypes.STR),
            _described_filter("starts_after", OpenApiTypes.DATETIME),
            _described_filter("starts_before", OpenApiTypes.DATETIME),
        ],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        description="Record a need. With `auto_offer` the workers start offering it at once.",
        request=RequestCreateSerializer,
        responses={201: RequestSerializer},
    )
    def post(self, request: Request) -> Response:
        given = RequestCreateSerializer(data=request.data, context={"request": request})
        given.is_valid(raise_exception=True)
        created = lifecycle.create_request(created_by=request.user, **given.validated_data)
        return Response(self.get_serializer(created).data, status=status.HTTP_201_CREATED)


class RequestDetail(_ScopedRequests, generics.RetrieveAPIView):
    """One request; PATCH changes it while it is not closed."""

    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(
        description="Change the fields given. Time, place and languages are fixed once a "
        "volunteer has accepted (409, code `accepted`); a closed request is fixed (`closed`).",
        request=RequestChangeSerializer,
        responses={200: RequestSerializer, 409: ConflictSerializer},
    )
    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        need = self.get_object()
        change = RequestChangeSerializer(data=request.data, partial=True)
        change.is_valid(raise_exception=True)
        updated = lifecycle.update_request(request=need, data=change.validated_data)
        return Response(self.get_serializer(updated).data)


class RequestCancel(_ScopedRequests):
    """Cancel: open offers are withdrawn, volunteers who accepted are told."""

    @extend_schema(request=None, responses={200: RequestSerializer, 409: ConflictSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        cancelled = lifecycle.cancel_request(request=self.get_object())
        return Response(self.get_serializer(cancelled).data)


class RequestComplete(_ScopedRequests):
    """Mark a filled request done, with the hours each accepted volunteer worked."""

    @extend_schema(
        request=CompleteSerializer, responses={200: RequestSerializer, 409: ConflictSerializer}
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        need = self.get_object()
        given = CompleteSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        completed = lifecycle.complete_request(request=need, hours=given.validated_data["hours"])
        return Response(self.get_serializer(completed).data)


class RequestOffers(_ScopedRequests):
    """The offers of one request."""

    pagination_class = None  # a request has a few dozen offers at most

    @extend_schema(
        description="Every offer of the request, by wave (0: offered by hand).",
        request=None,
        responses={200: OfferSerializer(many=True)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        need = self.get_object()
        made = need.offers.select_related("volunteer", "outcome").order_by("wave", "pk")
        return Response(OfferSerializer(made, many=True).data)

    @extend_schema(
        description="Offer the request to one volunteer by hand; the workers send it, if the "
        "person fits. 400 `mismatch` names what rules them out (language, skill, certificate, "
        "gender, another task at the time, a pause or absence, phone/video), with or without "
        "`confirm`; 400 `confirm` names what is soft (outside their stated times, beyond their "
        "travel limit, their monthly limit reached): send again with `confirm: true` to ask. "
        "409 `offered` if the person was asked already, `not_active` for someone not active.",
        request=OfferCreateSerializer,
        # 400 is either field errors or a mismatch (`code`, `detail`): documented as the
        # field-errors object, which admits both, so every 400 answer matches its schema.
        responses={
            201: OfferSerializer,
            400: OpenApiResponse(
                description="Invalid input (`{field: [messages]}`), or the person does not fit: "
                '`{"code": "mismatch" | "confirm", "detail": "…"}`.'
            ),
            409: ConflictSerializer,
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        need = self.get_object()
        given = OfferCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        offer = fitting.offer_checked(
            request=need,
            volunteer=given.validated_data["volunteer"],
            confirm=given.validated_data["confirm"],
        )
        return Response(OfferSerializer(offer).data, status=status.HTTP_201_CREATED)


class RequestWaves(_ScopedRequests):
    """Send the next wave of offers now, instead of waiting for the current one to run out."""

    @extend_schema(request=None, responses={202: DetailSerializer, 409: ConflictSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        lifecycle.request_next_wave(request=self.get_object())
        return Response(
            {"detail": _("The next wave of offers will be sent shortly.")},
            status=status.HTTP_202_ACCEPTED,
        )


class OfferOutcome(_ScopedRequests):
    """What became of one accepted assignment: read it, or confirm it with corrections."""

    http_method_names = ["get", "put", "head", "options"]

    def _offer(self) -> models.Offer:
        need = self.get_object()
        offer = need.offers.select_related("volunteer").filter(pk=self.kwargs["offer_id"]).first()
        if offer is None:
            raise NotFound()
        offer.request = need
        return offer

    @extend_schema(
        description="The outcome of an accepted offer whose appointment has begun: the "
        "volunteer's check-in and the office's confirmation. 409 `not_accepted`, "
        "`not_started` or `cancelled` when the offer has none.",
        request=None,
        responses={200: OutcomeSerializer, 409: ConflictSerializer},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(OutcomeSerializer(outcomes.outcome_of(offer=self._offer())).data)

    @extend_schema(
        description="Confirm what happened, correcting hours and expenses: `result`, and "
        "`hours` when it took place. Audited with the fields changed. The offer's `hours` "
        "follow. 400 names the field at fault.",
        request=OutcomeConfirmSerializer,
        responses={200: OutcomeSerializer, 409: ConflictSerializer},
    )
    def put(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        offer = self._offer()
        given = OutcomeConfirmSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        outcome = outcomes.outcome_of(offer=offer)
        data = given.validated_data
        confirmed = outcomes.confirm(
            outcome=outcome,
            by=request.user,
            result=data["result"],
            hours=data.get("hours"),
            km=data.get("km"),
            ticket_cents=data.get("ticket_cents"),
        )
        return Response(OutcomeSerializer(confirmed).data)
