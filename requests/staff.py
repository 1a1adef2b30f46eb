"""Creating and updating staff accounts: one function for the command, the demo data and tests."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from requests.models import Office, StaffMember


class UnknownOffice(LookupError):
    """An office named by id or name does not exist."""


def find_office(name_or_id: str) -> Office:
    """An office by id, or by its name without regard to case."""
    text = name_or_id.strip()
    if text.isdigit():
        office = Office.objects.filter(pk=int(text)).order_by("pk").first()
    else:
        # Compared in Python: SQLite's case-insensitive match knows ASCII only ("HÖRDE").
        wanted = text.casefold()
        office = next((o for o in Office.objects.all() if o.name.casefold() == wanted), None)
    if office is None:
        raise UnknownOffice(text)
    return office


@transaction.atomic
def save_staff_account(
    *,
    username: str,
    password: str,
    role: str,
    offices: Iterable[Office] = (),
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    check_password: bool = True,
) -> StaffMember:
    """Create the account or bring an existing one to exactly this state.

    Coordinators get the admin site (they manage offices, staff and the skill catalogue);
    office staff work in the staff pages and the API.
    """
    offices = list(offices)
    if role == StaffMember.Role.STAFF and not offices:
        raise ValueError("Office staff need at least one office.")
    if role == StaffMember.Role.COORDINATOR and offices:
        raise ValueError("A coordinator sees all offices; name no office.")
    user_model = get_user_model()
    try:
        user: AbstractUser = user_model.objects.get(username=username)
    except user_model.DoesNotExist:
        user = user_model(username=username)
    if check_password:
        validate_password(password, user)
    is_coordinator = role == StaffMember.Role.COORDINATOR
    user.email = email or user.email
    user.first_name = first_name or user.first_name
    user.last_name = last_name or user.last_name
    user.is_staff = is_coordinator
    user.is_superuser = is_coordinator
    user.is_active = True
    user.set_password(password)
    user.save()
    member, _ = StaffMember.objects.update_or_create(user=user, defaults={"role": role})
    member.offices.set(offices)
    return member
