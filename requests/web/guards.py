"""Who may open a staff page, and the one way a page reads a request: scoped to the offices.

`staff_page` lets in signed-in users with a staff membership; others are sent to the login page
or told that their account has no office yet. `scoped_request` reads a request through
`scope_to_offices`: another office's request is a 404, exactly like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from requests.access import scope_to_offices
from requests.models import Office, Request, StaffMember


def staff_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if StaffMember.of(request.user) is None:
            return render(request, "requests/web/no_office.html", status=403)
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def requests_of(user: Any) -> QuerySet[Request]:
    """The requests `user` may see, with what every page shows of them loaded."""
    return scope_to_offices(
        Request.objects.select_related("office", "skill", "created_by").prefetch_related(
            "languages"
        ),
        user,
    )


def scoped_request(user: Any, pk: int) -> Request:
    return get_object_or_404(requests_of(user), pk=pk)


def offices_of(user: Any) -> QuerySet[Office]:
    """The active offices `user` works for (coordinators: all), by name."""
    return scope_to_offices(
        Office.objects.filter(is_active=True), user, office_field="pk"
    ).order_by("name", "pk")
