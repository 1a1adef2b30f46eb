"""Who may see what: the one place that scopes staff querysets by office.

Every staff endpoint and page filters through `scope_to_offices`; a row of another office is
then simply not found (a 404, never a 403 that would confirm it exists).
"""

from __future__ import annotations

from typing import TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Model, QuerySet

from requests.models import Office, StaffMember

M = TypeVar("M", bound=Model)


def scope_to_offices(
    queryset: QuerySet[M],
    user: AbstractBaseUser | AnonymousUser,
    *,
    office_field: str = "office",
) -> QuerySet[M]:
    """Limit `queryset` to rows whose `office_field` is an office `user` works for.

    Coordinators see every row, users without a staff membership see none. `office_field` is a
    lookup path from the queryset's model to an Office (e.g. "office", "offices",
    "request__office").
    """
    member = StaffMember.of(user)
    if member is None:
        return queryset.none()
    if member.is_coordinator:
        return queryset
    offices = Office.objects.filter(staff_members=member)
    return queryset.filter(**{f"{office_field}__in": offices}).distinct()
