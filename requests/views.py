"""The staff API of the requests app: offices, staff, and the API token login."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from knox.models import AuthToken
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from requests.access import scope_to_offices
from requests.models import Office, StaffMember
from requests.serializers import (
    OfficeSerializer,
    StaffMemberSerializer,
    TokenLoginSerializer,
    TokenSerializer,
)


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
        serializer.is_valid(raise_exception=True)
        instance, token = AuthToken.objects.create(serializer.validated_data["user"])
        return Response({"token": token, "expiry": instance.expiry}, status=status.HTTP_200_OK)
