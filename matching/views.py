"""The candidates endpoints: `GET /api/requests/{id}/candidates/?limit=20`,
`GET /api/requests/{id}/candidates/tiers/` (how many candidates each tier has), and
`GET /api/requests/{id}/candidates/why-none/` (which condition leaves nobody, `matching.funnel`).

Staff see the ranked volunteers for a request of their own office (another office's request is a
404), each with the reasons for the rank in the staff member's language. The list is short by
design (at most 100), so it is not paginated.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request as ApiRequest
from rest_framework.response import Response
from rest_framework.views import APIView

import matching
from matching import eligibility, funnel, pool, ranking
from requests.access import scope_to_offices
from requests.models import Request

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class CandidateQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(
        min_value=1,
        max_value=MAX_LIMIT,
        default=DEFAULT_LIMIT,
        help_text=f"How many candidates, best first (1–{MAX_LIMIT}).",
    )


class CandidateVolunteerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CandidateSerializer(serializers.Serializer):
    volunteer = CandidateVolunteerSerializer()
    rank = serializers.IntegerField(help_text="1 is the best candidate.")
    score = serializers.FloatField(help_text="Suitability × chance of accepting, 0–1.")
    p_accept = serializers.FloatField(help_text="Estimated chance of accepting an offer, 0–1.")
    distance_km = serializers.FloatField(
        allow_null=True, help_text="Approximate distance; null for phone/video requests."
    )
    tier = serializers.ChoiceField(
        choices=list(ranking.TIER_NAMES.values()),
        help_text="`exact`: a stated weekly time covers the appointment and the place is within "
        "their travel limit; `outside_times`: outside their stated times, or none stated; "
        "`beyond_limit`: up to 1.5 times their limit. Every better tier ranks first.",
    )
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text="Why this rank, in the caller's language."
    )


class CandidateList(APIView):
    """The ranked candidates for a request of the caller's office."""

    @extend_schema(
        parameters=[CandidateQuerySerializer],
        responses={
            200: CandidateSerializer(many=True),
            400: OpenApiResponse(description="`limit` is not a whole number from 1 to 100."),
            404: OpenApiResponse(description="No such request in the caller's offices."),
        },
    )
    def get(self, request: ApiRequest, pk: int) -> Response:
        need = get_object_or_404(
            scope_to_offices(Request.objects.select_related("skill"), request.user), pk=pk
        )
        query = CandidateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        matches = matching.rank(need, limit=query.validated_data["limit"])
        names = pool.names_of(match.volunteer_id for match in matches)
        rows = [
            {
                "volunteer": {"id": match.volunteer_id, "name": names.get(match.volunteer_id, "")},
                "rank": match.rank,
                "score": match.score,
                "p_accept": match.p_accept,
                "distance_km": match.distance_km,
                "tier": ranking.TIER_NAMES[match.tier],
                "reasons": match.reasons,
            }
            for match in matches
        ]
        return Response(CandidateSerializer(rows, many=True).data)


class TierCountsSerializer(serializers.Serializer):
    exact = serializers.IntegerField(
        help_text="Candidates in their stated times and within their travel limit."
    )
    outside_times = serializers.IntegerField(
        help_text="Candidates within their limit, outside their stated times or with none."
    )
    beyond_limit = serializers.IntegerField(
        help_text="Candidates up to 1.5 times their travel limit (in person only)."
    )


class CandidateTiers(APIView):
    """How many candidates a request of the caller's office has in each tier: everyone who
    would be asked, not only the first page of the ranked list."""

    @extend_schema(
        responses={
            200: TierCountsSerializer,
            404: OpenApiResponse(description="No such request in the caller's offices."),
        },
    )
    def get(self, request: ApiRequest, pk: int) -> Response:
        need = get_object_or_404(
            scope_to_offices(Request.objects.select_related("skill"), request.user), pk=pk
        )
        return Response(TierCountsSerializer(ranking.tier_counts(need)).data)


class FunnelStageSerializer(serializers.Serializer):
    key = serializers.ChoiceField(
        choices=[
            eligibility.ACTIVE,
            eligibility.LANGUAGES,
            eligibility.SKILL,
            eligibility.TIME,
            eligibility.REACH,
            eligibility.WANTED,
            eligibility.FREE,
            eligibility.NOT_ASKED,
        ],
        help_text="The condition, as a stable key.",
    )
    label = serializers.CharField(help_text="The condition, in the caller's language.")
    count = serializers.IntegerField(
        help_text="Volunteers who meet it and every condition before it."
    )


class FunnelSerializer(serializers.Serializer):
    blocker = serializers.CharField(
        help_text="Why the appointment itself rules everyone out (started, past midnight, "
        "unknown place); empty otherwise."
    )
    stages = FunnelStageSerializer(many=True, help_text="Up to the first that leaves nobody.")
    advice = serializers.CharField(help_text="What to try, when a stage leaves nobody.")


class WhyNone(APIView):
    """Which hard constraint leaves nobody for a request of the caller's office: the volunteers
    who meet each condition in turn, up to the first that leaves nobody (all of them, when
    somebody is left)."""

    @extend_schema(
        responses={
            200: FunnelSerializer,
            404: OpenApiResponse(description="No such request in the caller's offices."),
        },
    )
    def get(self, request: ApiRequest, pk: int) -> Response:
        need = get_object_or_404(
            scope_to_offices(Request.objects.select_related("skill"), request.user), pk=pk
        )
        found = funnel.funnel(need)
        return Response(
            FunnelSerializer(
                {"blocker": found.blocker, "stages": found.stages, "advice": found.advice}
            ).data
        )
