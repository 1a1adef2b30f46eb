"""Template context for every page: the signed-in staff member and how often pages poll."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from requests.models import StaffMember


def staff(request: HttpRequest) -> dict[str, Any]:
    return {
        "staff_member": StaffMember.of(getattr(request, "user", None)),
        "poll_seconds": settings.STAFF_POLL_SECONDS,
    }
