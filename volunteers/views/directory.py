"""The staff directory: list, filter, read and change volunteers.

Staff only (the default permission, `requests.permissions.IsStaffMember`). Volunteers are shared
by the whole network, so unlike requests the directory is not scoped to the caller's offices.
Erased volunteers are not in it: their id answers 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from config.clients import ScopedRateThrottle
from volunteers import audit, directory
from volunteers.filters import VolunteerFilter
from volunteers.models import Volunteer
from volunteers.serializers import VolunteerChangeSerializer, VolunteerSerializer
from volunteers.views import registration as registration_views


class VolunteerList(generics.ListAPIView):
    """All volunteers of the network, by name; filter with the query parameters."""

    serializer_class = VolunteerSerializer
    filterset_class = VolunteerFilter

    def get_queryset(self) -> QuerySet[Volunteer]:
        # No office scoping: volunteers serve the whole network (see the module docstring).
        return directory.directory_queryset()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        # Each person on the page was read: one entry per volunteer returned.
        rows = response.data.get("results", []) if isinstance(response.data, dict) else []
        audit.record_read(
            event=audit.Event.VOLUNTEERS_LISTED,
            volunteer_ids=[row["id"] for row in rows if "id" in row],
        )
        return response


class VolunteerDetail(generics.RetrieveAPIView):
    """One volunteer; PATCH changes the profile, the status or the pause."""

    serializer_class = VolunteerSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Volunteer]:
        return directory.directory_queryset()

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().retrieve(request, *args, **kwargs)
        audit.record_read(event=audit.Event.VOLUNTEER_READ, volunteer_ids=[response.data["id"]])
        return response

    @extend_schema(request=VolunteerChangeSerializer, responses={200: VolunteerSerializer})
    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        volunteer = self.get_object()
        change = VolunteerChangeSerializer(data=request.data, partial=True)
        change.is_valid(raise_exception=True)
        try:
            updated = directory.update_volunteer(volunteer=volunteer, data=change.validated_data)
        except Volunteer.DoesNotExist:
            raise NotFound() from None  # erased while the change was on its way
        return Response(self.get_serializer(updated).data)


class VolunteerCollection(VolunteerList):
    """GET (staff): the directory. POST (public, throttled): registration.

    One URL serves both, as API.md describes; each method gets its own authentication,
    permission and throttle. POST runs unauthenticated: a public JSON endpoint without a
    session has no CSRF to check.
    """

    _registration = False

    def initialize_request(self, request: Any, *args: Any, **kwargs: Any) -> Request:
        self._registration = request.method == "POST"
        return super().initialize_request(request, *args, **kwargs)

    def get_authenticators(self) -> list:
        return [] if self._registration else super().get_authenticators()

    def get_permissions(self) -> list:
        return [AllowAny()] if self._registration else super().get_permissions()

    def get_throttles(self) -> list:
        if self._registration:
            self.throttle_scope = registration_views.THROTTLE_SCOPE
            return [ScopedRateThrottle()]
        return super().get_throttles()

    post = registration_views.RegistrationCreate.post


api_patterns = [
    path("volunteers/", VolunteerCollection.as_view(), name="volunteer-list"),
    path("volunteers/<int:pk>/", VolunteerDetail.as_view(), name="volunteer-detail"),
]
