"""The allowance ledger follows each office's rule and holds every volunteer's year against the
yearly cap: one entry per confirmed assignment, updated by a correction, the cap per calendar
year from the settings, and a coordinator's decision for what would pass it."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from requests import allowances
from requests.errors import RequestError
from requests.models import AllowanceEntry, AllowanceRule, Outcome
from tests.factories.requests import confirmed, correct
from tests.factories.volunteers import VolunteerFactory

pytestmark = pytest.mark.django_db

Status = AllowanceEntry.Status


def hourly(office, *, hour=1500, km=30, tickets=True):
    return allowances.set_rule(
        office=office,
        data={
            "kind": "hourly",
            "hourly_cents": hour,
            "km_cents": km,
            "reimburse_tickets": tickets,
        },
    )


def flat(office, cents=2000):
    return allowances.set_rule(office=office, data={"kind": "flat", "flat_cents": cents})


def test_it_pays_per_hour_plus_km_and_the_ticket_as_given(
    office_a, django_capture_on_commit_callbacks
):
    """15 €/h and 0,30 €/km: 2,5 h and 12 km pay 37,50 € allowance and 3,60 € travel; a
    4,90 € ticket is reimbursed as given."""
    hourly(office_a)
    entry = confirmed(
        django_capture_on_commit_callbacks,
        office=office_a,
        day=dt.date(2026, 3, 10),
        hours="2.5",
        km="12",
        ticket_cents=490,
    )
    assert entry.status == Status.PAYABLE
    assert (entry.allowance_cents, entry.travel_cents) == (3750, 360 + 490)
    assert entry.paid_cents == 3750 + 850
    assert entry.rule["kind"] == "hourly" and entry.languages == ["fa", "de"]
    assert entry.service_date == dt.date(2026, 3, 10)


def test_each_office_pays_by_its_own_rule(office_a, office_b, django_capture_on_commit_callbacks):
    """The same volunteer, the same three hours: 20 € flat at one office, nothing at an
    office without a rule."""
    flat(office_a)
    person = VolunteerFactory()
    at_a = confirmed(
        django_capture_on_commit_callbacks,
        office=office_a,
        volunteer=person,
        day=dt.date(2026, 2, 2),
        hours="3",
        km="5",
    )
    at_b = confirmed(
        django_capture_on_commit_callbacks,
        office=office_b,
        volunteer=person,
        day=dt.date(2026, 2, 3),
        hours="3",
    )
    assert (at_a.allowance_cents, at_a.travel_cents) == (2000, 0)
    assert (at_b.allowance_cents, at_b.travel_cents, at_b.status) == (0, 0, Status.PAYABLE)


def test_a_client_no_show_pays_the_trip_but_no_allowance(
    office_a, django_capture_on_commit_callbacks
):
    hourly(office_a)
    entry = confirmed(
        django_capture_on_commit_callbacks,
        office=office_a,
        day=dt.date(2026, 4, 1),
        result=Outcome.Result.CLIENT_NO_SHOW,
        km="10",
        ticket_cents=300,
    )
    assert (entry.took_place, entry.allowance_cents, entry.travel_cents) == (False, 0, 600)


def test_the_rule_at_confirmation_time_counts_and_a_correction_updates_the_one_entry(
    office_a, django_capture_on_commit_callbacks
):
    """A later change of the rule leaves the entry alone; a correction of the hours updates
    the same entry, with the rule as it is then; running the event again changes nothing."""
    hourly(office_a, hour=1500)
    entry = confirmed(
        django_capture_on_commit_callbacks, office=office_a, day=dt.date(2026, 5, 5), hours="2"
    )
    hourly(office_a, hour=2000)
    entry.refresh_from_db()
    assert entry.allowance_cents == 3000
    corrected = correct(django_capture_on_commit_callbacks, entry, hours="1.5")
    assert corrected.pk == entry.pk and AllowanceEntry.objects.count() == 1
    assert corrected.allowance_cents == 3000  # 1,5 h at the new 20 €/h
    assert corrected.rule["hourly_cents"] == 2000
    again = allowances.record(outcome_id=entry.outcome_id)
    assert again.updated_at == corrected.updated_at
    assert allowances.reconcile() == 0


def test_a_lost_event_is_made_good_by_reconcile(office_a):
    """A confirmation whose event never ran (the process stopped after the commit) gets its
    entry from the sweep."""
    hourly(office_a)

    def commit_hooks_lost(execute: bool = False) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()

    with pytest.raises(AllowanceEntry.DoesNotExist):
        confirmed(commit_hooks_lost, office=office_a, day=dt.date(2026, 6, 1))
    assert allowances.reconcile() == 1
    assert AllowanceEntry.objects.get().allowance_cents == 3000
    assert allowances.reconcile() == 0


def test_the_cap_holds_each_year_on_its_own(office_a, settings, django_capture_on_commit_callbacks):
    """840 € in 2025, 960 € in 2026. At 20 € per hour: 40 hours in December 2025 fill 2025
    to 800 €; another 4 hours on 31 December would pass the cap and wait; the same on
    2 January 2026 counts against 2026 and is payable."""
    settings.LOTSE_ALLOWANCE_CAPS = {2025: 84000, 2026: 96000}
    hourly(office_a, hour=2000, km=0)
    person = VolunteerFactory()

    def on(day, hours):
        return confirmed(
            django_capture_on_commit_callbacks,
            office=office_a,
            volunteer=person,
            day=day,
            hours=hours,
        )

    for day in (1, 2, 3, 4, 5):
        assert on(dt.date(2025, 12, day), "8").status == Status.PAYABLE
    assert allowances.year_to_date(volunteer_id=person.pk, year=2025) == 80000
    late = on(dt.date(2025, 12, 31), "4")
    assert late.status == Status.OVER_CAP and late.paid_cents == 0
    new_year = on(dt.date(2026, 1, 2), "4")
    assert new_year.status == Status.PAYABLE
    assert allowances.year_to_date(volunteer_id=person.pk, year=2026) == 8000
    assert allowances.year_to_date(volunteer_id=person.pk, year=2025) == 80000


def test_a_changed_cap_counts_from_then_on_and_an_unlisted_year_takes_the_latest(
    office_a, settings, django_capture_on_commit_callbacks
):
    """With a 2026 cap of 50 € a 60 € entry waits; raised to 100 €, the next 60 € entry of
    another volunteer is payable. 2030 is not listed: it takes 2026's cap."""
    hourly(office_a, hour=2000, km=0)
    settings.LOTSE_ALLOWANCE_CAPS = {2025: 84000, 2026: 5000}
    first = confirmed(
        django_capture_on_commit_callbacks, office=office_a, day=dt.date(2026, 7, 1), hours="3"
    )
    assert first.status == Status.OVER_CAP
    settings.LOTSE_ALLOWANCE_CAPS = {2025: 84000, 2026: 10000}
    second = confirmed(
        django_capture_on_commit_callbacks, office=office_a, day=dt.date(2026, 7, 2), hours="3"
    )
    assert second.status == Status.PAYABLE
    assert allowances.cap_for(2030) == 10000 and allowances.cap_for(2019) == 84000


