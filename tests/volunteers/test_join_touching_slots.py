"""The data migration that joins touching weekly slots stored before profiles joined them."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from tests.factories.volunteers import VolunteerFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("volunteers.migrations.0007_join_touching_slots")


def slots_of(volunteer) -> list[tuple[int, str, str]]:
    return [
        (s.weekday, f"{s.start:%H:%M}", f"{s.end:%H:%M}")
        for s in volunteer.availability.order_by("weekday", "start")
    ]


def test_it_joins_runs_of_touching_slots_per_person_and_day():
    chain = VolunteerFactory(
        availability=[(0, "09:00", "10:00"), (0, "11:00", "12:00"), (0, "10:00", "11:00")]
    )
    apart = VolunteerFactory(availability=[(0, "09:00", "12:00"), (0, "12:30", "15:00")])
    days = VolunteerFactory(availability=[(0, "18:00", "23:59"), (1, "00:00", "08:00")])
    # The next person's slot, read right after this one's, starts where it ends: not joined.
    before = VolunteerFactory(availability=[(2, "09:00", "12:00")])
    neighbour = VolunteerFactory(availability=[(2, "12:00", "15:00")])

    migration.join_touching(apps, SimpleNamespace(connection=connection))

    assert slots_of(chain) == [(0, "09:00", "12:00")]
    assert slots_of(apart) == [(0, "09:00", "12:00"), (0, "12:30", "15:00")]
    assert slots_of(days) == [(0, "18:00", "23:59"), (1, "00:00", "08:00")]
    assert slots_of(neighbour) == [(2, "12:00", "15:00")]
    assert slots_of(before) == [(2, "09:00", "12:00")]
