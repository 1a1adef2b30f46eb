"""Helpers for the staff pages' tests: signed-in clients and a Farsi mediator who fits."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from requests.models import StaffMember
from tests.factories.requests import days_ahead
from tests.factories.volunteers import VolunteerFactory
from volunteers.models import Volunteer


def signed_in(member: StaffMember) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(member.user)
    return client


def next_weekday(weekday: int, *, weeks_ahead: int = 1) -> dt.date:
    """The `weekday` (0 = Monday) at least `weeks_ahead` weeks from today, in Berlin."""
    start = days_ahead(7 * weeks_ahead)
    return start + dt.timedelta(days=(weekday - start.weekday()) % 7)


def farsi_mediator(name: str = "Neda Karimi", **fields) -> Volunteer:
    """Farsi native, German C1, interprets, free every day 08:00–18:00, lives in 44147."""
    return VolunteerFactory(
        name=name,
        languages=[("fa", "native"), ("de", "C1")],
        skills=["interpreting"],
        availability=[(day, "08:00", "18:00") for day in range(7)],
        **fields,
    )
