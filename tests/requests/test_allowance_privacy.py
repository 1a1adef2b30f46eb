"""A volunteer's export includes their allowance ledger and certificates; erasure keeps the
ledger's amounts without the person, says so beforehand, and retention removes them after the
bookkeeping years."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from requests import allowances
from requests.models import AllowanceEntry
from tests.factories.requests import confirmed
from tests.factories.volunteers import VolunteerFactory
from volunteers import selfservice, tokens
from workers import retention

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(office_a, django_capture_on_commit_callbacks):
    allowances.set_rule(
        office=office_a, data={"kind": "hourly", "hourly_cents": 1500, "km_cents": 30}
    )
    person = VolunteerFactory(name="Leyla Ahmadi")
    entry = confirmed(
        django_capture_on_commit_callbacks,
        office=office_a,
        volunteer=person,
        day=dt.date(2026, 3, 3),
        km="10",
    )
    return person, entry


def test_the_export_lists_the_ledger(paid):
    person, _entry = paid
    data = selfservice.export_data(volunteer=person)
    [exported] = data["allowances"]
    assert exported["allowance_cents"] == 3000 and exported["travel_cents"] == 300
    assert exported["status"] == "payable" and exported["service_date"] == "2026-03-03"
    assert data["certificates"] == []


def test_erasure_keeps_the_amounts_without_the_person_and_says_so(client, paid, office_a):
    person, entry = paid
    raw = tokens.issue(volunteer=person, purpose="manage")
    warning = client.get(
        reverse("volunteer-delete", kwargs={"token": raw}), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert 'id="ledger-kept"' in warning and "10 Jahre nach" in warning
    selfservice.erase(volunteer=person)
    kept = AllowanceEntry.objects.get(pk=entry.pk)
    assert kept.allowance_cents == 3000 and kept.volunteer.name == ""
    [row] = allowances.payout_list(office=office_a, month=dt.date(2026, 3, 1)).rows
    assert "Leyla" not in row.name and str(person.pk) in row.name
    assert row.amount_cents == 3300


def test_retention_removes_the_ledger_after_the_bookkeeping_years(paid):
    """An entry of a year that ended more than ten years ago goes with the daily retention;
    this year's stays."""
    _person, entry = paid
    old = AllowanceEntry.objects.get(pk=entry.pk)
    old.pk, old.outcome = None, None
    old.service_date = old.service_date.replace(year=timezone.localdate().year - 11)
    old.save()
    counts = retention.apply_retention()
    assert counts["allowance_entries"] == 1
    assert list(AllowanceEntry.objects.values_list("pk", flat=True)) == [entry.pk]
