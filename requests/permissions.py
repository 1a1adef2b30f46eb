"""API permissions: the default for every endpoint is "a signed-in member of staff"."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.permissions import BasePermission

from requests.models import StaffMember

if TYPE_CHECKING:  # DRF imports this module while rest_framework.views is half-loaded
    from rest_framework.request import Request
    from rest_framework.views import APIView


class IsStaffMember(BasePermission):
    """Allows office staff and coordinators; refuses anonymous users and plain accounts."""

    message = "You need a staff or coordinator account for this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return StaffMember.of(request.user) is not None