def test_the_default_caps_are_the_ehrenamtspauschale():
    assert allowances.cap_for(2025) == 84000
    assert allowances.cap_for(2026) == 96000
    assert allowances.cap_for(2027) == 96000


def test_a_coordinator_decides_about_an_entry_over_the_cap(
    office_a, coordinator, staff_a, settings, django_capture_on_commit_callbacks
):
    """Cap 100 €, 80 € counted: a 40 € entry waits. Office staff cannot decide; "cap" pays
    the 20 € the year leaves; a decided entry cannot be decided again."""
    settings.LOTSE_ALLOWANCE_CAPS = {2026: 10000}
    hourly(office_a, hour=2000, km=0)
    person = VolunteerFactory()
    confirmed(
        django_capture_on_commit_callbacks,
        office=office_a,
        volunteer=person,
        day=dt.date(2026, 8, 3),
        hours="4",
    )
    over = confirmed(
        django_capture_on_commit_callbacks,
        office=office_a,
        volunteer=person,
        day=dt.date(2026, 8, 4),
        hours="2",
    )
    assert over.status == Status.OVER_CAP
    assert allowances.waiting_for(volunteer_id=person.pk) == [over]
    with pytest.raises(RequestError) as refused:
        allowances.decide(entry=over, by=staff_a.user, decision="approve")
    assert refused.value.status_code == 403
    with pytest.raises(ValidationError):
        allowances.decide(entry=over, by=coordinator.user, decision="maybe")
    capped = allowances.decide(entry=over, by=coordinator.user, decision="cap")
    assert (capped.status, capped.allowance_cents, capped.paid_cents) == (Status.CAPPED, 2000, 2000)
    assert capped.decided_by == coordinator.user
    assert allowances.year_to_date(volunteer_id=person.pk, year=2026) == 10000
    with pytest.raises(RequestError) as twice:
        allowances.decide(entry=capped, by=coordinator.user, decision="approve")
    assert twice.value.code == "decided"


def test_approve_pays_it_all_and_reject_pays_nothing(
    office_a, coordinator, settings, django_capture_on_commit_callbacks
):
    settings.LOTSE_ALLOWANCE_CAPS = {2026: 1000}
    flat(office_a, 2000)
    one = confirmed(django_capture_on_commit_callbacks, office=office_a, day=dt.date(2026, 9, 1))
    two = confirmed(django_capture_on_commit_callbacks, office=office_a, day=dt.date(2026, 9, 2))
    approved = allowances.decide(entry=one, by=coordinator.user, decision="approve")
    rejected = allowances.decide(entry=two, by=coordinator.user, decision="reject")
    assert (approved.status, approved.paid_cents) == (Status.APPROVED, 2000)
    assert (rejected.status, rejected.paid_cents) == (Status.REJECTED, 0)


def test_a_rule_with_bad_amounts_is_refused_by_field(office_a):
    with pytest.raises(ValidationError) as no_kind:
        allowances.set_rule(office=office_a, data={"kind": "weekly"})
    assert "kind" in no_kind.value.message_dict
    with pytest.raises(ValidationError) as negative:
        allowances.set_rule(office=office_a, data={"kind": "hourly", "hourly_cents": -5})
    assert "hourly_cents" in negative.value.message_dict
    with pytest.raises(ValidationError) as missing:
        allowances.set_rule(office=office_a, data={"kind": "flat"})
    assert "flat_cents" in missing.value.message_dict
    assert not AllowanceRule.objects.exists()


def test_old_entries_go_after_the_retention_years(
    office_a, settings, django_capture_on_commit_callbacks
):
    """Kept ten years after the end of their year: in 2036 the 2025 entries go, 2026 stays."""
    hourly(office_a)
    old = confirmed(django_capture_on_commit_callbacks, office=office_a, day=dt.date(2025, 6, 1))
    kept = confirmed(django_capture_on_commit_callbacks, office=office_a, day=dt.date(2026, 6, 1))
    assert allowances.forget_old(now=dt.datetime(2035, 12, 31, 12, tzinfo=dt.UTC)) == 0
    assert allowances.forget_old(now=dt.datetime(2036, 6, 1, 12, tzinfo=dt.UTC)) == 1
    assert list(AllowanceEntry.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not AllowanceEntry.objects.filter(pk=old.pk).exists()
